#include "scenario_runner.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

#include "memory_image.h"
#include "scenario_parser.h"
#include "scenario_smp.h"
#include "scenario_stats.h"
#include "tlmmu/cache/walk_port.h"
#include "tlmmu/core/memory.h"
#include "tlmmu/core/mmu.h"
#include "tlmmu/core/page_table_builder.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::scenario {

namespace {

constexpr uint64_t kDefaultMemoryBytes = 4ull << 30;
constexpr unsigned kDefaultMemoryLatency = 20;
constexpr uint64_t kTableRegionBytes = 16ull << 20;   // 4096 table frames
constexpr uint64_t kEntryAddressBits = 0x000ffffffffff000ull;  // 51:12

std::string hex(uint64_t v) {
    std::ostringstream out;
    out << "0x" << std::hex << v;
    return out.str();
}

std::string dec(uint64_t v) { return std::to_string(v); }

std::string psc_name(unsigned level) { return level ? level_name(level) : "none"; }

// "p,rw,a" for the bits of an entry (bit 7 is PS or PAT, so it needs the level).
std::string entry_bit_names(uint64_t bits, unsigned level) {
    static const char* names[64] = {"p", "rw", "user", "pwt", "pcd", "a", "d", "ps", "g"};
    std::string out;
    for (unsigned b = 0; b < 64; ++b) {
        if (!(bits & (1ull << b))) continue;
        std::string n = b == 63 ? "nx" : names[b] ? names[b] : "bit" + std::to_string(b);
        if (b == 7 && level == 1) n = "pat";
        out += (out.empty() ? "" : ",") + n;
    }
    return out.empty() ? "none" : out;
}

// The walker's port onto the scenario's memory. It can run one armed action
// after the N-th page-table read, the way an invalidation issued by another
// SystemC process lands while a walk waits for memory (on-walk-read).
class WalkPort : public PhysicalAccess {
 public:
    WalkPort(SparseMemory& memory, unsigned latency) : m_direct(memory, latency) {}

    void set_latency(unsigned cycles) { m_direct.set_latency(cycles); }
    void arm(unsigned reads, std::function<void()> action) {
        m_trigger = reads;
        m_reads = 0;
        m_action = std::move(action);
    }
    bool armed() const { return bool(m_action); }
    unsigned reads_since_armed() const { return m_reads; }
    void disarm() { m_action = nullptr; }

    bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) override {
        const bool ok = m_direct.read_entry(step, value, cycles);
        if (m_action && ++m_reads == m_trigger) {
            std::function<void()> action = std::move(m_action);
            m_action = nullptr;
            action();
        }
        return ok;
    }
    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override {
        return m_direct.locked_set_bits(step, expected, bits, observed, cycles);
    }
    bool debug_read_entry(uint64_t pa, uint64_t& value) override { return m_direct.debug_read_entry(pa, value); }

 private:
    DirectPhysicalAccess m_direct;
    std::function<void()> m_action;
    unsigned m_trigger = 0;
    unsigned m_reads = 0;
};

class Runner {
 public:
    Runner(const std::string& file, const RunOptions& options, std::ostream& out)
        : m_file(file), m_options(options), m_out(out), m_config(options.config) {}

    RunResult run(const std::vector<Statement>& statements) {
        for (const Statement& s : statements) {
            m_line = s.line;
            if (m_options.verbose) m_out << m_file << ":" << s.line << ": " << s.text << "\n";
            try {
                std::visit([&](const auto& body) { execute(body); }, s.body);
            } catch (const ScenarioError& e) {
                report_error(e.line(), e.what());
                return m_result;
            } catch (const std::exception& e) {  // PageTableError, ConfigError: the statement cannot be done
                report_error(m_line, e.what());
                return m_result;
            }
        }
        if (m_port && m_port->armed()) {
            m_line = m_armed_line;
            fail("an access to run the operation during its walk", "none after it");
        }
        if (m_machine) m_result.stats = m_machine->cpu(0).mmu.stats();
        return m_result;
    }

 private:
    void report_error(unsigned line, const std::string& reason) {
        m_out << m_file << ":" << line << ": error: " << reason << "\n";
        ++m_result.errors;
    }

    [[noreturn]] void error(const std::string& reason) const { throw ScenarioError(m_line, reason); }

