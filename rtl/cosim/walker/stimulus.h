// Seeded random stimulus for the page-walker co-simulation: page tables in a
// SparseMemory (huge pages, non-present entries, reserved bits, mixed rights
// and protection keys, shared and recursive tables, tables outside memory), a
// small pool of linear addresses that walk them, random edits of the tables
// between walks, and the accesses and control states to try.
#pragma once

#include <cstdint>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tlmmu/core/memory.h"
#include "tlmmu/core/paging.h"

namespace tlmmu::cosim::walker {

// A deterministic generator (std::mt19937_64 is specified bit for bit).
class Random {
 public:
    explicit Random(uint64_t seed) : m_engine(seed) {}
    uint64_t bits() { return m_engine(); }
    uint64_t below(uint64_t n) { return n ? m_engine() % n : 0; }
    bool percent(unsigned p) { return below(100) < p; }

 private:
    std::mt19937_64 m_engine;
};

class RandomPageTables {
 public:
    // Tables are allocated upwards from `table_region`; at most `max_tables` per build.
    RandomPageTables(SparseMemory& memory, unsigned levels, unsigned maxphyaddr, uint64_t table_region,
                     unsigned max_tables);

    // Zeroes the tables of the previous build, picks a new pool of `pool_size`
    // pages and builds random tables along their paths. Returns the root.
    uint64_t rebuild(Random& rng, unsigned pool_size);

    uint64_t root() const { return m_root; }
    unsigned levels() const { return m_levels; }
    const std::vector<uint64_t>& pool() const { return m_pool; }

    // A linear address to translate: a pool page with a random offset, now and
    // then a non-canonical one.
    uint64_t random_va(Random& rng) const;

    // Edits the tables as software would between walks: clears A and D along
    // the path of a pool page (accessed-bit scanning), or flips one bit (P,
    // R/W, U/S, XD, PS, a reserved bit ...) or rewrites one entry on a path.
    void mutate(Random& rng);
    // Undoes one earlier single-entry edit (as software restores a mapping),
    // so that edits do not pile up until every walk faults.
    void repair(Random& rng);

 private:
    uint64_t new_table(unsigned level);
    uint64_t existing_table(Random& rng, unsigned level);
    uint64_t random_entry(Random& rng, unsigned level);
    // The entries (slot addresses) a walk of va reads, creating random entries
    // for slots never written; stops at a leaf, a non-present entry or a table
    // outside memory.
    std::vector<uint64_t> path(Random* rng, uint64_t va);
    uint64_t read(uint64_t pa) const;
    void write(uint64_t pa, uint64_t value);

    SparseMemory& m_memory;
    unsigned m_levels;
    unsigned m_maxphyaddr;
    uint64_t m_region;
    unsigned m_max_tables;
    uint64_t m_root = 0;
    struct Table {
        uint64_t pa;
        unsigned level;  // the level it was built for
    };
    std::vector<Table> m_tables;
    std::unordered_set<uint64_t> m_written;  // slots given a random entry in this build
    std::vector<uint64_t> m_pool;
    std::vector<std::pair<uint64_t, uint64_t>> m_edits;  // (slot, value before the edit)
};

// The control state a walk runs under (what the RTL samples with a request).
struct ControlState {
    bool wp = true, smep = false, smap = false, pke = false, pge = false, nxe = true, ac = false;
    uint32_t pkru = 0;
};
ControlState random_control(Random& rng);

Access random_access(Random& rng, uint64_t va);

}  // namespace tlmmu::cosim::walker
