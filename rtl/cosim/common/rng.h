// Deterministic stimulus randomness (splitmix64): the same seed gives the same
// transactions on every platform and standard library.
#pragma once

#include <cstdint>

#include "tlmmu/core/splitmix64.h"

namespace tlmmu::cosim {

class Rng : public SplitMix64 {
 public:
    using SplitMix64::SplitMix64;
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }       // uniform enough for n << 2^64
    bool percent(unsigned p) { return below(100) < p; }
    bool coin() { return next() & 1; }
};

// The last 16 filled addresses: stimulus aims lookups and invalidations at
// them so that they hit, and misses after a flush are seen.
class RecentAddresses {
 public:
    void add(uint64_t va) {
        m_va[m_next] = va;
        m_next = (m_next + 1) % kSize;
        if (m_count < kSize) ++m_count;
    }
    // With probability `percent`, a remembered address (none remembered: never).
    bool pick(Rng& rng, unsigned percent, uint64_t& va) {
        if (!m_count || !rng.percent(percent)) return false;
        va = m_va[rng.below(m_count)];
        return true;
    }
    // A remembered address half the time, else `other()`.
    template <class Other>
    uint64_t either(Rng& rng, Other other) {
        return m_count && rng.coin() ? m_va[rng.below(m_count)] : other();
    }

 private:
    static constexpr unsigned kSize = 16;
    uint64_t m_va[kSize] = {};
    unsigned m_count = 0, m_next = 0;
};

}  // namespace tlmmu::cosim