    void fail(const std::string& expected, const std::string& got) {
        m_out << m_file << ":" << m_line << ": expected " << expected << ", got " << got << "\n";
        ++m_result.failures;
    }
    void check(const std::string& key, const std::string& expected, const std::string& got) {
        if (expected != got) fail(key + "=" + expected, key + "=" + got);
    }
    void trace(const std::string& outcome) const {
        if (m_options.verbose) m_out << "    -> " << outcome << "\n";
    }

    // --- the model, built on first use --------------------------------------
    void ensure_memory() {
        if (m_memory) return;
        m_memory = std::make_unique<SparseMemory>(m_memory_size);
        // Page tables come from a bump allocator in a reserved region, by
        // default the top 16 MiB, away from the frames scenarios map.
        const uint64_t region = std::min(kTableRegionBytes, m_memory_size / 2);
        m_next_table = m_table_base ? *m_table_base : (m_memory_size - region) & ~0xfffull;
        m_tables_end = std::min(m_next_table + region, m_memory_size);
        if (m_next_table >= m_tables_end) error("the page-table region " + hex(m_next_table) + " is outside memory");
        m_port = std::make_unique<WalkPort>(*m_memory, m_memory_latency);
        m_builder = std::make_unique<PageTableBuilder>(
            *m_memory, [this] { return allocate_table(); }, m_levels);
    }
    uint64_t allocate_table() {
        if (m_next_table + 4096 > m_tables_end) throw PageTableError("the page-table region is full");
        const uint64_t frame = m_next_table;
        m_next_table += 4096;
        return frame;
    }
    // The CPUs (one unless `config smp.cpus` says more), all walking through m_port.
    machine::Machine& machine() {
        ensure_memory();
        if (!m_machine) {
            try {
                PhysicalAccess* port = m_port.get();
                if (m_cache.enabled) {  // the walker's references through the data caches
                    m_caches = std::make_unique<cache::Hierarchy>(m_cache);
                    m_cached_port = std::make_unique<cache::CachedWalkPort>(*m_port, *m_caches);
                    port = m_cached_port.get();
                }
                m_machine = std::make_unique<machine::Machine>(m_config, m_smp, *port);
            } catch (const ConfigError& e) {
                error(std::string("invalid configuration: ") + e.what());
            }
        }
        return *m_machine;
    }
    // The MMU of the CPU the statements act on (`cpu N`, CPU 0 by default).
    Mmu& mmu() { return machine().cpu(m_cpu).mmu; }
    uint64_t current_root() {
        if (m_current.empty()) error("no address space yet: write 'space NAME' first");
        return m_spaces.at(m_current);
    }
    // Physical address of the entry at `level` (0: the leaf) used for va.
    uint64_t entry_slot(uint64_t va, unsigned& level) {
        const uint64_t root = current_root();
        if (level == 0) {
            level = m_builder->leaf_level_of(root, va);
            if (!level) error(hex(va) + " is not mapped in space " + settings::quoted(m_current));
        }
        return m_builder->entry_address(root, va, level);
    }
    uint64_t va_mask() { return mmu().geometry().va_mask(); }
    static cache::CacheConfig caches_off() {
        cache::CacheConfig c;
        c.enabled = false;  // scenarios state latencies in memory.latency unless they turn the caches on
        return c;
    }
    static machine::SmpConfig one_cpu() {
        machine::SmpConfig c;
        c.cpus = 1;  // a scenario has one CPU unless it configures smp.cpus
        return c;
    }

