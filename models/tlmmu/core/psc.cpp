#include "tlmmu/core/psc.h"

namespace tlmmu {

PagingStructureCache::PagingStructureCache(unsigned level, const PscLevelConfig& config, uint64_t seed)
    : m_level(level) {
    if (config.ways) m_array.emplace(config.sets, config.ways, config.policy, seed + level);
}

PscEntry* PagingStructureCache::lookup(uint64_t va, uint64_t va_mask, uint16_t pcid) {
    if (!m_array) return nullptr;
    const uint64_t tag = tag_of(va, va_mask);
    return m_array->find(m_array->set_of(tag >> 1),
                         [&](const PscEntry& e) { return e.tag == tag && e.pcid == pcid; });
}

const PscEntry* PagingStructureCache::peek(uint64_t va, uint64_t va_mask, uint16_t pcid) const {
    if (!m_array) return nullptr;
    const uint64_t tag = tag_of(va, va_mask);
    return m_array->peek(m_array->set_of(tag >> 1),
                         [&](const PscEntry& e) { return e.tag == tag && e.pcid == pcid; });
}

bool PagingStructureCache::fill(const PscEntry& entry) {
    if (!m_array) return false;
    m_empty = false;
    return m_array->insert(m_array->set_of(entry.tag >> 1), entry,
                           [&](const PscEntry& e) { return e.tag == entry.tag && e.pcid == entry.pcid; });
}

unsigned PagingStructureCache::flush_all() {
    if (!m_array || m_empty) return 0;
    m_empty = true;
    return m_array->erase_all([](const PscEntry&) { return true; });
}

unsigned PagingStructureCache::flush_pcid(uint16_t pcid) {
    if (!m_array || m_empty) return 0;
    unsigned kept = 0;
    const unsigned n = m_array->erase_all([&](const PscEntry& e) {
        kept += e.pcid != pcid;
        return e.pcid == pcid;
    });
    m_empty = kept == 0;
    return n;
}

unsigned PagingStructureCache::flush_va(uint64_t va, uint64_t va_mask, uint16_t pcid) {
    if (!m_array || m_empty) return 0;
    const uint64_t tag = tag_of(va, va_mask);
    return m_array->erase_in_set(m_array->set_of(tag >> 1),
                                 [&](const PscEntry& e) { return e.tag == tag && e.pcid == pcid; });
}

unsigned PagingStructureCache::valid_entries() const {
    unsigned n = 0;
    if (m_array) m_array->for_each_valid([&](const PscEntry&) { ++n; });
    return n;
}

}  // namespace tlmmu
