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
    if (m_probe_count) m_min_shift = m_probes[0].shift;  // probes run in increasing size
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
    FillResult result;
    PageSize granule;
    unsigned index;
    if (!granule_for(m.size, granule, index)) return result;

    const uint64_t granule_mask = page_bytes(granule) - 1;
    const uint64_t page_mask = page_bytes(m.size) - 1;
    TlbEntry e;
    e.tag = TlbEntry::make_tag(va, granule);
    e.frame = m.pa_base + ((va & page_mask) & ~granule_mask);
    e.pcid = m.pcid;
    e.granule = granule;
    e.page = m.size;
    e.global = m.global;
    e.dirty = m.dirty;
    e.pkey = m.pkey;
    e.rights_class = tlmmu::rights_class(m.rights, m.pkey);
    e.hit_class = uint8_t(e.rights_class | unsigned(e.dirty) << 7);
    e.rights = m.rights;

    auto& array = m_arrays[index];
    forget_last_hit();
    if (granule != m.size) m_has_fragments = true;
    result.stored = true;
    // Replace an entry the lookup could return for the same address, never add a twin.
    result.evicted = array.insert(array.set_of(e.vpn()), e,
                                  [&](const TlbEntry& x) { return x.tag == e.tag && (x.global || x.pcid == e.pcid); });
    return result;
}

unsigned TlbLevel::flush_all() {
    forget_last_hit();
    m_has_fragments = false;  // nothing is left
    unsigned n = 0;
    for (auto& a : m_arrays) n += a.erase_all([](const TlbEntry&) { return true; });
    return n;
}

unsigned TlbLevel::flush_nonglobal() {
    forget_last_hit();
    unsigned n = 0;
    for (auto& a : m_arrays) n += a.erase_all([](const TlbEntry& e) { return !e.global; });
    return n;
}

unsigned TlbLevel::flush_pcid(uint16_t pcid, bool keep_global) {
    forget_last_hit();
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
    forget_last_hit();
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