    // --- setup ----------------------------------------------------------------
    void execute(const ConfigStmt& s) {
        if (m_machine) error("config must come before the first access or control operation (the model is built)");
        if (is_cache_key(s.key)) cache::apply_cache_setting(m_cache, s.key, s.value);
        else if (!machine::apply_smp_setting(m_smp, s.key, s.value)) apply_setting(m_config, s.key, s.value);
    }
    void execute(const MemoryStmt& s) {
        if ((s.size || s.tables) && m_memory) error("memory size= and tables= must come before the first space");
        if (s.size) m_memory_size = *s.size;
        if (s.tables) m_table_base = *s.tables;
        if (s.latency) {
            m_memory_latency = unsigned(*s.latency);
            if (m_port) m_port->set_latency(m_memory_latency);
        }
    }
    void execute(const PagingStmt& s) {
        if (!m_spaces.empty()) error("paging must come before the first space");
        m_levels = s.levels;
        if (m_builder) m_builder->set_levels(s.levels);
    }
    void execute(const SpaceStmt& s) {
        ensure_memory();
        if (m_spaces.count(s.name)) error("space " + settings::quoted(s.name) + " already exists");
        m_spaces[s.name] = m_builder->new_root();
        m_current = s.name;
        trace(std::to_string(m_levels) + "-level root table at " + hex(m_spaces[s.name]));
    }
    void execute(const UseStmt& s) {
        if (!m_spaces.count(s.name)) error("no space " + settings::quoted(s.name));
        m_current = s.name;
    }
    void execute(const MapStmt& s) {
        need_space();
        m_builder->map(current_root(), s.va, s.pa, s.size, s.leaf_flags, s.table_flags);
    }
    void execute(const UnmapStmt& s) {
        need_space();
        if (!m_builder->unmap(current_root(), s.va)) error(hex(s.va) + " is not mapped in space " + settings::quoted(m_current));
    }
    void execute(const EditStmt& s) {
        need_space();
        unsigned level = s.level;
        const uint64_t slot = entry_slot(s.va, level);
        const uint64_t old = m_builder->read(slot);
        uint64_t v = old;
        if (s.raw) v = *s.raw;
        if (s.copy_from) {
            unsigned from_level = level;
            v = m_builder->read(entry_slot(*s.copy_from, from_level));
        }
        if (s.addr) {
            if (*s.addr & ~kEntryAddressBits) error("addr=" + hex(*s.addr) + " is not a 4 KiB-aligned address below 2^52");
            v = (v & ~kEntryAddressBits) | *s.addr;
        }
        if (s.pkey) v = (v & ~pte::PKEY_MASK) | (uint64_t(*s.pkey) << pte::PKEY_SHIFT);
        v = (v | s.set) & ~s.clear;
        m_builder->write(slot, v);
        trace(std::string(level_name(level)) + " entry at " + hex(slot) + ": " + hex(old) + " -> " + hex(v));
    }
    // Map, unmap, edit and expect-entry work on the current space.
    void need_space() {
        ensure_memory();
        current_root();
    }

    // --- control operations ---------------------------------------------------
    // The usual way into long mode: CR4.PAE (and LA57), EFER.LME and NXE,
    // CR3 = the current space, then CR0.PE, PG and WP.
    void execute(const BootStmt&) {
        const uint64_t root = current_root();
        Mmu& m = mmu();
        const ControlRegs& r = m.regs();
        boot_step("MOV to CR4", m.write_cr4(r.cr4 | cr4::PAE | (m_levels == 5 ? cr4::LA57 : 0)));
        boot_step("WRMSR to EFER", m.write_efer(r.efer | efer::LME | efer::NXE));
        boot_step("MOV to CR3", m.write_cr3(root));
        boot_step("MOV to CR0", m.write_cr0(r.cr0 | cr0::PE | cr0::PG | cr0::WP));
        trace("long mode, " + std::to_string(m_levels) + "-level paging, CR3 = " + hex(root) + " (space '" +
              m_current + "')");
    }
    void boot_step(const char* what, const OperationResult& r) {
        machine().advance(m_cpu, r.cycles);
        if (!r.ok()) error(std::string("boot: ") + what + " raised #" + to_upper(to_string(r.fault.kind)));
    }
    static std::string to_upper(std::string s) {
        for (char& c : s) c = char(std::toupper((unsigned char)c));
        return s;
    }

    OperationResult perform(const RegisterWrite& w) {
        Mmu& m = mmu();
        const ControlRegs& r = m.regs();
        const uint64_t current = w.reg == Register::cr0 ? r.cr0 : w.reg == Register::cr4 ? r.cr4 : r.efer;
        const uint64_t value = w.value ? *w.value : (current | w.set) & ~w.clear;
        switch (w.reg) {
            case Register::cr0: return m.write_cr0(value);
            case Register::cr4: return m.write_cr4(value);
            case Register::efer: return m.write_efer(value);
        }
        return {};
    }
    OperationResult perform(const Cr3Write& w) {
        uint64_t value = w.value ? *w.value : 0;
        if (!w.space.empty()) {
            if (!m_spaces.count(w.space)) error("no space " + settings::quoted(w.space));
            value = m_spaces.at(w.space);
        }
        value |= w.low_bits | (w.noflush ? cr3::NOFLUSH : 0);
        return mmu().write_cr3(value);
    }
    OperationResult perform(const PkruWrite& w) { return mmu().write_pkru(w.value); }
    OperationResult perform(const InvlpgOp& op) { return mmu().invlpg(op.va); }
    OperationResult perform(const InvpcidOp& op) { return mmu().invpcid(op.type, op.descriptor, op.address); }

