#include "tlb_block.h"

#include <sstream>

namespace tlmmu::cosim {

unsigned pack_rights(const Rights& r) { return unsigned(r.writable) | unsigned(r.user) << 1 | unsigned(r.nx) << 2; }

TlbLevelConfig TlbRtlConfig::level_config() const {
    TlbLevelConfig c;
    c.name = "rtl-" + name;
    c.latency = 1;
    c.splinter = false;
    auto add = [&](unsigned n, unsigned w, uint8_t sizes) {
        ArrayConfig a;
        a.sets = n / w;
        a.ways = w;
        a.policy = policy;
        a.sizes = sizes;
        c.arrays.push_back(a);
    };
    add(entries, ways, uint8_t(0b001 | (entries_2m ? 0 : 0b010) | (entries_1g ? 0 : 0b100)));
    if (entries_2m) add(entries_2m, ways_2m, 0b010);
    if (entries_1g) add(entries_1g, ways_1g, 0b100);
    return c;
}

// ------------------------------------------------------------------ model
TlbResponse TlbBlock::Reference::step(const TlbRequest& r) {
    TlbResponse out;
    const Event& e = r.event;
    switch (e.op) {
        case Op::lookup:
            if (const TlbEntry* hit = m_level.lookup(e.va, e.pcid)) {
                // Mmu::describe_hit
                out.hit = true;
                out.pa = hit->frame + (e.va & (page_bytes(hit->granule) - 1));
                out.size = unsigned(hit->page);
                out.global = hit->global;
                out.dirty = hit->dirty;
                out.rights = pack_rights(hit->rights);
                out.pkey = hit->pkey;
                out.global_other_pcid = hit->global && hit->pcid != e.pcid;
            }
            break;
        case Op::fill: {
            Mapping m;
            m.va_base = e.va & ~(page_bytes(r.size) - 1);
            m.pa_base = r.pa_base;
            m.size = r.size;
            m.pcid = e.pcid;
            m.global = r.global;
            m.dirty = r.dirty;
            m.pkey = r.pkey;
            m.rights = r.rights;
            out.evicted = m_level.fill(m, e.va).evicted;
            break;
        }
        default: out.dropped = invalidate_tlb(m_level, e); break;
    }
    return out;
}

// --------------------------------------------------------------- stimulus
TlbBlock::Stimulus::Stimulus(uint64_t seed, const TlbRtlConfig& c) : m_rng(seed) {
    m_state.cr4.pge = true;
    m_state.cr4.pcide = true;
    // Pools a little larger than the structure so that sets conflict, pages
    // of different sizes overlap and refills find their old entries gone.
    const unsigned sets = c.entries / c.ways;
    auto pool = [&](std::vector<uint64_t>& v, unsigned n, uint64_t range) {
        while (v.size() < n) {
            const uint64_t x = m_rng.below(range);
            bool seen = false;
            for (uint64_t y : v) seen |= x == y;
            if (!seen) v.push_back(x);
        }
    };
    pool(m_hi, 3 + c.entries_1g / 2, 1ull << 27);  // bits 56:30, the whole 57-bit range
    pool(m_mid, 4 + sets / 4, 512);
    pool(m_lo, 6 + sets, 512);
}

uint64_t TlbBlock::Stimulus::random_va() {
    return m_hi[m_rng.below(m_hi.size())] << 30 | m_mid[m_rng.below(m_mid.size())] << 21 |
           m_lo[m_rng.below(m_lo.size())] << 12 | m_rng.below(4096);
}

TlbRequest TlbBlock::Stimulus::next() {
    TlbRequest r;
    Event& e = r.event;
    e.pcid = m_state.pcid;
    const unsigned pick = unsigned(m_rng.below(100));
    if (pick < 55) {
        e.op = Op::lookup;
        // Mostly pages filled recently (hits, and misses after their flush).
        if (m_recent.pick(m_rng, 70, e.va))
            e.va = (e.va & ~0xfffull) | m_rng.below(4096);
        else
            e.va = random_va();
    } else if (pick < 92) {
        e.op = Op::fill;
        e.va = random_va();
        const unsigned s = unsigned(m_rng.below(100));
        r.size = s < 55 ? PageSize::k4 : s < 85 ? PageSize::m2 : PageSize::g1;
        r.pa_base = m_rng.next() & ((1ull << 52) - 1) & ~(page_bytes(r.size) - 1);
        r.global = m_state.cr4.pge && m_rng.percent(20);  // G counts only with CR4.PGE
        r.dirty = m_rng.coin();
        r.pkey = uint8_t(m_rng.below(16));
        r.rights = random_rights(m_rng);
        m_recent.add(e.va);
    } else {
        const uint64_t va = m_recent.either(m_rng, [this] { return random_va(); });
        e = random_invalidation(m_rng, m_state, 4, va);
    }
    return r;
}

// ------------------------------------------------------------- scoreboard
void TlbBlock::compare(Scoreboard& board, const TlbRequest& r, const TlbResponse& rtl, const TlbResponse& model) {
    switch (r.event.op) {
        case Op::lookup:
            board.field("hit", rtl.hit, model.hit);
            if (rtl.hit && model.hit) {
                board.field("paddr", rtl.pa, model.pa);
                board.field("size", rtl.size, model.size);
                board.field("rights", rtl.rights, model.rights);
                board.field("global", rtl.global, model.global);
                board.field("dirty", rtl.dirty, model.dirty);
                board.field("pkey", rtl.pkey, model.pkey);
            }
            break;
        case Op::fill: board.field("evicted", rtl.evicted, model.evicted); break;
        default: board.field("dropped", rtl.dropped, model.dropped); break;
    }
}

std::string TlbBlock::describe(const TlbRequest& r) {
    std::string s = tlmmu::cosim::describe(r.event);
    if (r.event.op == Op::fill) {
        std::ostringstream f;
        f << " size=" << to_string(r.size) << " pa=0x" << std::hex << r.pa_base << std::dec << " g=" << r.global
          << " d=" << r.dirty << " rights=" << pack_rights(r.rights) << " pkey=" << unsigned(r.pkey);
        s += f.str();
    }
    return s;
}

// --------------------------------------------------------------- coverage
TlbCoverage::TlbCoverage(const TlbRtlConfig&) {
    for (unsigned i = 0; i < kOps; ++i)
        if (Op(i) != Op::none) m_op[i] = m_bins.bin("operations", to_string(Op(i)));
    for (unsigned s = 0; s < kPageSizes; ++s)
        m_hit[s] = m_bins.bin("lookups", std::string("hit ") + to_string(PageSize(s)));
    m_miss = m_bins.bin("lookups", "miss");
    m_global_hit_other_pcid = m_bins.bin("lookups", "global hit, other PCID");
    for (unsigned s = 0; s < kPageSizes; ++s)
        m_fill[s] = m_bins.bin("fills", std::string("fill ") + to_string(PageSize(s)));
    m_fill_global = m_bins.bin("fills", "global");
    m_evicted = m_bins.bin("fills", "evicted a valid entry");
    for (unsigned i = unsigned(Op::invlpg); i < kOps; ++i)
        m_dropping[i] = m_bins.bin("invalidations that dropped entries", to_string(Op(i)));
    m_cr3_noflush = m_bins.bin("control", "mov-cr3 no-flush");
    m_cr4_all = m_bins.bin("control", "mov-cr4 flush all");
    m_cr4_pcid = m_bins.bin("control", "mov-cr4 flush PCID");
    m_cr4_none = m_bins.bin("control", "mov-cr4 no flush");
}

void TlbCoverage::record(const TlbRequest& r, const TlbResponse& model) {
    const Event& e = r.event;
    m_bins.hit(m_op[unsigned(e.op)]);
    switch (e.op) {
        case Op::lookup:
            m_bins.hit(model.hit ? m_hit[model.size] : m_miss);
            if (model.global_other_pcid) m_bins.hit(m_global_hit_other_pcid);
            break;
        case Op::fill:
            m_bins.hit(m_fill[unsigned(r.size)]);
            if (r.global) m_bins.hit(m_fill_global);
            if (model.evicted) m_bins.hit(m_evicted);
            break;
        default:
            if (model.dropped) m_bins.hit(m_dropping[unsigned(e.op)]);
            if (e.op == Op::mov_cr3 && e.noflush) m_bins.hit(m_cr3_noflush);
            if (e.op == Op::mov_cr4) {
                const Cr4Flush f = cr4_flush(e.cr4_old, e.cr4_new);
                m_bins.hit(f == Cr4Flush::all ? m_cr4_all : f == Cr4Flush::pcid ? m_cr4_pcid : m_cr4_none);
            }
            break;
    }
}

}  // namespace tlmmu::cosim
