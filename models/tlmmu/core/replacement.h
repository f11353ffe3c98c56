// Replacement state of a set-associative array: true LRU, tree pseudo-LRU or
// seeded random. Invalid ways are always filled first by the array itself;
// this only chooses among valid ways.
#pragma once

#include <cstdint>
#include <vector>

#include "tlmmu/core/config.h"

namespace tlmmu {

class Replacement {
 public:
    Replacement(ReplacementPolicy policy, unsigned sets, unsigned ways, uint64_t seed);

    // What touch(set, way) does, prepared once so that a repeated touch of the
    // same way is a few instructions: PLRU rewrites the set's tree bits, LRU
    // stamps the way from the array's clock, random does nothing (it writes
    // its own scratch word).
    struct Touch {
        uint64_t* word = nullptr;
        uint64_t keep = ~0ull, set = 0;  // PLRU: *word = (*word & keep) | set
        uint64_t* clock = nullptr;       // LRU: *word = ++*clock
        void apply() const {
            if (__builtin_expect(clock != nullptr, 0)) *word = ++*clock;
            else *word = (*word & keep) | set;
        }
    };
    Touch touch_of(unsigned set, unsigned way) {
        Touch t;
        if (m_policy == ReplacementPolicy::tree_plru) {
            t.word = &m_tree[set];
            t.keep = ~m_plru_clear[way];
            t.set = m_plru_set[way];
        } else if (m_policy == ReplacementPolicy::lru) {
            t.word = &m_stamps[size_t(set) * m_ways + way];
            t.clock = &m_clock;
        } else {
            t.word = &m_scratch;
        }
        return t;
    }

    void touch(unsigned set, unsigned way) {
        if (m_policy == ReplacementPolicy::tree_plru)  // the L1 default: tested first
            m_tree[set] = (m_tree[set] & ~m_plru_clear[way]) | m_plru_set[way];
        else if (m_policy == ReplacementPolicy::lru)
            m_stamps[size_t(set) * m_ways + way] = ++m_clock;
    }
    unsigned victim(unsigned set);
    void reset();

 private:
    ReplacementPolicy m_policy;
    unsigned m_ways;
    unsigned m_depth = 0;             // log2(ways) for tree PLRU
    std::vector<uint64_t> m_stamps;   // LRU: last-use stamp per way
    std::vector<uint64_t> m_tree;     // PLRU: node bits per set, heap order from bit 1
    std::vector<uint64_t> m_plru_set, m_plru_clear;  // PLRU: node bits a touch of each way sets/clears
    uint64_t m_clock = 0;
    uint64_t m_scratch = 0;           // random: the word a Touch writes to no effect
    uint64_t m_seed;
    uint64_t m_rng;
};

}  // namespace tlmmu