    void execute(const ControlStmt& s) {
        const OperationResult r = std::visit([&](const auto& op) { return perform(op); }, s.op);
        machine().advance(m_cpu, r.cycles);
        trace("fault=" + std::string(to_string(r.fault.kind)) + " dropped=" + dec(r.dropped) +
              " cycles=" + dec(r.cycles));
        const FaultKind want = s.expect.fault.value_or(FaultKind::none);
        if (r.fault.kind != want) {
            fail(std::string("fault=") + to_string(want), std::string("fault=") + to_string(r.fault.kind));
            return;
        }
        if (s.expect.dropped) check("dropped", dec(*s.expect.dropped), dec(r.dropped));
        if (s.expect.cycles) check("cycles", dec(*s.expect.cycles), dec(r.cycles));
    }
    void execute(const AcStmt& s) { mmu().set_ac(s.ac); }

    void execute(const OnWalkReadStmt& s) {
        mmu();
        if (m_port->armed()) error("an operation is already waiting for the next walk");
        m_armed_line = m_line;
        m_armed_reads = s.reads;
        const std::variant<ControlStmt, EditStmt> action = s.action;
        const unsigned line = m_line;
        m_port->arm(s.reads, [this, action, line] {
            // Runs inside Mmu::translate: report at the on-walk-read line and
            // keep exceptions out of the walker.
            const unsigned access_line = m_line;
            m_line = line;
            try {
                std::visit([&](const auto& a) { execute(a); }, action);
            } catch (const std::exception& e) {
                m_deferred_error = ScenarioError(line, e.what());
            }
            m_line = access_line;
        });
    }

    // --- accesses -------------------------------------------------------------
    static std::string describe(const Translation& t) {
        switch (t.fault.kind) {
            case FaultKind::none: return "fault=none pa=" + hex(t.pa);
            case FaultKind::pf:
                return "fault=pf code=" + describe_error_code(t.fault.error_code) + " cr2=" + hex(t.fault.address);
            case FaultKind::bus: return "fault=bus at " + hex(t.fault.address);
            case FaultKind::gp: break;
        }
        return "fault=gp";
    }

    void execute(const AccessStmt& s) {
        mmu();
        const Translation t = machine().translate(m_cpu, s.access);
        if (t.fault.kind == FaultKind::pf) m_cr2 = t.fault.address;
        trace(describe(t) + " size=" + to_string(t.size) + " source=" + to_string(t.source) + " psc=" +
              psc_name(t.psc_level) + " reads=" + dec(t.pt_reads) + " ad=" + dec(t.ad_updates) +
              " latency=" + dec(t.cycles) + " global=" + dec(t.global) + " pkey=" + dec(t.pkey) +
              " assist=" + dec(t.d_assist));
        if (m_deferred_error) {
            const ScenarioError e = *m_deferred_error;
            m_deferred_error.reset();
            throw e;
        }
        if (m_port->armed()) {
            m_port->disarm();
            fail("the operation of line " + dec(m_armed_line) + " to run after page-table read " + dec(m_armed_reads),
                 dec(m_port->reads_since_armed()) + " page-table reads");
        }

        const AccessExpectations& e = s.expect;
        const FaultKind want = e.fault ? *e.fault : e.code ? FaultKind::pf : FaultKind::none;
        if (t.fault.kind != want) {
            fail(std::string("fault=") + to_string(want), describe(t));
            return;  // the other expectations describe a different outcome
        }
        if (e.code) check("code", describe_error_code(*e.code), describe_error_code(t.fault.error_code));
        if (e.pa) check("pa", hex(*e.pa), hex(t.pa));
        if (e.size) check("size", to_string(*e.size), to_string(t.size));
        if (e.source) check("source", to_string(*e.source), to_string(t.source));
        if (e.psc) check("psc", psc_name(*e.psc), psc_name(t.psc_level));
        if (e.reads) check("reads", dec(*e.reads), dec(t.pt_reads));
        if (e.ad) check("ad", dec(*e.ad), dec(t.ad_updates));
        if (e.latency) check("latency", dec(*e.latency), dec(t.cycles));
        if (e.cr2) check("cr2", hex(*e.cr2), hex(m_cr2));
        if (e.global) check("global", dec(*e.global), dec(t.global));
        if (e.pkey) check("pkey", dec(*e.pkey), dec(t.pkey));
        if (e.assist) check("assist", dec(*e.assist), dec(t.d_assist));
    }

