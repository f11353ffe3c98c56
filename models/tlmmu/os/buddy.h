// A binary buddy allocator over simulated physical page frames, as Linux's
// zone free_area: one free list per order 0..max_order, a block of order k is
// 2^k frames aligned to 2^k frames, allocation splits a larger block and
// hands the upper halves back to the lower free lists, freeing merges a block
// with its buddy (pfn ^ (1 << order)) as long as the buddy is free too.
//
// Frame numbers (pfn) count 4 KiB frames from physical address 0. Free lists
// hand out the lowest-addressed block first, so runs are deterministic.
#pragma once

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlmmu::os {

// A free of a block that is not allocated, or not with that order.
class BuddyError : public std::logic_error {
 public:
    using std::logic_error::logic_error;
};

struct BuddyStats {
    uint64_t allocations[16] = {};  // successful allocations by order
    uint64_t failures[16] = {};     // allocations refused (no block of that order or larger)
    uint64_t frees = 0;
    uint64_t splits = 0;            // a block split into two buddies
    uint64_t merges = 0;            // two free buddies merged into one block
};

class BuddyAllocator {
 public:
    static constexpr uint64_t kNoFrame = ~0ull;
    static constexpr unsigned kLinuxMaxOrder = 10;  // MAX_ORDER - 1 before Linux 6.4: 4 MiB blocks

    // Manages frames [0, frames); none is free until add_free_range hands it over.
    explicit BuddyAllocator(uint64_t frames, unsigned max_order = kLinuxMaxOrder);

    // Gives frames [first, end) to the allocator as the largest aligned blocks
    // that fit (as memblock_free_all does at boot).
    void add_free_range(uint64_t first, uint64_t end);

    // First frame of a free 2^order block, or kNoFrame when none is left.
    uint64_t allocate(unsigned order);
    // Returns a block; throws BuddyError when `pfn` is not the start of an
    // allocated block of exactly this order (a double free, a wrong order, a
    // frame inside a block).
    void free(uint64_t pfn, unsigned order);

    unsigned max_order() const { return m_max_order; }
    uint64_t frames() const { return m_state.size(); }
    uint64_t free_frames() const { return m_free_frames; }
    uint64_t free_blocks(unsigned order) const { return m_free[order].size(); }
    // True when `pfn` starts an allocated block of `order`.
    bool is_allocated(uint64_t pfn, unsigned order) const;

    // Linux's unusable free space index for `order` (mm/vmstat.c,
    // unusable_free_index): the fraction of free memory that lies in blocks
    // too small to satisfy an allocation of that order. 0 = none, 1 = all.
    double unusable_index(unsigned order) const;

    const BuddyStats& stats() const { return m_stats; }

 private:
    // Per-frame state: the order of a free or allocated block starting at the
    // frame, or kInside for a frame that starts no block.
    static constexpr uint8_t kInside = 0xff;
    static constexpr uint8_t kAllocatedFlag = 0x80;

    void insert_free(uint64_t pfn, unsigned order);
    void remove_free(uint64_t pfn, unsigned order);
    bool is_free_block(uint64_t pfn, unsigned order) const { return pfn < m_state.size() && m_state[pfn] == order; }

    unsigned m_max_order;
    std::vector<uint8_t> m_state;
    std::vector<std::set<uint64_t>> m_free;  // free block starts, by order
    uint64_t m_free_frames = 0;
    BuddyStats m_stats;
};

}  // namespace tlmmu::os
