#pragma once
// The page walker's memory port through the data caches: every entry read
// and every locked A/D read-modify-write is an access to the line holding the
// entry, entering the hierarchy at the configured level (L1D or L2), and costs
// what the hierarchy says instead of a fixed memory latency. Values still come
// from the wrapped port (the caches hold no data: they decide the timing).
#include <cstdint>

#include "tlmmu/cache/cache.h"
#include "tlmmu/core/mmu.h"

namespace tlmmu::cache {

class CachedWalkPort : public PhysicalAccess {
 public:
    // `inner` supplies the values (its own latency is not charged); both
    // must outlive the port.
    CachedWalkPort(PhysicalAccess& inner, Hierarchy& caches) : m_inner(inner), m_caches(caches) {}

    bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) override {
        uint64_t untimed = 0;
        if (!m_inner.read_entry(step, value, untimed)) return false;
        cycles += m_caches.access(step.pa, walk_requester(step.level), false, m_caches.config().walker_entry);
        return true;
    }
    // The locked read takes the line (as a read for ownership would), the
    // write then hits it at the entry level: the hierarchy's latency plus
    // one entry-level hit. The line turns dirty only if the bits were written.
    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override {
        uint64_t untimed = 0;
        if (!m_inner.locked_set_bits(step, expected, bits, observed, untimed)) return false;
        const uint32_t entry = m_caches.config().walker_entry;
        cycles += m_caches.access(step.pa, walk_requester(step.level), observed == expected, entry) +
                  m_caches.config().levels[entry].latency;
        return true;
    }
    bool debug_read_entry(uint64_t pa, uint64_t& value) override { return m_inner.debug_read_entry(pa, value); }

 private:
    PhysicalAccess& m_inner;
    Hierarchy& m_caches;
};

}  // namespace tlmmu::cache