    // --- checks -------------------------------------------------------------
    void execute(const ExpectEntryStmt& s) {
        need_space();
        unsigned level = s.level;
        const uint64_t v = m_builder->read(entry_slot(s.va, level));
        const std::string what = std::string(level_name(level)) + " entry of " + hex(s.va);
        const std::string got = what + " = " + hex(v) + " (" + entry_bit_names(v & ~kEntryAddressBits, level) + ")";
        if ((v & s.has) != s.has) fail(what + " with " + entry_bit_names(s.has, level), got);
        if (v & s.lacks) fail(what + " without " + entry_bit_names(s.lacks, level), got);
        if (s.addr) check("addr", hex(*s.addr), hex(v & kEntryAddressBits));
        if (s.pkey) check("pkey", dec(*s.pkey), dec((v & pte::PKEY_MASK) >> pte::PKEY_SHIFT));
        if (s.value) check("value", hex(*s.value), hex(v));
    }

    void execute(const ExpectCachedStmt& s) {
        Mmu& m = mmu();
        const uint16_t pcid = s.pcid.value_or(m.current_pcid());
        const uint64_t va = s.va & va_mask();
        std::string where;
        const TlbEntry* tlb = nullptr;
        const PscEntry* psc = nullptr;
        if (s.structure == Structure::psc) {
            const PagingStructureCache& cache = m.psc(s.psc_level);
            if (!cache.enabled()) error(std::string("psc.") + level_name(s.psc_level) + " is disabled in this configuration");
            where = std::string("psc.") + level_name(s.psc_level);
            psc = cache.peek(va, va_mask(), pcid);
        } else {
            const TlbLevel& level = s.structure == Structure::l1i ? m.l1i() : s.structure == Structure::l1d ? m.l1d() : m.l2();
            where = level.name();
            tlb = level.peek(va, pcid);
        }
        const std::string what = hex(s.va) + (s.cached ? " cached" : " not cached") + " in " + where + " (pcid " +
                                 dec(pcid) + ")";
        if (!tlb && !psc) {
            if (s.cached) fail(what, "no entry");
            return;
        }
        if (!s.cached) {
            std::string got = "an entry";
            if (psc) got += " (pcid " + dec(psc->pcid) + ", next table " + hex(psc->table) + ")";
            else
                got += " (pcid " + dec(tlb->pcid) + ", global=" + dec(tlb->global) + ", page " + to_string(tlb->page) +
                       ", granule " + to_string(tlb->granule) + ")";
            fail(what, got);
            return;
        }
        if (!tlb) return;
        if (s.pa) check("pa", hex(*s.pa), hex(tlb->frame + (va & (page_bytes(tlb->granule) - 1))));
        if (s.size) check("size", to_string(*s.size), to_string(tlb->page));
        if (s.granule) check("granule", to_string(*s.granule), to_string(tlb->granule));
        if (s.global) check("global", dec(*s.global), dec(tlb->global));
        if (s.dirty) check("dirty", dec(*s.dirty), dec(tlb->dirty));
    }

    void execute(const ExpectStatStmt& s) {
        for (const auto& [path, value] : flatten_stats(mmu().stats()))
            if (path == s.path) return check(path, dec(s.value), dec(value));
        error("unknown statistic " + settings::quoted(s.path));
    }

    void execute(const ExpectRegStmt& s) {
        const Mmu& m = mmu();
        const ControlRegs& r = m.regs();
        const std::map<std::string, uint64_t> values = {{"cr0", r.cr0},   {"cr2", m_cr2},   {"cr3", r.cr3},
                                                         {"cr4", r.cr4},   {"efer", r.efer}, {"pkru", r.pkru},
                                                         {"pcid", m.current_pcid()}};
        check(s.name, hex(s.value), hex(values.at(s.name)));
    }

    void execute(const ResetStatsStmt&) { mmu().reset_stats(); }

