#include "psc_block.h"

#include <sstream>

namespace tlmmu::cosim {
namespace {

unsigned pack(const Rights& r) { return unsigned(r.writable) | unsigned(r.user) << 1 | unsigned(r.nx) << 2; }

}  // namespace

PscLevelConfig PscRtlConfig::level_config(unsigned l) const {
    PscLevelConfig c;
    if (l > levels || !level[l].entries) return c;  // ways = 0: disabled
    c.ways = level[l].ways;
    c.sets = level[l].entries / level[l].ways;
    c.policy = policy;
    return c;
}

// ------------------------------------------------------------------ model
PscBlock::Reference::Reference(const PscRtlConfig& c) : m_levels(c.levels), m_va_mask(c.va_mask()) {
    for (unsigned l = 2; l <= 5; ++l) {
        m_caches.push_back(std::make_unique<PagingStructureCache>(l, c.level_config(l), 1));
        if (m_caches.back()->enabled()) m_enabled.push_back(m_caches.back().get());
    }
}

PscResponse PscBlock::Reference::step(const PscRequest& r) {
    PscResponse out;
    const Event& e = r.event;
    switch (e.op) {
        case Op::lookup:
            // Deepest hit first, as Mmu::walk_and_fill: PDE, PDPTE, PML4E, PML5E.
            for (unsigned l = 2; l <= m_levels; ++l) {
                PagingStructureCache& p = *m_caches[l - 2];
                if (!p.enabled()) continue;
                if (const PscEntry* hit = p.lookup(e.va, m_va_mask, e.pcid)) {
                    out.hit = true;
                    out.level = l;
                    out.table = hit->table;
                    out.rights = pack(hit->rights);
                    out.pcd = hit->pcd;
                    out.pwt = hit->pwt;
                    break;
                }
            }
            break;
        case Op::fill: {
            // Mmu::TimedPort::table_entry
            PagingStructureCache& p = *m_caches[r.level - 2];
            PscEntry entry;
            entry.tag = p.tag_of(e.va, m_va_mask);
            entry.table = r.table;
            entry.pcid = e.pcid;
            entry.pcd = r.pcd;
            entry.pwt = r.pwt;
            entry.rights = r.rights;
            out.evicted = p.fill(entry);
            break;
        }
        default: out.dropped = invalidate_psc(m_enabled.data(), unsigned(m_enabled.size()), e, m_va_mask); break;
    }
    return out;
}

// --------------------------------------------------------------- stimulus
PscBlock::Stimulus::Stimulus(uint64_t seed, const PscRtlConfig& c) : m_rng(seed) {
    m_state.cr4.pge = true;
    m_state.cr4.pcide = true;
    for (unsigned l = 2; l <= c.levels; ++l)
        if (c.level[l].entries) m_fill_levels.push_back(l);
    // Small index pools per level: walks share upper-level entries and
    // conflict in the PDE sets.
    for (unsigned l = 2; l <= 5; ++l) {
        const unsigned n = l > c.levels ? 1 : l == 2 ? 6 + c.level[2].entries / 4 : 3;
        while (m_index[l].size() < n) {
            const uint64_t x = l > c.levels ? 0 : m_rng.below(512);
            bool seen = false;
            for (uint64_t y : m_index[l]) seen |= x == y;
            if (!seen || l > c.levels) m_index[l].push_back(x);
        }
    }
}

uint64_t PscBlock::Stimulus::random_va() {
    uint64_t va = m_rng.below(1u << 21);  // page offset and PTE index
    for (unsigned l = 2; l <= 5; ++l)
        va |= m_index[l][m_rng.below(m_index[l].size())] << PagingGeometry::index_shift(l);
    return va;
}

PscRequest PscBlock::Stimulus::next() {
    PscRequest r;
    Event& e = r.event;
    e.pcid = m_state.pcid;
    const unsigned pick = unsigned(m_rng.below(100));
    if (pick < 55) {
        e.op = Op::lookup;
        if (m_recent.pick(m_rng, 70, e.va))
            e.va ^= m_rng.below(1u << 21);
        else
            e.va = random_va();
    } else if (pick < 92) {
        e.op = Op::fill;
        e.va = random_va();
        r.level = m_fill_levels[m_rng.below(m_fill_levels.size())];
        r.table = m_rng.next() & ((1ull << 52) - 1) & ~0xfffull;
        r.pcd = m_rng.coin();
        r.pwt = m_rng.coin();
        r.rights = random_rights(m_rng);
        m_recent.add(e.va);
    } else {
        const uint64_t va = m_recent.either(m_rng, [this] { return random_va(); });
        e = random_invalidation(m_rng, m_state, 4, va);
    }
    return r;
}

// ------------------------------------------------------------- scoreboard
void PscBlock::compare(Scoreboard& board, const PscRequest& r, const PscResponse& rtl, const PscResponse& model) {
    switch (r.event.op) {
        case Op::lookup:
            board.field("hit", rtl.hit, model.hit);
            if (rtl.hit && model.hit) {
                board.field("level", rtl.level, model.level);
                board.field("table", rtl.table, model.table);
                board.field("rights", rtl.rights, model.rights);
                board.field("pcd", rtl.pcd, model.pcd);
                board.field("pwt", rtl.pwt, model.pwt);
            }
            break;
        case Op::fill: board.field("evicted", rtl.evicted, model.evicted); break;
        default: board.field("dropped", rtl.dropped, model.dropped); break;
    }
}

std::string PscBlock::describe(const PscRequest& r) {
    std::string s = tlmmu::cosim::describe(r.event);
    if (r.event.op == Op::fill) {
        std::ostringstream f;
        f << " level=" << r.level << " table=0x" << std::hex << r.table << std::dec << " pcd=" << r.pcd
          << " pwt=" << r.pwt << " rights=" << pack(r.rights);
        s += f.str();
    }
    return s;
}

// --------------------------------------------------------------- coverage
PscCoverage::PscCoverage(const PscRtlConfig& c) {
    static const char* names[6] = {"", "", "PDE", "PDPTE", "PML4E", "PML5E"};
    for (unsigned i = 0; i < kOps; ++i)
        if (Op(i) != Op::none) m_op[i] = m_bins.bin("operations", to_string(Op(i)));
    // Bins only for the levels this build caches.
    auto present = [&](unsigned l) { return l <= c.levels && c.level[l].entries; };
    for (unsigned l = 2; l <= 5; ++l)
        if (present(l)) m_hit[l] = m_bins.bin("lookups", std::string("hit ") + names[l]);
    m_miss = m_bins.bin("lookups", "miss");
    for (unsigned l = 2; l <= 5; ++l)
        if (present(l)) m_fill[l] = m_bins.bin("fills", std::string("fill ") + names[l]);
    m_evicted = m_bins.bin("fills", "evicted a valid entry");
    for (unsigned i = unsigned(Op::invlpg); i < kOps; ++i)
        m_dropping[i] = m_bins.bin("invalidations that dropped entries", to_string(Op(i)));
}

void PscCoverage::record(const PscRequest& r, const PscResponse& model) {
    const Event& e = r.event;
    m_bins.hit(m_op[unsigned(e.op)]);
    switch (e.op) {
        case Op::lookup: m_bins.hit(model.hit ? m_hit[model.level] : m_miss); break;
        case Op::fill:
            m_bins.hit(m_fill[r.level]);
            if (model.evicted) m_bins.hit(m_evicted);
            break;
        default:
            if (model.dropped) m_bins.hit(m_dropping[unsigned(e.op)]);
            break;
    }
}

}  // namespace tlmmu::cosim
