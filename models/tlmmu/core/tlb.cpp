#include "tlmmu/core/tlb.h"

namespace tlmmu {

Mapping TlbEntry::mapping() const {
    Mapping m;
    const uint64_t page_mask = page_bytes(page) - 1;
    const uint64_t va = va_base();
    m.va_base = va & ~page_mask;
    m.pa_base = frame - (va & page_mask);
    m.size = page;
    m.pcid = pcid;
    m.global = global;
    m.dirty = dirty;
    m.pkey = pkey;
    m.rights = rights;
    return m;
}

TlbLevel::TlbLevel(const TlbLevelConfig& config, uint64_t seed) : m_config(config) {
    for (unsigned i = 0; i < config.arrays.size(); ++i) {
        const ArrayConfig& a = config.arrays[i];
        m_arrays.emplace_back(a.sets, a.ways, a.policy, seed + 0x1000 * (i + 1));
    }
    for (unsigned s = 0; s < kPageSizes; ++s) {
        for (unsigned i = 0; i < config.arrays.size(); ++i) {
            if (config.arrays[i].holds(PageSize(s))) {
                auto& array = m_arrays[i];
                m_probes[m_probe_count++] = {i,
                                             PageSize(s),
                                             page_shift(PageSize(s)),
                                             uint64_t(s) << 1 | 1,
                                             array.ways(),
                                             array.set_mask(),
                                             array.data(),
                                             &array.replacement()};
            }
        }
    }
    for (unsigned s = 0; s < kPageSizes; ++s) {
        unsigned array = 0;
        if (granule_for(PageSize(s), m_fill_granule[s], array)) m_fill_array[s] = int(array);
    }
    if (m_probe_count) m_min_shift = m_probes[0].shift;  // probes run in increasing size
    m_page_mask = ~((1ull << m_min_shift) - 1);
    static_assert(sizeof(RecentHit) == 64, "recent_slot scales the page number by a shift of 6");
    m_recent_shift = m_min_shift - 6;
}

bool TlbLevel::granule_for(PageSize s, PageSize& granule, unsigned& array) const {
    for (int g = int(s); g >= 0; --g) {
        if (g != int(s) && !m_config.splinter) return false;
        for (unsigned i = 0; i < m_config.arrays.size(); ++i) {
            if (m_config.arrays[i].holds(PageSize(g))) {
                granule = PageSize(g);
                array = i;
                return true;
            }
        }
    }
    return false;
}

TlbEntry* TlbLevel::probe(uint64_t va, uint64_t key, RecentHit& recent) {
    const uint16_t pcid = uint16_t(key & 0xfff);
    for (unsigned i = 0; i < m_probe_count; ++i) {
        const Probe& p = m_probes[i];
        if (!stored_since_flush(p.size)) continue;
        const uint64_t vpn = va >> p.shift;
        const uint64_t tag = vpn << 3 | p.tag_low;  // TlbEntry::make_tag
        const unsigned set = unsigned(vpn & p.set_mask);
        TlbEntry* row = p.entries + size_t(set) * p.ways;
        for (unsigned w = 0; w < p.ways; ++w) {
            if (row[w].tag == tag && (row[w].global || row[w].pcid == pcid)) {
                recent.touch = p.replacement->touch_of(set, w);
                recent.touch.apply();
                recent.entry = &row[w];
                recent.key = key;
                return &row[w];
            }
        }
    }
    return nullptr;
}

void TlbLevel::forget_recent_hits() {
    m_generation += 1ull << kGenerationShift;
    if (m_generation == 0)  // the 7-bit generation wrapped: keys of old generations would match again
        for (RecentHit& r : m_recent) r.key = kNoKey;
}

const TlbEntry* TlbLevel::peek(uint64_t va, uint16_t pcid) const {
    for (unsigned i = 0; i < m_probe_count; ++i) {
        const Probe& p = m_probes[i];
        const uint64_t tag = TlbEntry::make_tag(va, p.size);
        const auto& array = m_arrays[p.array];
        const TlbEntry* e = array.peek(array.set_of(tag >> 3),
                                       [&](const TlbEntry& x) { return x.tag == tag && (x.global || x.pcid == pcid); });
        if (e) return e;
    }
    return nullptr;
}

TlbLevel::FillResult TlbLevel::fill(const Mapping& m, uint64_t va) {
    const int index = m_fill_array[unsigned(m.size)];
    if (index < 0) return {};
    const PageSize granule = m_fill_granule[unsigned(m.size)];

    const uint64_t granule_mask = page_bytes(granule) - 1;
    const uint64_t page_mask = page_bytes(m.size) - 1;
    TlbEntry e;
    e.tag = TlbEntry::make_tag(va, granule);
    e.frame = m.pa_base + ((va & page_mask) & ~granule_mask);
    e.va_to_pa = e.frame - (e.vpn() << page_shift(granule));
    e.pcid = m.pcid;
    e.granule = granule;
    e.page = m.size;
    e.global = m.global;
    e.dirty = m.dirty;
    e.pkey = m.pkey;
    e.rights_class = tlmmu::rights_class(m.rights, m.pkey);
    e.hit_class = uint8_t(e.rights_class | unsigned(e.dirty) << 7);
    e.rights = m.rights;
    return store(unsigned(index), e);
}

TlbLevel::FillResult TlbLevel::fill_from(const TlbEntry& other, uint64_t va) {
    // An entry of a whole page that this level stores whole too is the entry
    // fill(other.mapping(), va) would build, field for field.
    if (other.granule == other.page && m_fill_array[unsigned(other.page)] >= 0 &&
        m_fill_granule[unsigned(other.page)] == other.page)
        return store(unsigned(m_fill_array[unsigned(other.page)]), other);
    return fill(other.mapping(), va);
}

TlbLevel::FillResult TlbLevel::store(unsigned index, const TlbEntry& e) {
    FillResult result;
    auto& array = m_arrays[index];
    if (e.granule != e.page) m_has_fragments = true;
    m_stored_granules |= 1u << unsigned(e.granule);
    result.stored = true;
    // Replace an entry the lookup could return for the same address, never add a twin.
    TlbEntry displaced;
    result.evicted = array.insert(
        array.set_of(e.vpn()), e, [&](const TlbEntry& x) { return x.tag == e.tag && (x.global || x.pcid == e.pcid); },
        &displaced);
    forget_recent_hits_of(e);
    if (displaced.valid()) forget_recent_hits_of(displaced);
    return result;
}

unsigned TlbLevel::flush_all() {
    forget_recent_hits();
    m_has_fragments = false;  // nothing is left
    m_stored_granules = 0;
    unsigned n = 0;
    for (auto& a : m_arrays) n += a.erase_all([](const TlbEntry&) { return true; });
    return n;
}

unsigned TlbLevel::flush_nonglobal() {
    forget_recent_hits();
    unsigned n = 0;
    for (auto& a : m_arrays) n += a.erase_all([](const TlbEntry& e) { return !e.global; });
    return n;
}

unsigned TlbLevel::flush_pcid(uint16_t pcid, bool keep_global) {
    forget_recent_hits();
    unsigned n = 0;
    for (auto& a : m_arrays)
        n += a.erase_all([&](const TlbEntry& e) { return e.pcid == pcid && !(keep_global && e.global); });
    return n;
}

unsigned TlbLevel::flush_page(uint64_t va, uint16_t pcid, bool nonglobal_of_pcid, bool global_any_pcid) {
    return erase_page(va, [&](const TlbEntry& e) {
        return e.global ? global_any_pcid : (nonglobal_of_pcid && e.pcid == pcid);
    });
}

unsigned TlbLevel::flush_selected(bool one_page, uint64_t va, bool any_pcid, uint16_t pcid, bool include_global) {
    auto selected = [&](const TlbEntry& e) { return e.global ? include_global : (any_pcid || e.pcid == pcid); };
    if (one_page) return erase_page(va, selected);
    forget_recent_hits();
    unsigned n = 0;
    for (auto& a : m_arrays) n += a.erase_all(selected);
    return n;
}

unsigned TlbLevel::valid_entries() const {
    unsigned n = 0;
    for_each_entry([&](const TlbEntry&) { ++n; });
    return n;
}

}  // namespace tlmmu
