#include "tlmmu/core/replacement.h"

namespace tlmmu {

Replacement::Replacement(ReplacementPolicy policy, unsigned sets, unsigned ways, uint64_t seed)
    : m_policy(policy), m_ways(ways), m_seed(seed ? seed : 0x9e3779b97f4a7c15ull), m_rng(m_seed) {
    while ((1u << m_depth) < ways) ++m_depth;
    if (policy == ReplacementPolicy::lru) m_stamps.assign(size_t(sets) * ways, 0);
    if (policy == ReplacementPolicy::tree_plru) {
        m_tree.assign(sets, 0);
        // A touch points every node on the way's path away from it; the
        // nodes touched and their new values depend only on the way.
        m_plru_set.assign(ways, 0);
        m_plru_clear.assign(ways, 0);
        for (unsigned way = 0; way < ways; ++way) {
            unsigned node = 1;
            for (unsigned d = 0; d < m_depth; ++d) {
                const unsigned branch = (way >> (m_depth - 1 - d)) & 1;
                if (branch) m_plru_clear[way] |= 1ull << node;
                else m_plru_set[way] |= 1ull << node;
                node = 2 * node + branch;
            }
        }
    }
}

void Replacement::reset() {
    std::fill(m_stamps.begin(), m_stamps.end(), 0);
    std::fill(m_tree.begin(), m_tree.end(), 0);
    m_clock = 0;
    m_rng = m_seed;
}

unsigned Replacement::victim(unsigned set) {
    switch (m_policy) {
        case ReplacementPolicy::lru: {
            const uint64_t* stamps = &m_stamps[size_t(set) * m_ways];
            unsigned best = 0;
            for (unsigned w = 1; w < m_ways; ++w)
                if (stamps[w] < stamps[best]) best = w;
            return best;
        }
        case ReplacementPolicy::tree_plru: {
            // Each node bit points at the half to evict next.
            const uint64_t bits = m_tree[set];
            unsigned node = 1;
            for (unsigned d = 0; d < m_depth; ++d) node = 2 * node + unsigned((bits >> node) & 1);
            return node - (1u << m_depth);
        }
        case ReplacementPolicy::random: {
            // xorshift64*: deterministic for a given seed.
            m_rng ^= m_rng >> 12;
            m_rng ^= m_rng << 25;
            m_rng ^= m_rng >> 27;
            return unsigned((m_rng * 0x2545f4914f6cdd1dull) >> 32) % m_ways;
        }
    }
    return 0;
}

}  // namespace tlmmu
