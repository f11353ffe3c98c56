// The MMU core: TLB hierarchy, paging-structure caches, page walker and the
// control operations of SDM 4.10.4, with their cycle costs and statistics.
// Plain C++: the SystemC module (tlmmu/sysc/mmu_module.h), the scenario runner
// and the benchmarks all drive this one class.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "tlmmu/core/config.h"
#include "tlmmu/core/paging.h"
#include "tlmmu/core/psc.h"
#include "tlmmu/core/stats.h"
#include "tlmmu/core/tlb.h"

namespace tlmmu {

// One memory step of a page walk, as the walker knows it: a port needs no
// bookkeeping of its own to tell what a step is for or when it happens.
struct WalkStep {
    uint64_t pa = 0;      // physical address of the 8-byte entry
    unsigned level = 0;   // level of the table the entry is in: 5 = PML5 ... 1 = PT
    bool locked = false;  // part of a locked A/D read-modify-write
    uint64_t offset = 0;  // cycles the translation has taken before this step
};

// How the walker reaches physical memory. Implemented directly over a memory
// model (SparseMemory, see memory.h) or over a TLM-2.0 initiator socket.
class PhysicalAccess {
 public:
    virtual ~PhysicalAccess() = default;
    // Reads the 8-byte paging-structure entry at step.pa; adds the access time
    // to `cycles`. Returns false when the memory system rejects the access.
    virtual bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) = 0;
    // Locked read-modify-write that sets A/D bits (step.locked is true): reads
    // the entry; if it still equals `expected`, writes expected | bits.
    // `observed` is the value read.
    virtual bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                                 uint64_t& cycles) = 0;
    // Side-effect-free read (no time, no counters) for debug translation.
    virtual bool debug_read_entry(uint64_t pa, uint64_t& value) = 0;
};

// Where a translation came from.
enum class Source : uint8_t { none, l1, l2, walk };  // none: paging off or #GP
const char* to_string(Source s);

struct Translation {
    Fault fault;
    uint64_t pa = 0;
    PageSize size = PageSize::k4;
    Source source = Source::none;
    bool global = false;
    uint8_t pkey = 0;
    Rights rights;
    unsigned psc_level = 0;   // level of the PSC entry the walk started from, 0 if none
    unsigned pt_reads = 0;    // page-table entry reads by the walk
    unsigned ad_updates = 0;  // locked A/D read-modify-writes
    bool d_assist = false;    // a write hit an entry with D=0 and re-walked
    bool dirty = false;       // D=1 in the translation used (always after a write)
    uint64_t cycles = 0;      // translation latency

    bool ok() const { return !fault; }
};

// Splitting an access at page boundaries, one rule for every driver (the TLM
// module, the hart, trace replay): a piece ends where the page its
// translation maps ends.
//
// Every page size is a multiple of 4 KiB, so an access inside one 4 KiB frame
// never crosses a page: the cheap test before translating more than once.
inline bool may_cross_page(uint64_t va, uint64_t length) { return (va & 0xfff) + length > 0x1000; }
// The bytes from va to the end of the page `t` maps; unbounded with paging
// off (identity: nothing to split).
inline uint64_t bytes_left_in_page(const Translation& t, uint64_t va) {
    if (t.source == Source::none) return ~0ull;
    const uint64_t size = page_bytes(t.size);
    return size - (va & (size - 1));
}

struct OperationResult {
    Fault fault;  // #GP when the operation is refused
    uint64_t cycles = 0;
    unsigned dropped = 0;  // entries invalidated, all structures together
    bool ok() const { return !fault; }
};

class Mmu {
 public:
    Mmu(const MmuConfig& config, PhysicalAccess& memory);

    const MmuConfig& config() const { return m_config; }
    const ControlRegs& regs() const { return m_regs; }
    uint16_t current_pcid() const { return m_pcid; }
    PagingGeometry geometry() const { return {m_regs.levels()}; }