    // --- physical memory: worlds built by other tools ---------------------------
    // Plain stores and loads of memory: nothing is invalidated, so cached
    // translations of an edited entry go stale as on hardware.
    void poke(uint64_t pa, uint64_t value) {
        ensure_memory();
        if (!m_memory->write64(pa, value))
            error("PA " + hex(pa) + " is outside memory (" + hex(m_memory->size()) + " bytes)");
    }
    void execute(const PokeStmt& s) { poke(s.pa, s.value); }
    void execute(const ExpectMemStmt& s) {
        ensure_memory();
        uint64_t v = 0;
        if (!m_memory->read64(s.pa, v)) error("PA " + hex(s.pa) + " is outside memory (" + hex(m_memory->size()) + " bytes)");
        const std::string what = "qword at " + hex(s.pa) + (s.mask == ~0ull ? "" : " under mask " + hex(s.mask));
        if ((v & s.mask) != s.value) fail(what + " = " + hex(s.value), hex(v & s.mask) + " (whole qword " + hex(v) + ")");
    }
    void execute(const ExpectLineStmt& s) {
        machine();  // the caches are built with the model
        if (!m_caches) error("expect-line needs the data caches: config cache.enabled = on first");
        const char* const names[] = {"l1d", "l2", "llc", "memory"};
        const uint32_t served = std::min(m_caches->probe(s.pa), m_caches->levels());
        const std::string got = served < m_caches->levels() ? names[std::min(served, 2u)] : "memory";
        if (got != names[s.level]) fail("line of " + hex(s.pa) + " in " + names[s.level], got);
    }
    void execute(const LoadImageStmt& s) {
        namespace fs = std::filesystem;
        const fs::path path = fs::path(s.path).is_absolute() ? fs::path(s.path) : fs::path(m_file).parent_path() / s.path;
        std::vector<ImageQword> image;
        try {
            image = read_memory_image(path.string());
        } catch (const ImageError& e) {
            error(std::string("load-image: ") + e.what());
        }
        ensure_memory();
        for (const ImageQword& q : image)
            if (!m_memory->write64(q.pa, q.value))
                error("load-image: " + path.string() + ":" + dec(q.line) + ": PA " + hex(q.pa) + " is outside memory (" +
                      hex(m_memory->size()) + " bytes)");
        trace(dec(image.size()) + " qwords from " + path.string());
    }

    // --- many CPUs (docs/smp.md) ----------------------------------------------
    void execute(const CpuStmt& s) {
        if (s.cpu >= machine().size())
            error("cpu " + dec(s.cpu) + " does not exist (smp.cpus = " + dec(machine().size()) + ")");
        m_cpu = s.cpu;
        trace("CPU " + dec(m_cpu) + " at cycle " + dec(machine().cpu(m_cpu).now));
    }
    void execute(const AdvanceStmt& s) { machine().advance(m_cpu, s.cycles); }
    void check_smp(const SmpExpectations& e, machine::SmpFault fault, uint64_t cycles, uint64_t wait) {
        const machine::SmpFault want = e.fault.value_or(machine::SmpFault::none);
        if (fault != want) {
            fail(std::string("fault=") + smp_fault_name(want), std::string("fault=") + smp_fault_name(fault));
            return;
        }
        if (e.cycles) check("cycles", dec(*e.cycles), dec(cycles));
        if (e.wait) check("wait", dec(*e.wait), dec(wait));
    }
    static const char* smp_fault_name(machine::SmpFault f) {
        return f == machine::SmpFault::ud ? "ud" : f == machine::SmpFault::gp ? "gp" : "none";
    }
    void execute(const IpiStmt& s) {
        machine::Machine& m = machine();
        const machine::CpuMask targets = s.all_cpus ? m.all_cpus() : s.targets;
        const machine::IpiResult r =
            s.flush ? (s.wait ? m.shootdown(m_cpu, targets, s.request)
                              : m.send_ipis(m_cpu, targets, [&](machine::Cpu& c) { return machine::Machine::flush_on(c, s.request); }, false))
                    : m.send_ipis(m_cpu, targets, [](machine::Cpu&) { return uint64_t(0); }, s.wait);
        if (!r.ok) {
            for (unsigned i = 0; i < machine::kMaxCpus; ++i)
                if (r.missing >> i & 1) error("IPI target CPU " + dec(i) + " does not exist (smp.cpus = " + dec(m.size()) + ")");
        }
        trace("ipis=" + dec(r.receivers) + " cycles=" + dec(r.cycles) + " ack_wait=" + dec(r.ack_wait) +
              " dropped=" + dec(r.dropped));
        const SmpExpectations& e = s.expect;
        if (e.cycles) check("cycles", dec(*e.cycles), dec(r.cycles));
        if (e.ipis) check("ipis", dec(*e.ipis), dec(r.receivers));
        if (e.ack_wait) check("ack_wait", dec(*e.ack_wait), dec(r.ack_wait));
        if (e.dropped) check("dropped", dec(*e.dropped), dec(r.dropped));
    }
    void execute(const InvlpgbStmt& s) {
        const machine::BroadcastResult r = machine().invlpgb(m_cpu, s.ops, s.cpl);
        trace(std::string("fault=") + smp_fault_name(r.fault) + " cycles=" + dec(r.cycles));
        check_smp(s.expect, r.fault, r.cycles, r.wait);
    }
    void execute(const TlbsyncStmt& s) {
        const machine::BroadcastResult r = machine().tlbsync(m_cpu, s.cpl);
        trace(std::string("fault=") + smp_fault_name(r.fault) + " cycles=" + dec(r.cycles) + " wait=" + dec(r.wait));
        check_smp(s.expect, r.fault, r.cycles, r.wait);
    }
    void execute(const ExpectSmpStmt& s) {
        for (const auto& [path, value] : flatten_smp_stats(machine(), m_cpu))
            if (path == s.path) return check("cpu" + dec(m_cpu) + "." + path, dec(s.value), dec(value));
        error("unknown machine counter " + settings::quoted(s.path));
    }

