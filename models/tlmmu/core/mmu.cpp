#include "tlmmu/core/mmu.h"

#include <tuple>

namespace tlmmu {

const char* to_string(Source s) {
    switch (s) {
        case Source::none: return "none";
        case Source::l1: return "l1";
        case Source::l2: return "l2";
        case Source::walk: return "walk";
    }
    return "?";
}

namespace {

Fault make_fault(FaultKind kind, uint32_t code = 0, uint64_t address = 0) {
    Fault f;
    f.kind = kind;
    f.error_code = code;
    f.address = address;
    return f;
}

bool is_leaf(uint64_t entry, unsigned level) { return level == 1 || (level <= 3 && (entry & pte::PS)); }

}  // namespace

Mmu::Mmu(const MmuConfig& config, PhysicalAccess& memory)
    : m_config((validate(config), config)),
      m_memory(memory),
      m_l1i(config.l1i, config.seed),
      m_l1d(config.l1d, config.seed + 1),
      m_l2(config.l2, config.seed + 2),
      m_psc{PagingStructureCache(0, {}, 0), PagingStructureCache(1, {}, 0),
            PagingStructureCache(2, config.psc[2], config.seed), PagingStructureCache(3, config.psc[3], config.seed),
            PagingStructureCache(4, config.psc[4], config.seed), PagingStructureCache(5, config.psc[5], config.seed)} {
    for (unsigned l = 2; l <= 5; ++l) m_any_psc |= m_psc[l].enabled();
    refresh_lookup_tables();
}

const MmuStats& Mmu::stats() const {
    m_snapshot = m_stats;
    m_snapshot.latency.record(m_l1d.latency(), m_stats.l1d.total_hits() - m_slow_l1_hits[0]);
    m_snapshot.latency.record(m_l1i.latency(), m_stats.l1i.total_hits() - m_slow_l1_hits[1]);
    m_snapshot.derive();
    return m_snapshot;
}

void Mmu::refresh_lookup_tables() {
    m_canonical_bias = 1ull << (m_va_bits - 1);
    m_fast_window = m_regs.paging() ? m_canonical_bias << 1 : 0;
    for (unsigned level = 1; level <= 5; ++level)
        for (unsigned large = 0; large < 2; ++large)
            m_reserved[level][large] =
                reserved_bits(level, large, m_config.maxphyaddr, m_regs.nxe(), m_config.gb_pages);
    for (unsigned rc = 0; rc < kRightsClasses; ++rc) {
        Rights r;
        r.writable = rc & 1;
        r.user = rc & 2;
        r.nx = rc & 4;
        for (unsigned type = 0; type < kAccessTypes; ++type) {
            for (unsigned mode = 0; mode < 3; ++mode) {
                Access a;
                a.type = AccessType(type);
                a.user = mode == 0;
                a.implicit = mode == 2;
                const uint8_t code = uint8_t(check_access(a, r, rc >> 3, m_regs));
                m_fault_codes[rc][access_class(a)] = code;
                for (unsigned dirty = 0; dirty < 2; ++dirty)
                    m_hit_refused[rc | dirty << 7][access_class(a)] =
                        code != 0 || (a.type == AccessType::write && !dirty);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Translation

// A TLB hit: rights come from the entry (possibly stale; SDM 4.10.4.3 allows
// the resulting spurious fault). A write to an entry cached with D=0 must set D
// in memory, so it re-walks with a locked update (a "D-bit assist").
void Mmu::use_entry(const Access& access, const TlbEntry& e, Source source, Translation& t) {
    describe_hit(e, source, t);
    t.pa = (access.va & m_va_mask) + e.va_to_pa;
    if (const uint32_t code = m_fault_codes[e.rights_class][access_class(access)]) {
        t.pa = 0;
        page_fault(access, code, t);
        return;
    }
    if (access.type == AccessType::write && !e.dirty) {
        ++m_stats.walk.d_bit_assists;
        t.d_assist = true;
        walk_and_fill(access, t);
    }
}

void Mmu::translate_without_tlb(const Access& access, Translation& t) {
    if (!m_regs.paging()) {
        t.pa = access.va;
        ++m_stats.untranslated;
        return;
    }
    t.fault = make_fault(FaultKind::gp);  // non-canonical
    record(t);
}

Translation Mmu::translate_bypassing_tlb(Access access) {
    Translation t;
    translate_without_tlb(access, t);
    return t;
}

Translation Mmu::translate_after_l1(Access access, const TlbEntry* l1_hit) {
    Translation t;
    translate_slow(access, l1_hit, t);
    return t;
}

// Everything but the plain L1 hit that translate() finishes inline.
void Mmu::translate_slow(const Access& access, const TlbEntry* l1_hit, Translation& t) {
    const bool fetch = access.type == AccessType::fetch;
    TlbLevel& l1 = fetch ? m_l1i : m_l1d;
    StructureStats& l1_stats = fetch ? m_stats.l1i : m_stats.l1d;
    const uint64_t va = access.va & m_va_mask;

    if (l1.enabled()) t.cycles += l1.latency();
    if (l1_hit) {
        ++l1_stats.hits[unsigned(access.type)][unsigned(l1_hit->page)];
        ++m_slow_l1_hits[fetch];
        use_entry(access, *l1_hit, Source::l1, t);
        record(t);
        return;
    }
    if (m_l2.enabled()) {
        t.cycles += m_l2.latency();
        if (const TlbEntry* e = m_l2.lookup(va, m_pcid)) {
            const PageSize page = e->page;
            ++m_stats.l2.hits[unsigned(access.type)][unsigned(page)];
            use_entry(access, *e, Source::l2, t);
            if (l1.enabled()) {
                ++l1_stats.misses[unsigned(access.type)][unsigned(page)];
                // Without a fault or a walk, use_entry left *e as it was.
                if (t.ok() && !t.d_assist) count_fill(l1_stats, l1.fill_from(*e, va));
            }
            record(t);
            return;
        }
    }
    walk_and_fill(access, t);
    if (l1.enabled()) count_miss(l1_stats, access, t);
    if (m_l2.enabled()) count_miss(m_stats.l2, access, t);
    record(t);
}

void Mmu::count_miss(StructureStats& s, const Access& access, const Translation& t) {
    ++s.misses[unsigned(access.type)][t.ok() ? unsigned(t.size) : kPageSizes];
}

// A page fault invalidates the TLB entries for the faulting page (current PCID
// and global) and the PSC entries that would be used to translate it.
void Mmu::page_fault(const Access& access, uint32_t code, Translation& t) {
    t.fault = make_fault(FaultKind::pf, code, access.va);
    const uint64_t va = access.va & m_va_mask;
    drop_tlb(InvalidationCause::page_fault, [&](TlbLevel& l) { return l.flush_page(va, m_pcid, true, true); });
    drop_psc(InvalidationCause::page_fault, [&](PagingStructureCache& p) { return p.flush_va(va, m_va_mask, m_pcid); });
    changed();
}

// The table walk shared by timed and debug translation. `Port` decides what
// a read costs and whether A/D bits are really written; the walk itself
// (present, reserved bits, rights, leaf) is the same for both.
//   bool read(step, entry, t)                 -> false on a bus error
//   SetBits set_bits(step, expected, bits, t) -> written, changed or bus error
//   void table_entry(level, entry, next_table, rights) -> a non-leaf entry was used
enum class SetBits { written, changed, bus_error };

template <class Port>
bool Mmu::walk_tables(const Access& access, uint64_t table, unsigned level, Rights rights, Port& port,
                      Translation& t, Mapping& m) const {
    const uint64_t va = access.va & m_va_mask;
    const unsigned maxphy = m_config.maxphyaddr;
    for (;; --level) {
        const uint64_t slot = table + 8 * PagingGeometry::index(va, level);
        uint64_t e = 0;
        ++t.pt_reads;
        if (!port.read(WalkStep{slot, level, false, t.cycles}, e, t)) {
            t.fault = make_fault(FaultKind::bus, 0, slot);
            return true;
        }
        if (!(e & pte::P)) {
            t.fault = make_fault(FaultKind::pf, access_error_bits(access, m_regs), access.va);
            return true;
        }
        const bool leaf = is_leaf(e, level);
        if (e & m_reserved[level][leaf && level > 1]) {
            t.fault = make_fault(FaultKind::pf, pf::P | pf::RSVD | access_error_bits(access, m_regs), access.va);
            return true;
        }
        rights.writable &= bool(e & pte::RW);
        rights.user &= bool(e & pte::US);
        rights.nx |= bool(e & pte::XD);

        uint64_t set_bits = 0;
        if (!leaf) {
            if (!(e & pte::A)) set_bits = pte::A;
        } else {
            t.size = PageSize(level - 1);
            t.rights = rights;
            t.pkey = uint8_t((e & pte::PKEY_MASK) >> pte::PKEY_SHIFT);
            t.global = (e & pte::G) && m_regs.pge();
            // The leaf's A and D are set only by an access that is allowed.
            if (const uint32_t code = check_access(access, rights, t.pkey, m_regs)) {
                t.fault = make_fault(FaultKind::pf, code, access.va);
                return true;
            }
            const uint64_t need = pte::A | (access.type == AccessType::write ? pte::D : 0);
            set_bits = need & ~e;
        }
        if (set_bits) {
            switch (port.set_bits(WalkStep{slot, level, true, t.cycles}, e, set_bits, t)) {
                case SetBits::written: e |= set_bits; break;
                case SetBits::changed: return false;  // someone changed the entry: walk again
                case SetBits::bus_error: t.fault = make_fault(FaultKind::bus, 0, slot); return true;
            }
        }
        if (!leaf) {
            table = entry_address(e, maxphy);
            port.table_entry(level, e, table, rights);
            continue;
        }
        m.va_base = va & ~(page_bytes(t.size) - 1);
        m.pa_base = entry_address(e, maxphy, page_shift(t.size));
        m.size = t.size;
        m.pcid = m_pcid;
        m.global = t.global;
        m.dirty = e & pte::D;
        t.dirty = m.dirty;
        m.pkey = t.pkey;
        m.rights = rights;
        t.pa = m.pa_base + (va & (page_bytes(t.size) - 1));
        return true;
    }
}

namespace {

// Debug translation: debug reads, nothing written, nothing cached.
struct DebugPort {
    PhysicalAccess& memory;
    bool read(const WalkStep& step, uint64_t& e, Translation&) { return memory.debug_read_entry(step.pa, e); }
    SetBits set_bits(const WalkStep&, uint64_t, uint64_t, Translation&) { return SetBits::written; }
    void table_entry(unsigned, uint64_t, uint64_t, const Rights&) {}
};

}  // namespace

// The timed walk: reads and locked A/D updates cost memory time and are
// counted; the non-leaf entries used are remembered for the PSCs.
struct Mmu::TimedPort {
    PhysicalAccess& memory;
    WalkStats& stats;
    const std::array<PagingStructureCache, 6>& psc;
    uint64_t va;
    uint64_t va_mask;
    uint16_t pcid;
    struct PscFill {
        unsigned level;
        PscEntry entry;
    };
    PscFill fills[4] = {};
    unsigned fill_count = 0;

    bool read(const WalkStep& step, uint64_t& e, Translation& t) {
        ++stats.pt_reads;
        return memory.read_entry(step, e, t.cycles);
    }
    SetBits set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, Translation& t) {
        uint64_t observed = 0;
        ++t.ad_updates;
        ++stats.ad_updates;
        if (!memory.locked_set_bits(step, expected, bits, observed, t.cycles)) return SetBits::bus_error;
        return observed == expected ? SetBits::written : SetBits::changed;
    }
    // SDM 4.10.3.1: only present entries without reserved bits, with A=1
    // (set above), that reference another table reach this point.
    void table_entry(unsigned level, uint64_t e, uint64_t next_table, const Rights& rights) {
        if (!psc[level].enabled()) return;
        PscFill& f = fills[fill_count++];
        f.level = level;
        f.entry.tag = psc[level].tag_of(va, va_mask);
        f.entry.table = next_table;
        f.entry.pcid = pcid;
        f.entry.pcd = e & pte::PCD;
        f.entry.pwt = e & pte::PWT;
        f.entry.rights = rights;
    }
};

Translation Mmu::translate_debug(const Access& access) const {
    Translation t;
    if (!m_regs.paging()) {
        t.pa = access.va;
        return t;
    }
    if (!geometry().canonical(access.va)) {
        t.fault = make_fault(FaultKind::gp);
        return t;
    }
    t.source = Source::walk;
    DebugPort port{m_memory};
    Mapping unused;
    walk_tables(access, entry_address(m_regs.cr3, m_config.maxphyaddr), m_regs.levels(), Rights(), port, t, unused);
    return t;
}

// Walks the tables for `access`, adding to t.cycles, and fills the caches.
void Mmu::walk_and_fill(const Access& access, Translation& t) {
    const uint64_t start_epoch = m_epoch;
    const uint64_t va = access.va & m_va_mask;
    const unsigned top = m_regs.levels();
    WalkStats& ws = m_stats.walk;
    ++ws.walks;
    // Recorded on every way out, faults included.
    struct WalkTimer {
        LatencyHistogram& h;
        const Translation& t;
        uint64_t start;
        ~WalkTimer() { h.record(t.cycles - start); }
    } timer{m_stats.walk_latency, t, t.cycles};

    t.source = Source::walk;
    t.pt_reads = 0;
    t.ad_updates = 0;
    if (m_any_psc) t.cycles += m_config.psc_latency;

    for (unsigned attempt = 0;; ++attempt) {
        // Deepest PSC hit first: PDE, PDPTE, PML4E, PML5E (SDM 4.10.3.2).
        Rights rights;
        uint64_t table = entry_address(m_regs.cr3, m_config.maxphyaddr);
        unsigned level = top;
        t.psc_level = 0;
        for (unsigned l = 2; l <= top; ++l) {
            PagingStructureCache& psc = m_psc[l];
            if (!psc.enabled()) continue;
            ++m_stats.psc[l].lookups;
            if (const PscEntry* p = psc.lookup(va, m_va_mask, m_pcid)) {
                ++m_stats.psc[l].hits;
                t.psc_level = l;
                table = p->table;
                rights = p->rights;
                level = l - 1;
                break;
            }
        }
        if (attempt == 0) ++ws.started_from[t.psc_level];

        TimedPort port{m_memory, ws, m_psc, va, m_va_mask, m_pcid, {}, 0};
        Mapping mapping;
        if (!walk_tables(access, table, level, rights, port, t, mapping)) {
            ++ws.restarts;
            if (attempt + 1 < m_config.walk_restart_limit) continue;
            t.fault = make_fault(FaultKind::bus, 0, table);  // never converged: report, do not spin
        }
        ws.reads_per_walk[t.pt_reads < WalkStats::kReadBuckets ? t.pt_reads : WalkStats::kReadBuckets - 1]++;
        if (t.fault.kind == FaultKind::pf) return page_fault(access, t.fault.error_code, t);
        if (!t.ok()) return;

        // A flush that landed while this walk was in flight (possible when the
        // memory port yields to other SystemC processes) forbids caching what
        // the walk read: use the translation once, cache nothing.
        if (m_epoch != start_epoch) {
            ++ws.fills_suppressed;
            return;
        }
        for (unsigned i = 0; i < port.fill_count; ++i) {
            const TimedPort::PscFill& f = port.fills[i];
            ++m_stats.psc[f.level].fills;
            if (m_psc[f.level].fill(f.entry)) ++m_stats.psc[f.level].evictions;
        }
        fill_tlbs(mapping, va, access.type == AccessType::fetch);
        return;
    }
}

void Mmu::fill_level(TlbLevel& level, StructureStats& stats, const Mapping& m, uint64_t va) {
    count_fill(stats, level.fill(m, va));
}

void Mmu::count_fill(StructureStats& stats, const TlbLevel::FillResult& r) {
    if (r.stored) ++stats.fills;
    if (r.evicted) ++stats.evictions;
}

void Mmu::fill_tlbs(const Mapping& m, uint64_t va, bool fetch) {
    fill_level(m_l2, m_stats.l2, m, va);
    if (fetch) fill_level(m_l1i, m_stats.l1i, m, va);
    else fill_level(m_l1d, m_stats.l1d, m, va);
}

// ---------------------------------------------------------------------------
// Invalidation

template <class Fn>
unsigned Mmu::drop_tlb(InvalidationCause cause, Fn fn) {
    ++m_epoch;  // whatever it dropped, a walk in flight must not fill behind it
    const std::tuple<TlbLevel*, StructureStats*, uint64_t*> levels[] = {{&m_l1i, &m_stats.l1i, &m_dropped.l1i},
                                                                          {&m_l1d, &m_stats.l1d, &m_dropped.l1d},
                                                                          {&m_l2, &m_stats.l2, &m_dropped.l2}};
    unsigned total = 0;
    for (const auto& [level, stats, dropped] : levels) {
        const unsigned n = fn(*level);
        stats->invalidations[unsigned(cause)] += n;
        *dropped += n;
        total += n;
    }
    return total;
}

template <class Fn>
unsigned Mmu::drop_psc(InvalidationCause cause, Fn fn) {
    ++m_epoch;
    unsigned total = 0;
    for (unsigned l = 2; l <= 5; ++l) {
        const unsigned n = fn(m_psc[l]);
        m_stats.psc[l].invalidations[unsigned(cause)] += n;
        m_dropped.psc[l] += n;
        total += n;
    }
    return total;
}

unsigned Mmu::flush_everything(InvalidationCause cause) {
    return drop_tlb(cause, [](TlbLevel& l) { return l.flush_all(); }) +
           drop_psc(cause, [](PagingStructureCache& p) { return p.flush_all(); });
}

unsigned Mmu::flush_pcid(InvalidationCause cause, uint16_t pcid, bool keep_global) {
    return drop_tlb(cause, [&](TlbLevel& l) { return l.flush_pcid(pcid, keep_global); }) +
           drop_psc(cause, [&](PagingStructureCache& p) { return p.flush_pcid(pcid); });
}

void Mmu::changed() {
    if (m_on_change) m_on_change();
}

OperationResult Mmu::finish(Operation op, unsigned cost, Fault fault, unsigned dropped) {
    OperationStats& s = m_stats.ops[unsigned(op)];
    ++s.count;
    s.cycles += cost;
    OperationResult r;
    r.cycles = cost;
    r.fault = fault;
    r.dropped = dropped;
    if (fault) {
        ++s.faults;
        return r;
    }
    changed();
    return r;
}

// ---------------------------------------------------------------------------
// Control operations

OperationResult Mmu::write_cr0(uint64_t value) {
    const unsigned cost = m_config.costs.mov_cr0;
    const uint64_t old = m_regs.cr0;
    const bool pg_on = !(old & cr0::PG) && (value & cr0::PG);
    const bool pg_off = (old & cr0::PG) && !(value & cr0::PG);
    if (value >> 32) return finish(Operation::mov_cr0, cost, make_fault(FaultKind::gp), 0);
    if ((value & cr0::PG) && !(value & cr0::PE)) return finish(Operation::mov_cr0, cost, make_fault(FaultKind::gp), 0);
    if (pg_off && m_regs.pcide()) return finish(Operation::mov_cr0, cost, make_fault(FaultKind::gp), 0);
    // Only IA-32e paging is modelled: enabling paging needs EFER.LME and CR4.PAE.
    if (pg_on && (!(m_regs.efer & efer::LME) || !(m_regs.cr4 & cr4::PAE)))
        return finish(Operation::mov_cr0, cost, make_fault(FaultKind::gp), 0);

    m_regs.cr0 = value;
    ++m_epoch;
    unsigned dropped = 0;
    if (pg_on) m_regs.efer |= efer::LMA;
    if (pg_off) {
        m_regs.efer &= ~efer::LMA;
        dropped = flush_everything(InvalidationCause::mov_cr0);
    }
    refresh_lookup_tables();
    return finish(Operation::mov_cr0, cost, {}, dropped);
}

OperationResult Mmu::write_cr3(uint64_t value) {
    const unsigned cost = m_config.costs.mov_cr3;
    const bool pcide = m_regs.pcide();
    const bool no_flush = pcide && (value & cr3::NOFLUSH);
    if (pcide) value &= ~cr3::NOFLUSH;  // bit 63 is a hint, never stored
    // Bits 63:MAXPHYADDR are reserved (bit 63 too when PCIDE=0: our choice).
    if (value >> m_config.maxphyaddr) return finish(Operation::mov_cr3, cost, make_fault(FaultKind::gp), 0);

    m_regs.cr3 = value;
    m_pcid = m_regs.pcid();
    ++m_epoch;  // a walk in flight read the old tables and would tag fills with the new PCID
    unsigned dropped = 0;
    if (!no_flush) dropped = flush_pcid(InvalidationCause::mov_cr3, m_pcid, true);
    return finish(Operation::mov_cr3, cost, {}, dropped);
}

OperationResult Mmu::write_cr4(uint64_t value) {
    const unsigned cost = m_config.costs.mov_cr4;
    const uint64_t old = m_regs.cr4;
    const uint64_t changed_bits = old ^ value;
    const bool lma = m_regs.long_mode_active();
    const Fault gp = make_fault(FaultKind::gp);
    if (value >> 32) return finish(Operation::mov_cr4, cost, gp, 0);
    if (lma && !(value & cr4::PAE)) return finish(Operation::mov_cr4, cost, gp, 0);
    if (lma && (changed_bits & cr4::LA57)) return finish(Operation::mov_cr4, cost, gp, 0);
    if (!(old & cr4::PCIDE) && (value & cr4::PCIDE) && (!lma || (m_regs.cr3 & cr3::PCID_MASK)))
        return finish(Operation::mov_cr4, cost, gp, 0);

    const uint16_t old_pcid = m_pcid;
    m_regs.cr4 = value;
    ++m_epoch;
    m_pcid = m_regs.pcid();
    m_va_mask = geometry().va_mask();
    m_va_bits = geometry().va_bits();
    unsigned dropped = 0;
    if ((changed_bits & cr4::PGE) || ((old & cr4::PCIDE) && !(value & cr4::PCIDE))) {
        dropped = flush_everything(InvalidationCause::mov_cr4);
    } else if ((changed_bits & cr4::PAE) || (!(old & cr4::SMEP) && (value & cr4::SMEP))) {
        // "All TLB entries ... for the current PCID": global entries tagged
        // with it go too, never under-invalidate.
        dropped = flush_pcid(InvalidationCause::mov_cr4, old_pcid, false);
    }
    refresh_lookup_tables();
    return finish(Operation::mov_cr4, cost, {}, dropped);
}

OperationResult Mmu::write_efer(uint64_t value) {
    const unsigned cost = m_config.costs.wrmsr_efer;
    if (m_regs.paging() && ((value ^ m_regs.efer) & efer::LME))
        return finish(Operation::wrmsr_efer, cost, make_fault(FaultKind::gp), 0);
    m_regs.efer = (value & ~efer::LMA) | (m_regs.efer & efer::LMA);  // LMA is read-only
    ++m_epoch;  // NXE changes which entry bits are reserved
    refresh_lookup_tables();
    return finish(Operation::wrmsr_efer, cost, {}, 0);
}

OperationResult Mmu::write_pkru(uint32_t value) {
    m_regs.pkru = value;
    refresh_lookup_tables();
    return finish(Operation::wrpkru, m_config.costs.wrpkru, {}, 0);
}

void Mmu::set_ac(bool ac) {
    if (m_regs.ac == ac) return;
    m_regs.ac = ac;
    refresh_lookup_tables();
    changed();
}

OperationResult Mmu::invlpg(uint64_t va) {
    const unsigned cost = m_config.costs.invlpg;
    if (!geometry().canonical(va)) return finish(Operation::invlpg, cost, {}, 0);  // a no-op, not a fault
    const uint64_t masked = va & m_va_mask;
    unsigned dropped = drop_tlb(InvalidationCause::invlpg,
                                [&](TlbLevel& l) { return l.flush_page(masked, m_pcid, true, true); });
    dropped += drop_psc(InvalidationCause::invlpg, [&](PagingStructureCache& p) { return p.flush_pcid(m_pcid); });
    return finish(Operation::invlpg, cost, {}, dropped);
}

OperationResult Mmu::invpcid(uint64_t type, uint64_t descriptor, uint64_t address) {
    const unsigned cost = m_config.costs.invpcid;
    const Fault gp = make_fault(FaultKind::gp);
    if (type > 3) return finish(Operation::invpcid, cost, gp, 0);
    if (descriptor >> 12) return finish(Operation::invpcid, cost, gp, 0);
    const uint16_t pcid = uint16_t(descriptor & cr3::PCID_MASK);
    if (type == 0 && !geometry().canonical(address)) return finish(Operation::invpcid, cost, gp, 0);
    if (!m_regs.pcide() && type <= 1 && pcid != 0) return finish(Operation::invpcid, cost, gp, 0);

    unsigned dropped = 0;
    switch (type) {
        case 0: {  // individual address; PSC: all of the PCID (allowed superset)
            const uint64_t va = address & m_va_mask;
            dropped = drop_tlb(InvalidationCause::invpcid_address,
                               [&](TlbLevel& l) { return l.flush_page(va, pcid, true, false); });
            dropped += drop_psc(InvalidationCause::invpcid_address,
                                [&](PagingStructureCache& p) { return p.flush_pcid(pcid); });
            break;
        }
        case 1:
            dropped = flush_pcid(InvalidationCause::invpcid_single, pcid, true);
            break;
        case 2:
            dropped = flush_everything(InvalidationCause::invpcid_all);
            break;
        case 3:
            dropped = drop_tlb(InvalidationCause::invpcid_nonglobal, [](TlbLevel& l) { return l.flush_nonglobal(); });
            dropped += drop_psc(InvalidationCause::invpcid_nonglobal,
                                [](PagingStructureCache& p) { return p.flush_all(); });
            break;
    }
    return finish(Operation::invpcid, cost, {}, dropped);
}

// ---------------------------------------------------------------------------
// Remote invalidation: what a broadcast reaching this CPU drops.

unsigned Mmu::drop_broadcast_page(uint64_t va, const BroadcastSelector& s) {
    if (!geometry().canonical(va)) return 0;  // no entry can hold a non-canonical page
    const uint64_t masked = va & m_va_mask;
    const unsigned n = drop_tlb(InvalidationCause::invlpgb, [&](TlbLevel& l) {
        return l.flush_selected(true, masked, !s.by_pcid, s.pcid, s.include_global);
    });
    changed();
    return n;
}

unsigned Mmu::drop_broadcast_all(const BroadcastSelector& s) {
    const unsigned n = drop_tlb(InvalidationCause::invlpgb, [&](TlbLevel& l) {
        return l.flush_selected(false, 0, !s.by_pcid, s.pcid, s.include_global);
    });
    changed();
    return n;
}

unsigned Mmu::drop_broadcast_psc(const BroadcastSelector& s) {
    if (s.final_only) return 0;
    const unsigned n = drop_psc(InvalidationCause::invlpgb, [&](PagingStructureCache& p) {
        return s.by_pcid ? p.flush_pcid(s.pcid) : p.flush_all();
    });
    changed();
    return n;
}

}  // namespace tlmmu