    // Translates one access: TLB lookups, PSC lookup, page walk, A/D updates,
    // permission checks, fills and statistics. The common case, an L1 hit the
    // access may use as it is, is finished inline; everything else goes to
    // translate_slow (which does not repeat the L1 lookup).
    Translation translate(const Access& access) {
        // Paging on and va canonical in one compare (see m_fast_window).
        if (__builtin_expect(access.va + m_canonical_bias >= m_fast_window, 0)) return translate_bypassing_tlb(access);
        const bool fetch = access.type == AccessType::fetch;
        TlbLevel& l1 = fetch ? m_l1i : m_l1d;
        const uint64_t va = access.va & m_va_mask;
        const TlbEntry* e = l1.lookup(va, m_pcid);  // a disabled level never hits
        if (e && !m_hit_refused[e->hit_class][access_class(access)]) {
            // Latency l1.latency(): stats() adds these hits to the histogram.
            ++(fetch ? m_stats.l1i : m_stats.l1d).hits[unsigned(access.type)][unsigned(e->page)];
            // Built here, not before the lookup, so that a caller that reads
            // only some fields lets the compiler drop the other stores.
            Translation t;
            t.cycles = l1.latency();
            describe_hit(*e, Source::l1, t);
            t.pa = va + e->va_to_pa;
            return t;
        }
        return translate_after_l1(access, e);
    }
    // Walks the current page tables with debug reads: no fills, no A/D writes,
    // no counters, no time. Permission faults are reported as translate would.
    Translation translate_debug(const Access& access) const;

    // Control operations (SDM vol. 2 MOV CR / WRMSR / INVLPG / INVPCID).
    OperationResult write_cr0(uint64_t value);
    OperationResult write_cr3(uint64_t value);  // bit 63 = no-flush hint with PCIDE
    OperationResult write_cr4(uint64_t value);
    OperationResult write_efer(uint64_t value);
    OperationResult write_pkru(uint32_t value);
    void set_ac(bool ac);  // EFLAGS.AC, a flag change with no cost of its own
    OperationResult invlpg(uint64_t va);
    // descriptor: bits 11:0 PCID, 63:12 must be 0; `address` is the second quadword.
    OperationResult invpcid(uint64_t type, uint64_t descriptor, uint64_t address);

    // Increments on every invalidation and on writes of CR0, CR3, CR4 and
    // EFER (not PKRU or AC: cached entries hold no verdicts). A walk fills
    // nothing if this changed while it was in flight.
    uint64_t epoch() const { return m_epoch; }
    // Called after every invalidation, page fault or control-register write,
    // PKRU and AC included (DMI grants embody access verdicts).
    void on_change(std::function<void()> callback) { m_on_change = std::move(callback); }

    // A snapshot: counters kept off the hot path (lookups, translations, the
    // latency of inline L1 hits, the latency minimum) are derived here.
    const MmuStats& stats() const;
    void reset_stats() {
        m_stats = MmuStats();
        m_slow_l1_hits[0] = m_slow_l1_hits[1] = 0;
    }

    // ---- Remote invalidation (the many-CPU machine, tlmmu/machine) ----
    // What an AMD INVLPGB selects at one CPU (APM vol. 3, INVLPGB): a
    // selector whose valid bit is clear matches everything of its kind.
    struct BroadcastSelector {
        bool by_va = false;      // rAX[0]: only the pages listed to drop_broadcast_page
        bool by_pcid = false;    // rAX[1]: only this PCID (else every PCID)
        uint16_t pcid = 0;       // EDX[31:16]
        bool include_global = false;  // rAX[3]: global entries too
        bool final_only = false;      // rAX[4]: leave the paging-structure caches
    };
    // TLB entries (all levels) for the page of va that the selector matches;
    // va is masked to this CPU's paging mode. No cost here: the issuer pays.
    unsigned drop_broadcast_page(uint64_t va, const BroadcastSelector& s);
    // TLB entries of every address the selector matches (rAX[0] clear).
    unsigned drop_broadcast_all(const BroadcastSelector& s);
    // Paging-structure-cache entries of the selected PCID (or of all): a
    // superset of those for the pages, allowed by APM and SDM alike.
    unsigned drop_broadcast_psc(const BroadcastSelector& s);
    // Entries dropped so far, all causes, by structure: the machine takes the
    // difference around a remote flush to count what it dropped where.
    struct DroppedEntries {
        uint64_t l1i = 0, l1d = 0, l2 = 0;
        uint64_t psc[6] = {};  // by level 2..5
        uint64_t total() const { return l1i + l1d + l2 + psc[2] + psc[3] + psc[4] + psc[5]; }
    };
    DroppedEntries dropped_entries() const { return m_dropped; }

    // Inspection for tests and scenarios.
    const TlbLevel& l1i() const { return m_l1i; }
    const TlbLevel& l1d() const { return m_l1d; }
    const TlbLevel& l2() const { return m_l2; }
    const PagingStructureCache& psc(unsigned level) const { return m_psc[level]; }