    const std::string m_file;
    const RunOptions& m_options;
    std::ostream& m_out;
    RunResult m_result;
    unsigned m_line = 0;  // of the statement being run

    // What the file sets up before the model is built.
    MmuConfig m_config;
    uint64_t m_memory_size = kDefaultMemoryBytes;
    unsigned m_memory_latency = kDefaultMemoryLatency;
    std::optional<uint64_t> m_table_base;
    unsigned m_levels = 4;

    std::unique_ptr<SparseMemory> m_memory;
    std::unique_ptr<WalkPort> m_port;
    std::unique_ptr<PageTableBuilder> m_builder;
    machine::SmpConfig m_smp = one_cpu();
    cache::CacheConfig m_cache = caches_off();
    std::unique_ptr<cache::Hierarchy> m_caches;               // with cache.enabled = on
    std::unique_ptr<cache::CachedWalkPort> m_cached_port;  // over m_port
    std::unique_ptr<machine::Machine> m_machine;
    unsigned m_cpu = 0;  // the CPU statements act on
    uint64_t m_next_table = 0, m_tables_end = 0;

    std::map<std::string, uint64_t> m_spaces;  // name -> root table
    std::string m_current;                     // the space map/unmap/edit/expect-entry use
    uint64_t m_cr2 = 0;                        // the last #PF's linear address

    unsigned m_armed_line = 0, m_armed_reads = 0;
    std::optional<ScenarioError> m_deferred_error;  // raised inside an on-walk-read operation
};

}  // namespace

RunResult run_scenario(const std::string& name, std::istream& in, const RunOptions& options, std::ostream& out) {
    std::vector<ScenarioError> errors;
    const std::vector<Statement> statements = parse_scenario(in, errors);
    if (errors.empty() && statements.empty()) errors.emplace_back(1, "the file holds no statements");
    if (errors.empty()) return Runner(name, options, out).run(statements);
    // A malformed file runs nothing: report every bad line at once.
    for (const ScenarioError& e : errors) out << name << ":" << e.line() << ": error: " << e.what() << "\n";
    RunResult r;
    r.errors = unsigned(errors.size());
    return r;
}

RunResult run_scenario_file(const std::string& path, const RunOptions& options, std::ostream& out) {
    std::error_code ec;
    const bool directory = std::filesystem::is_directory(path, ec);
    std::ifstream in;
    if (!directory) in.open(path);
    if (directory || !in) {
        out << path << ": error: cannot read: " << (directory ? "is a directory" : std::strerror(errno)) << "\n";
        RunResult r;
        r.errors = 1;
        return r;
    }
    return run_scenario(path, in, options, out);
}

}  // namespace tlmmu::scenario
