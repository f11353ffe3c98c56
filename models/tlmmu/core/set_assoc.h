// A set-associative array of entries with a replacement policy: the storage
// shared by the TLB arrays and the paging-structure caches. An Entry has
// `bool valid() const` and `void invalidate()`.
#pragma once

#include <vector>

#include "tlmmu/core/replacement.h"

namespace tlmmu {

template <class Entry>
class SetAssoc {
 public:
    SetAssoc(unsigned sets, unsigned ways, ReplacementPolicy policy, uint64_t seed)
        : m_sets(sets), m_ways(ways), m_set_mask(sets - 1), m_entries(size_t(sets) * ways),
          m_replacement(policy, sets, ways, seed) {}

    unsigned sets() const { return m_sets; }
    unsigned ways() const { return m_ways; }
    unsigned set_of(uint64_t key) const { return unsigned(key & m_set_mask); }
    uint64_t set_mask() const { return m_set_mask; }

    // Raw access for hot lookup loops that cannot afford the indirections.
    Entry* data() { return m_entries.data(); }
    Replacement& replacement() { return m_replacement; }

    // First valid entry of `set` for which match(entry) holds; marks it used.
    template <class Match>
    Entry* find(unsigned set, Match match) {
        Entry* row = &m_entries[size_t(set) * m_ways];
        for (unsigned w = 0; w < m_ways; ++w) {
            if (row[w].valid() && match(row[w])) {
                m_replacement.touch(set, w);
                return &row[w];
            }
        }
        return nullptr;
    }

    // The same search without touching replacement state (inspection, debug).
    template <class Match>
    const Entry* peek(unsigned set, Match match) const {
        const Entry* row = &m_entries[size_t(set) * m_ways];
        for (unsigned w = 0; w < m_ways; ++w)
            if (row[w].valid() && match(row[w])) return &row[w];
        return nullptr;
    }

    // Writes `entry` into `set`: over an entry for which same(entry) holds (so
    // there are never two entries for one key), else into an invalid way, else
    // over the replacement victim. Returns true when a valid entry was evicted.
    // The valid entry overwritten, either way, is copied to *displaced if given.
    template <class Same>
    bool insert(unsigned set, const Entry& entry, Same same, Entry* displaced = nullptr) {
        Entry* row = &m_entries[size_t(set) * m_ways];
        unsigned way = m_ways;
        for (unsigned w = 0; w < m_ways; ++w) {
            if (row[w].valid() && same(row[w])) {
                way = w;
                break;
            }
        }
        bool evicted = false;
        if (way == m_ways) {
            for (unsigned w = 0; w < m_ways; ++w) {
                if (!row[w].valid()) {
                    way = w;
                    break;
                }
            }
        }
        if (way == m_ways) {
            way = m_replacement.victim(set);
            evicted = true;
        }
        if (displaced && row[way].valid()) *displaced = row[way];
        row[way] = entry;
        m_replacement.touch(set, way);
        return evicted;
    }

    // Invalidates the entries of `set` for which pred holds; returns how many.
    template <class Pred>
    unsigned erase_in_set(unsigned set, Pred pred) {
        unsigned dropped = 0;
        Entry* row = &m_entries[size_t(set) * m_ways];
        for (unsigned w = 0; w < m_ways; ++w) {
            if (row[w].valid() && pred(row[w])) {
                row[w].invalidate();
                ++dropped;
            }
        }
        return dropped;
    }

    // Invalidates every entry for which pred holds; returns how many.
    template <class Pred>
    unsigned erase_all(Pred pred) {
        unsigned dropped = 0;
        for (Entry& e : m_entries) {
            if (e.valid() && pred(e)) {
                e.invalidate();
                ++dropped;
            }
        }
        return dropped;
    }

    template <class Fn>
    void for_each_valid(Fn fn) const {
        for (const Entry& e : m_entries)
            if (e.valid()) fn(e);
    }

 private:
    unsigned m_sets, m_ways;
    uint64_t m_set_mask;
    std::vector<Entry> m_entries;
    Replacement m_replacement;
};

}  // namespace tlmmu
