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
        uint64_t flat = 0;
        if (!m_inner.read_entry(step, value, flat)) return false;
        const uint64_t c = m_caches.access(step.pa, walk_requester(step.level), false, m_caches.config().walker_entry);
        cycles += c;
        m_cycles += c;
        m_flat_cycles += flat;
        return true;
    }
    // The locked read takes the line (as a read for ownership would), the
    // write then hits it at the entry level: the hierarchy's latency plus
    // one entry-level hit. The line turns dirty only if the bits were written.
    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override {
        uint64_t flat = 0;
        if (!m_inner.locked_set_bits(step, expected, bits, observed, flat)) return false;
        const uint32_t entry = m_caches.config().walker_entry;
        const uint64_t c = m_caches.access(step.pa, walk_requester(step.level), observed == expected, entry) +
                           m_caches.config().levels[entry].latency;
        cycles += c;
        m_cycles += c;
        m_flat_cycles += flat;
        return true;
    }
    bool debug_read_entry(uint64_t pa, uint64_t& value) override { return m_inner.debug_read_entry(pa, value); }

    // The walker's memory time so far through the caches, and what the
    // wrapped port would have charged for the same references (its flat
    // latency): the same walks with and without the caches, in one run.
    uint64_t cycles() const { return m_cycles; }
    uint64_t flat_cycles() const { return m_flat_cycles; }
    void reset_cycles() { m_cycles = m_flat_cycles = 0; }

 private:
    PhysicalAccess& m_inner;
    Hierarchy& m_caches;
    uint64_t m_cycles = 0, m_flat_cycles = 0;
};

}  // namespace tlmmu::cache
