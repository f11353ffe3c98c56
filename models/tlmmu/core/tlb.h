// One TLB level (L1 instruction, L1 data or the unified second level): one or
// more set-associative arrays, each holding some page sizes, all looked up in
// parallel for one latency. Entries are tagged with a 12-bit PCID and hold the
// rights combined over all paging levels, so an edited page-table entry keeps
// translating through a cached entry until that entry is invalidated.
#pragma once

#include <cstdint>
#include <vector>

#include "tlmmu/core/config.h"
#include "tlmmu/core/set_assoc.h"

namespace tlmmu {

// A translation as every TLB level records it, whatever granule it stores.
struct Mapping {
    uint64_t va_base = 0;   // linear base of the page (masked to the mode's width)
    uint64_t pa_base = 0;   // physical base of the page
    PageSize size = PageSize::k4;
    uint16_t pcid = 0;
    bool global = false;    // G=1 in the leaf and CR4.PGE=1 at fill time
    bool dirty = false;
    uint8_t pkey = 0;
    Rights rights;
};

struct TlbEntry {
    // vpn at the granule << 3 | granule << 1 | 1 (see make_tag); 0 when invalid.
    // One compare checks page number, granule and validity.
    uint64_t tag = 0;
    uint64_t frame = 0;  // physical base of the stored granule
    // frame minus the linear base of the granule (modulo 2^64): a hit's
    // physical address is the masked linear address plus this, one add.
    uint64_t va_to_pa = 0;
    uint16_t pcid = 0;
    PageSize granule = PageSize::k4;  // size this entry covers
    PageSize page = PageSize::k4;     // size of the page it came from (>= granule)
    bool global = false;
    bool dirty = false;
    uint8_t pkey = 0;
    uint8_t rights_class = 0;  // rights_class(rights, pkey), the permission-table key
    uint8_t hit_class = 0;     // rights_class | dirty << 7, the key of the MMU's inline hit check
    Rights rights;

    static uint64_t make_tag(uint64_t va, PageSize granule) {
        return (va >> page_shift(granule)) << 3 | unsigned(granule) << 1 | 1;
    }
    bool valid() const { return tag != 0; }
    void invalidate() { tag = 0; }
    uint64_t vpn() const { return tag >> 3; }
    uint64_t va_base() const { return vpn() << page_shift(granule); }
    bool covers_page_of(uint64_t va) const {  // same architectural page as va
        return (va_base() >> page_shift(page)) == (va >> page_shift(page));
    }
    Mapping mapping() const;
};

class TlbLevel {
 public:
    TlbLevel(const TlbLevelConfig& config, uint64_t seed);
    TlbLevel(const TlbLevel&) = delete;  // probes point into the arrays
    TlbLevel& operator=(const TlbLevel&) = delete;

    const std::string& name() const { return m_config.name; }
    unsigned latency() const { return m_config.latency; }
    bool enabled() const { return !m_arrays.empty(); }

    // Entry translating va for `pcid` (or a global entry); marks it used.
    TlbEntry* lookup(uint64_t va, uint16_t pcid) {
        // Accesses cluster in a few pages: a small direct-mapped table remembers
        // the recent hits. Its answer depends only on va's page number at the
        // smallest probed size (which fixes it at every larger size) and on pcid,
        // and stays the entry the probes would find until an entry that matches
        // the page is stored, overwritten or dropped: such a change forgets the
        // page's slot when the entry covers one smallest page, and the whole
        // table (a new generation) when it covers more.
        RecentHit& recent = recent_slot(va);
        const uint64_t key = recent_key(va, pcid);
        if (__builtin_expect(recent.key == key, 1)) {
            TlbEntry* entry = recent.entry;  // read before the touch's store, which might alias it
            if (!entry) __builtin_unreachable();  // a remembered hit: lets callers skip their null test
            recent.touch.apply();
            return entry;
        }
        return probe(va, key, recent);
    }
    // The same lookup without side effects.
    const TlbEntry* peek(uint64_t va, uint16_t pcid) const;

    // Caches `m` for the page containing va. Returns whether the level stored
    // it and whether a valid entry was evicted to make room.
    struct FillResult {
        bool stored = false;
        bool evicted = false;
    };
    FillResult fill(const Mapping& m, uint64_t va);
    // fill(other.mapping(), va) for an entry of another level, without
    // building the mapping when the entry can be stored as it is.
    FillResult fill_from(const TlbEntry& other, uint64_t va);

    // Invalidation; each returns the number of entries dropped.
    unsigned flush_all();
    unsigned flush_nonglobal();                                // any PCID
    unsigned flush_pcid(uint16_t pcid, bool keep_global);
    // Every entry for the page of va (all granules of a splintered page) that
    // is non-global with this PCID, or global when `global_any_pcid`.
    unsigned flush_page(uint64_t va, uint16_t pcid, bool nonglobal_of_pcid, bool global_any_pcid);
    // Broadcast invalidation (AMD INVLPGB, tlmmu/machine): non-global entries
    // of `pcid` (of any PCID when any_pcid) and, with include_global, global
    // entries of any PCID; only those for the page of va when `one_page`.
    unsigned flush_selected(bool one_page, uint64_t va, bool any_pcid, uint16_t pcid, bool include_global);