 private:
    struct TimedPort;
    // Walks from `table` at `level`; false when a locked update found the
    // entry changed and the walk must start again.
    template <class Port>
    bool walk_tables(const Access& access, uint64_t table, unsigned level, Rights rights, Port& port,
                     Translation& t, Mapping& m) const;
    void walk_and_fill(const Access& access, Translation& t);
    bool canonical(uint64_t va) const { return PagingGeometry::is_canonical(va, m_va_bits); }
    // What a TLB hit tells, whether or not the access may use it.
    // (The physical address is the caller's: it has the masked linear address.)
    static void describe_hit(const TlbEntry& e, Source source, Translation& t) {
        t.source = source;
        t.size = e.page;
        t.global = e.global;
        t.pkey = e.pkey;
        t.rights = e.rights;
        t.dirty = e.dirty;
    }
    void translate_without_tlb(const Access& access, Translation& t);  // paging off or #GP
    void translate_slow(const Access& access, const TlbEntry* l1_hit, Translation& t);
    // Out-of-line entries of translate's rare paths: the Translation lives
    // in them, so the inline path never has to build it in memory.
    // The Access goes by value (16 bytes, two registers): the caller need not store it.
    Translation translate_bypassing_tlb(Access access);
    Translation translate_after_l1(Access access, const TlbEntry* l1_hit);
    void use_entry(const Access& access, const TlbEntry& entry, Source source, Translation& t);
    void page_fault(const Access& access, uint32_t code, Translation& t);
    void record(const Translation& t) {
        if (t.fault) ++m_stats.faults[unsigned(t.fault.kind)];
        m_stats.latency.record(t.cycles);
    }
    void count_miss(StructureStats& s, const Access& access, const Translation& t);
    void fill_tlbs(const Mapping& m, uint64_t va, bool fetch);
    void fill_level(TlbLevel& level, StructureStats& stats, const Mapping& m, uint64_t va);
    static void count_fill(StructureStats& stats, const TlbLevel::FillResult& r);

    // Invalidation primitives; each counts what it dropped under `cause`.
    // (Templates, defined in mmu.cpp: no std::function call on the flush path.)
    template <class Fn>
    unsigned drop_tlb(InvalidationCause cause, Fn fn);  // fn: unsigned(TlbLevel&)
    template <class Fn>
    unsigned drop_psc(InvalidationCause cause, Fn fn);  // fn: unsigned(PagingStructureCache&)
    unsigned flush_everything(InvalidationCause cause);
    unsigned flush_pcid(InvalidationCause cause, uint16_t pcid, bool keep_global);
    void changed();
    // Rebuilds m_fault_codes and m_reserved after a change of CR0, CR4, EFER, PKRU or AC.
    void refresh_lookup_tables();
    OperationResult finish(Operation op, unsigned cost, Fault fault, unsigned dropped);

    MmuConfig m_config;
    PhysicalAccess& m_memory;
    ControlRegs m_regs;
    uint16_t m_pcid = 0;
    uint64_t m_va_mask = (1ull << 48) - 1;
    unsigned m_va_bits = 48;
    // va is canonical iff va + 2^(m_va_bits-1) < 2^m_va_bits (unsigned): the
    // fast path takes va + m_canonical_bias < m_fast_window, the window being
    // 0 while paging is off. Set by refresh_lookup_tables.
    uint64_t m_canonical_bias = 1ull << 47;
    uint64_t m_fast_window = 0;
    // check_access for every (rights class, access class) under the current
    // control registers: the TLB-hit path looks its answer up here.
    std::array<std::array<uint8_t, kAccessClasses>, kRightsClasses> m_fault_codes{};
    // By [TlbEntry::hit_class][access class]: 1 when an L1 hit cannot finish
    // inline (a fault, or a write to an entry with D=0).
    std::array<std::array<uint8_t, kAccessClasses>, 2 * kRightsClasses> m_hit_refused{};
    TlbLevel m_l1i, m_l1d, m_l2;
    std::array<PagingStructureCache, 6> m_psc;
    bool m_any_psc = false;
    uint64_t m_epoch = 0;
    std::function<void()> m_on_change;
    MmuStats m_stats;
    // L1 hits counted by translate_slow (refused by the inline check): [l1d, l1i].
    // The other L1 hits are the inline ones, not yet in the latency histogram.
    uint64_t m_slow_l1_hits[2] = {};
    mutable MmuStats m_snapshot;
    DroppedEntries m_dropped;  // entries invalidated so far, by structure (kept across reset_stats)
    // Reserved-bit masks of a present entry by [level][large leaf], for the current EFER.NXE.
    uint64_t m_reserved[6][2] = {};
};

}  // namespace tlmmu
