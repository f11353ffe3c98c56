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

}  // namespace tlmmu::cosim
