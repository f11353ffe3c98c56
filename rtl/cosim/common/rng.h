// Deterministic stimulus randomness (splitmix64): the same seed gives the same
// transactions on every platform and standard library.
#pragma once

#include <cstdint>

namespace tlmmu::cosim {

class Rng {
 public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }       // uniform enough for n << 2^64
    bool percent(unsigned p) { return below(100) < p; }
    bool coin() { return next() & 1; }

 private:
    uint64_t m_state;
};

}  // namespace tlmmu::cosim
