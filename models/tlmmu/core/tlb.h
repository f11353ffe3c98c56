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
        // Accesses cluster in pages: the last hit answers again while the
        // level is unchanged (every fill and flush forgets it). The result
        // depends only on va's page number at each probed size, all fixed by
        // the smallest, and on pcid, so it is the entry the probes would find.
        const uint64_t page = va >> m_min_shift;
        if (page == m_last.page && pcid == m_last.pcid) {
            m_last.replacement->touch(m_last.set, m_last.way);
            return m_last.entry;
        }
        for (unsigned i = 0; i < m_probe_count; ++i) {
            const Probe& p = m_probes[i];
            const uint64_t vpn = va >> p.shift;
            const uint64_t tag = vpn << 3 | p.tag_low;  // TlbEntry::make_tag
            const unsigned set = unsigned(vpn & p.set_mask);
            TlbEntry* row = p.entries + size_t(set) * p.ways;
            for (unsigned w = 0; w < p.ways; ++w) {
                if (row[w].tag == tag && (row[w].global || row[w].pcid == pcid)) {
                    p.replacement->touch(set, w);
                    m_last = {page, pcid, &row[w], p.replacement, set, w};
                    return &row[w];
                }
            }
        }
        return nullptr;
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
    // The last hit of lookup, for the page number va >> m_min_shift and pcid.
    struct LastHit {
        uint64_t page = 0;
        uint32_t pcid = kNoPcid;  // kNoPcid: nothing remembered
        TlbEntry* entry = nullptr;
        Replacement* replacement = nullptr;
        unsigned set = 0, way = 0;
    };
    static constexpr uint32_t kNoPcid = 0x10000;  // no 16-bit pcid equals it
    void forget_last_hit() { m_last.pcid = kNoPcid; }
    // Drops the entries for the page of va (every granule of a splintered
    // page) for which `selected` holds.
    template <class Pred>
    unsigned erase_page(uint64_t va, Pred selected) {
        forget_last_hit();
        unsigned n = 0;
        if (m_has_fragments) {
            // Fragments of one large page sit in different sets: look at all of them.
            for (auto& a : m_arrays)
                n += a.erase_all([&](const TlbEntry& e) { return e.covers_page_of(va) && selected(e); });
            return n;
        }
        // Without fragments an entry covers va's page only under the tag of
        // its own probe: one compare rejects the others.
        for (unsigned i = 0; i < m_probe_count; ++i) {
            const Probe& p = m_probes[i];
            const uint64_t vpn = va >> p.shift;
            const uint64_t tag = vpn << 3 | p.tag_low;  // TlbEntry::make_tag
            TlbEntry* row = p.entries + size_t(vpn & p.set_mask) * p.ways;  // the set lookup probes
            for (unsigned w = 0; w < p.ways; ++w) {
                if (row[w].tag == tag && selected(row[w])) {
                    row[w].invalidate();
                    ++n;
                }
            }
        }
        return n;
    }
    // Granule the level stores a page of size s as, or false if it cannot.
    bool granule_for(PageSize s, PageSize& granule, unsigned& array) const;

    TlbLevelConfig m_config;
    std::vector<SetAssoc<TlbEntry>> m_arrays;
    Probe m_probes[kPageSizes] = {};  // (array, size) in 4K, 2M, 1G order
    unsigned m_probe_count = 0;
    // A fragment (granule smaller than its page) was stored since the last
    // flush_all: only then must flush_page search every set.
    bool m_has_fragments = false;
    unsigned m_min_shift = 12;     // page shift of the first (smallest) probe
    LastHit m_last;
};

}  // namespace tlmmu
