// Paging-structure caches (SDM 4.10.3): one per non-leaf level (PML5E, PML4E,
// PDPTE, PDE), PCID-tagged, holding the next table's address and the rights
// combined so far. They never hold PS=1 entries and the G bit does not apply.
#pragma once

#include <cstdint>
#include <optional>

#include "tlmmu/core/config.h"
#include "tlmmu/core/set_assoc.h"

namespace tlmmu {

struct PscEntry {
    uint64_t tag = 0;    // (linear-address bits above this level's index shift << 1) | 1
    uint64_t table = 0;  // physical address of the next-lower table
    uint16_t pcid = 0;
    bool pcd = false, pwt = false;
    Rights rights;

    bool valid() const { return tag != 0; }
    void invalidate() { tag = 0; }
};

class PagingStructureCache {
 public:
    // `level` is the level of the cached entries (2 = PDE ... 5 = PML5E).
    PagingStructureCache(unsigned level, const PscLevelConfig& config, uint64_t seed);

    unsigned level() const { return m_level; }
    bool enabled() const { return m_array.has_value(); }

    // The tag covers linear-address bits 56/47 down to the bits this level translates.
    uint64_t tag_of(uint64_t va, uint64_t va_mask) const {
        return (((va & va_mask) >> PagingGeometry::index_shift(m_level)) << 1) | 1;
    }

    PscEntry* lookup(uint64_t va, uint64_t va_mask, uint16_t pcid);
    const PscEntry* peek(uint64_t va, uint64_t va_mask, uint16_t pcid) const;
    bool fill(const PscEntry& entry);  // returns true when a valid entry was evicted

    unsigned flush_all();
    unsigned flush_pcid(uint16_t pcid);
    unsigned flush_va(uint64_t va, uint64_t va_mask, uint16_t pcid);
    unsigned valid_entries() const;

 private:
    unsigned m_level;
    std::optional<SetAssoc<PscEntry>> m_array;
    // Nothing filled since the cache was last seen empty: flushes return at once
    // (remote shootdowns flush caches that are often empty).
    bool m_empty = true;
};

}  // namespace tlmmu
