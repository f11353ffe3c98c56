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
    uint64_t m_seed;
    uint64_t m_rng;
};

}  // namespace tlmmu
