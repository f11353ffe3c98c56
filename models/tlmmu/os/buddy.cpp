#include "tlmmu/os/buddy.h"

namespace tlmmu::os {

namespace {
std::string block_name(uint64_t pfn, unsigned order) {
    return "block pfn " + std::to_string(pfn) + " order " + std::to_string(order);
}
}  // namespace

BuddyAllocator::BuddyAllocator(uint64_t frames, unsigned max_order)
    : m_max_order(max_order), m_state(frames, kInside), m_free(max_order + 1) {
    if (max_order > 15) throw std::invalid_argument("buddy allocator: max order above 15");
}

void BuddyAllocator::insert_free(uint64_t pfn, unsigned order) {
    m_state[pfn] = uint8_t(order);
    m_free[order].insert(pfn);
    m_free_frames += 1ull << order;
}

void BuddyAllocator::remove_free(uint64_t pfn, unsigned order) {
    m_state[pfn] = kInside;
    m_free[order].erase(pfn);
    m_free_frames -= 1ull << order;
}

void BuddyAllocator::add_free_range(uint64_t first, uint64_t end) {
    if (end > m_state.size()) end = m_state.size();
    while (first < end) {
        unsigned order = m_max_order;
        while (order && ((first & ((1ull << order) - 1)) || first + (1ull << order) > end)) --order;
        // Mark as allocated then free, so the block merges with free neighbours.
        m_state[first] = uint8_t(order | kAllocatedFlag);
        free(first, order);
        --m_stats.frees;  // boot-time hand-over is not a free by the program
        first += 1ull << order;
    }
}

uint64_t BuddyAllocator::allocate(unsigned order) {
    if (order > m_max_order) {
        ++m_stats.failures[order < 16 ? order : 15];
        return kNoFrame;
    }
    unsigned from = order;
    while (from <= m_max_order && m_free[from].empty()) ++from;
    if (from > m_max_order) {
        ++m_stats.failures[order];
        return kNoFrame;
    }
    const uint64_t pfn = *m_free[from].begin();
    remove_free(pfn, from);
    // Split (Linux's expand()): keep the lower half, free the upper half.
    while (from > order) {
        --from;
        insert_free(pfn + (1ull << from), from);
        ++m_stats.splits;
    }
    m_state[pfn] = uint8_t(order | kAllocatedFlag);
    ++m_stats.allocations[order];
    return pfn;
}

bool BuddyAllocator::is_allocated(uint64_t pfn, unsigned order) const {
    return pfn < m_state.size() && m_state[pfn] == uint8_t(order | kAllocatedFlag);
}

void BuddyAllocator::free(uint64_t pfn, unsigned order) {
    if (order > m_max_order || (pfn & ((1ull << order) - 1)) || !is_allocated(pfn, order))
        throw BuddyError("buddy allocator: free of " + block_name(pfn, order) + ", which is not an allocated block");
    m_state[pfn] = kInside;
    ++m_stats.frees;
    // Merge with the buddy while it is a free block of the same order.
    while (order < m_max_order) {
        const uint64_t buddy = pfn ^ (1ull << order);
        if (!is_free_block(buddy, order)) break;
        remove_free(buddy, order);
        pfn &= ~(1ull << order);
        ++order;
        ++m_stats.merges;
    }
    insert_free(pfn, order);
}

double BuddyAllocator::unusable_index(unsigned order) const {
    if (!m_free_frames) return 0.0;
    uint64_t suitable = 0;
    for (unsigned o = order; o <= m_max_order; ++o) suitable += uint64_t(m_free[o].size()) << o;
    return double(m_free_frames - suitable) / double(m_free_frames);
}

}  // namespace tlmmu::os
