// Scenario files (docs/scenarios.md): one statement per line, '#' comments.
// A whole file is parsed into Statements before anything runs, so a malformed
// file is reported without touching the model.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "tlmmu/cache/cache.h"
#include "tlmmu/core/mmu.h"
#include "tlmmu/core/paging.h"
#include "tlmmu/machine/machine.h"

namespace tlmmu::scenario {

// A `config` key of the data caches (cache.*): scenarios start with them off.
inline bool is_cache_key(const std::string& key) { return key.compare(0, 6, "cache.") == 0; }

// A problem at one line of a scenario: a syntax error while parsing, or a
// statement that cannot be carried out while running.
class ScenarioError : public std::runtime_error {
 public:
    ScenarioError(unsigned line, const std::string& reason) : std::runtime_error(reason), m_line(line) {}
    unsigned line() const { return m_line; }

 private:
    unsigned m_line;
};

// `=> fault=gp dropped=3 cycles=150` after a control operation. Without
// `fault=` the operation is expected to succeed.
struct OperationExpectations {
    std::optional<FaultKind> fault;
    std::optional<unsigned> dropped;
    std::optional<uint64_t> cycles;
};

// `=> pa=0x5000 size=4k source=walk ...` after an access. Without `fault=`
// (or `code=`, which implies fault=pf) the access is expected to succeed.
struct AccessExpectations {
    std::optional<FaultKind> fault;
    std::optional<uint64_t> pa;
    std::optional<PageSize> size;
    std::optional<Source> source;
    std::optional<unsigned> psc;  // level of the PSC hit the walk started from, 0 = none
    std::optional<unsigned> reads;
    std::optional<unsigned> ad;
    std::optional<uint64_t> latency;
    std::optional<uint32_t> code;
    std::optional<uint64_t> cr2;
    std::optional<bool> global;
    std::optional<unsigned> pkey;
    std::optional<bool> assist;  // D-bit assist: a write hit a TLB entry with D=0
};

// --- setup -----------------------------------------------------------------
struct ConfigStmt {  // config KEY = VALUE
    std::string key, value;
};
struct MemoryStmt {  // memory [size=BYTES] [latency=CYCLES] [tables=PA]
    std::optional<uint64_t> size, latency, tables;
};
struct PagingStmt {  // paging 4level|5level
    unsigned levels = 4;
};
struct SpaceStmt {  // space NAME
    std::string name;
};
struct UseStmt {  // use NAME
    std::string name;
};
struct MapStmt {  // map VA PA SIZE [flags] [pkey=N] [tables=LIST]
    uint64_t va = 0, pa = 0;
    PageSize size = PageSize::k4;
    uint64_t leaf_flags = 0;
    uint64_t table_flags = pte::RW | pte::US;
};
struct UnmapStmt {  // unmap VA
    uint64_t va = 0;
};
// edit VA LEVEL [raw=V | copy=VA2] [addr=PA] [set=LIST] [clear=LIST] [pkey=N]
struct EditStmt {
    uint64_t va = 0;
    unsigned level = 0;  // 0: the leaf, whatever its level
    std::optional<uint64_t> raw;
    std::optional<uint64_t> copy_from;  // the entry at the same level for this VA
    std::optional<uint64_t> addr;
    std::optional<unsigned> pkey;
    uint64_t set = 0, clear = 0;
};

// --- control operations ------------------------------------------------------
enum class Register { cr0, cr4, efer };
const char* to_string(Register r);

struct BootStmt {};  // boot
struct RegisterWrite {  // cr0|cr4|efer (VALUE | +name -name ...)
    Register reg = Register::cr0;
    std::optional<uint64_t> value;
    uint64_t set = 0, clear = 0;
};
struct Cr3Write {  // cr3 (NAME | VALUE) [pcid=N] [pwt] [pcd] [noflush]
    std::string space;
    std::optional<uint64_t> value;
    uint64_t low_bits = 0;  // PCID / PWT / PCD
    bool noflush = false;
};
struct PkruWrite {  // pkru VALUE
    uint32_t value = 0;
};
struct InvlpgOp {  // invlpg VA
    uint64_t va = 0;
};
struct InvpcidOp {  // invpcid TYPE [pcid=N | desc=V] [va=VA]
    uint64_t type = 0, descriptor = 0, address = 0;
};
struct ControlStmt {
    std::variant<RegisterWrite, Cr3Write, PkruWrite, InvlpgOp, InvpcidOp> op;
    OperationExpectations expect;
};
struct AcStmt {  // ac 0|1
    bool ac = false;
};
// on-walk-read N (CONTROL-STATEMENT | EDIT-STATEMENT): runs the statement once
// the next walk has made N page-table reads, as a flush or a page-table store
// from another SystemC process lands while the walk waits for memory.
struct OnWalkReadStmt {
    unsigned reads = 1;
    std::variant<ControlStmt, EditStmt> action;
};

// --- accesses and checks -----------------------------------------------------
struct AccessStmt {  // read|write|fetch VA [user|supervisor] [implicit] [=> ...]
    Access access;
    AccessExpectations expect;
};
// expect-entry VA LEVEL [has=LIST] [lacks=LIST] [addr=PA] [pkey=N] [value=V]
struct ExpectEntryStmt {
    uint64_t va = 0;
    unsigned level = 0;  // 0: the leaf
    uint64_t has = 0, lacks = 0;
    std::optional<uint64_t> addr, value;
    std::optional<unsigned> pkey;
};
enum class Structure { l1i, l1d, l2, psc };
// expect-cached VA STRUCTURE [pcid=N] [pa=] [size=] [granule=] [global=] [dirty=]
// expect-not-cached VA STRUCTURE [pcid=N]
struct ExpectCachedStmt {
    bool cached = true;
    uint64_t va = 0;
    Structure structure = Structure::l1d;
    unsigned psc_level = 0;  // for Structure::psc
    std::optional<uint16_t> pcid;
    std::optional<uint64_t> pa;
    std::optional<PageSize> size, granule;
    std::optional<bool> global, dirty;
};
struct ExpectStatStmt {  // expect-stat PATH = N
    std::string path;
    uint64_t value = 0;
};
struct ExpectRegStmt {  // expect-reg cr0|cr2|cr3|cr4|efer|pkru|pcid = V
    std::string name;
    uint64_t value = 0;
};
struct ResetStatsStmt {};  // reset-stats

// --- physical memory: worlds built by other tools -------------------------------
struct PokeStmt {  // poke PA VALUE
    uint64_t pa = 0, value = 0;
};
struct ExpectMemStmt {  // expect-mem PA VALUE [mask=M]
    uint64_t pa = 0, value = 0;
    uint64_t mask = ~0ull;  // the bits compared
};
struct ExpectLineStmt {  // expect-line PA l1d|l2|llc|memory
    uint64_t pa = 0;
    unsigned level = 0;  // cache level index; 3 = memory (not in any level)
};
struct LoadImageStmt {  // load-image FILE (relative to the scenario's directory)
    std::string path;
};
// --- many CPUs (docs/smp.md) ------------------------------------------------
struct CpuStmt {  // cpu N: the statements that follow run on CPU N
    unsigned cpu = 0;
};
struct AdvanceStmt {  // advance CYCLES: other work on the current CPU
    uint64_t cycles = 0;
};
// `=> fault=gp cycles=40 wait=760 ipis=3 ack_wait=1550 dropped=6`
struct SmpExpectations {
    std::optional<machine::SmpFault> fault;
    std::optional<uint64_t> cycles, wait, ipis, ack_wait, dropped;
};
// ipi TARGETS [nowait] | shootdown TARGETS [va=VA] [pages=N] [stride=4k|2m]
//   [pcid=N] [scope=pages|pcid|all] [nowait], from the current CPU.
struct IpiStmt {
    bool all_cpus = false;  // TARGETS = all
    machine::CpuMask targets = 0;
    bool flush = false;     // shootdown: the handler flushes `request`
    machine::FlushRequest request;
    bool wait = true;
    SmpExpectations expect;
};
// invlpgb [va=VA] [pcid=N] [asid=N] [global] [final] [nested] [extra=N] [stride=2m] [cpl=N]
struct InvlpgbStmt {
    machine::InvlpgbOperands ops;
    unsigned cpl = 0;
    SmpExpectations expect;
};
struct TlbsyncStmt {  // tlbsync [cpl=N]
    unsigned cpl = 0;
    SmpExpectations expect;
};
struct ExpectSmpStmt {  // expect-smp PATH = N, a counter of the current CPU
    std::string path;
    uint64_t value = 0;
};

using StatementBody =
    std::variant<ConfigStmt, MemoryStmt, PagingStmt, SpaceStmt, UseStmt, MapStmt, UnmapStmt, EditStmt, BootStmt,
                 ControlStmt, AcStmt, OnWalkReadStmt, AccessStmt, ExpectEntryStmt, ExpectCachedStmt,
                 ExpectStatStmt, ExpectRegStmt, ResetStatsStmt, PokeStmt, ExpectMemStmt, LoadImageStmt, ExpectLineStmt, CpuStmt,
                 AdvanceStmt, IpiStmt, InvlpgbStmt, TlbsyncStmt, ExpectSmpStmt>;

struct Statement {
    unsigned line = 0;
    std::string text;  // the line without its comment, for traces
    StatementBody body;
};

// Parses a whole scenario. Every malformed line is reported (appended to
// `errors`); the statements are only meaningful when `errors` stays empty.
std::vector<Statement> parse_scenario(std::istream& in, std::vector<ScenarioError>& errors);

}  // namespace tlmmu::scenario