    unsigned valid_entries() const;
    template <class Fn>
    void for_each_entry(Fn fn) const {
        for (const auto& a : m_arrays) a.for_each_valid(fn);
    }

 private:
    // One array looked up for one page size, with what the hot loop needs
    // at hand (the arrays never move once the level is built).
    struct Probe {
        unsigned array;
        PageSize size;
        unsigned shift;     // page_shift(size)
        uint64_t tag_low;   // granule and valid bits of the tags this probe matches
        unsigned ways;
        uint64_t set_mask;
        TlbEntry* entries;
        Replacement* replacement;
    };
    // A recent hit of lookup: the entry found for one page number and pcid,
    // and how to mark it used again.
    struct alignas(64) RecentHit {  // one cache line; the index scales by a shift
        uint64_t key = kNoKey;
        TlbEntry* entry = nullptr;
        Replacement::Touch touch;
    };
    static constexpr unsigned kRecentHits = 64;  // a power of two
    // Linear addresses have at most 57 bits and pages at least 4 KiB: the key
    // packs the page's address bits, the 12-bit pcid below them and a 7-bit
    // generation above them; kNoKey matches no key.
    static constexpr unsigned kGenerationShift = 57;
    static constexpr uint64_t kNoKey = ~0ull;
    uint64_t recent_key(uint64_t va, uint16_t pcid) const { return (va & m_page_mask) | pcid | m_generation; }
    RecentHit& recent_slot(uint64_t va) {  // indexed by the low bits of the page number
        const uint64_t offset = (va >> m_recent_shift) & ((kRecentHits - 1) * sizeof(RecentHit));
        return *reinterpret_cast<RecentHit*>(reinterpret_cast<char*>(m_recent) + offset);
    }
    // The probes of every array for va and the pcid in `key`, remembering a
    // hit under `key` in `recent`.
    TlbEntry* probe(uint64_t va, uint64_t key, RecentHit& recent);
    // The level changed: no recent hit may answer again.
    void forget_recent_hits();
    // An entry matching the pages `entry` covers was stored, overwritten or
    // dropped: the recent hits of those pages may be wrong now.
    void forget_recent_hits_of(const TlbEntry& entry) {
        if (page_shift(entry.granule) == m_min_shift) recent_slot(entry.va_base()).key = kNoKey;
        else forget_recent_hits();
    }
    // Drops the entries for the page of va (every granule of a splintered
    // page) for which `selected` holds.
    template <class Pred>
    unsigned erase_page(uint64_t va, Pred selected) {
        unsigned n = 0;
        if (m_has_fragments) {
            // Fragments of one large page sit in different sets: look at all of them.
            for (auto& a : m_arrays)
                n += a.erase_all([&](const TlbEntry& e) {
                    if (!e.covers_page_of(va) || !selected(e)) return false;
                    forget_recent_hits_of(e);
                    return true;
                });
            return n;
        }
        // Without fragments an entry covers va's page only under the tag of
        // its own probe: one compare rejects the others.
        for (unsigned i = 0; i < m_probe_count; ++i) {
            const Probe& p = m_probes[i];
            if (!stored_since_flush(p.size)) continue;
            const uint64_t vpn = va >> p.shift;
            const uint64_t tag = vpn << 3 | p.tag_low;  // TlbEntry::make_tag
            TlbEntry* row = p.entries + size_t(vpn & p.set_mask) * p.ways;  // the set lookup probes
            for (unsigned w = 0; w < p.ways; ++w) {
                if (row[w].tag == tag && selected(row[w])) {
                    forget_recent_hits_of(row[w]);
                    row[w].invalidate();
                    ++n;
                }
            }
        }
        return n;
    }
    // Writes `e` into array `index` (fill's second half).
    FillResult store(unsigned index, const TlbEntry& e);
    // Granule the level stores a page of size s as, or false if it cannot.
    bool granule_for(PageSize s, PageSize& granule, unsigned& array) const;
    // Whether an entry of granule s may be valid: none is until a fill
    // stores one, and flush_all drops them all. Probes of a granule never
    // stored (2M and 1G on a 4K-only workload) find nothing: they are skipped.
    bool stored_since_flush(PageSize s) const { return m_stored_granules & (1u << unsigned(s)); }

    TlbLevelConfig m_config;
    std::vector<SetAssoc<TlbEntry>> m_arrays;
    Probe m_probes[kPageSizes] = {};  // (array, size) in 4K, 2M, 1G order
    unsigned m_probe_count = 0;
    // A fragment (granule smaller than its page) was stored since the last
    // flush_all: only then must flush_page search every set.
    bool m_has_fragments = false;
    unsigned m_stored_granules = 0;  // bit per PageSize: see stored_since_flush
    // granule_for of each page size, worked out once: the array, or -1 if none.
    PageSize m_fill_granule[kPageSizes] = {};
    int m_fill_array[kPageSizes] = {-1, -1, -1};
    unsigned m_min_shift = 12;     // page shift of the first (smallest) probe
    uint64_t m_page_mask = ~0xfffull;  // va bits of the page number at m_min_shift
    unsigned m_recent_shift = 6;       // m_min_shift - log2(sizeof(RecentHit))
    uint64_t m_generation = 0;         // generation << kGenerationShift
    RecentHit m_recent[kRecentHits];
};

}  // namespace tlmmu
