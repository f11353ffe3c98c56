// splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): tiny, fast, and its output is fixed by the seed
// on every platform (unlike std:: distributions), which keeps synthetic
// traces, benchmark workloads and co-simulation stimulus reproducible. Users
// derive their own bounded draws from next(): those differ on purpose, since
// each one's sequence is pinned by tests.
#pragma once

#include <cstdint>

namespace tlmmu {

class SplitMix64 {
 public:
    explicit SplitMix64(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

 private:
    uint64_t m_state;
};

}  // namespace tlmmu
