// The firmware's buddy allocator (firmware/kernel/buddy.c) on host memory.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "arena.h"

namespace {

constexpr size_t kMaxBlockPages = size_t(1) << BUDDY_MAX_ORDER;

uintptr_t offset(const Arena& a, uintptr_t addr) { return addr - a.buddy.base; }

}  // namespace

TEST_CASE("a fresh allocator holds its memory as the largest aligned blocks", "[buddy]") {
    Arena a(3 * kMaxBlockPages + 5);  // three 4 MiB blocks, then 4 + 1 pages
    CHECK(a.buddy.free_pages == a.pages);
    CHECK(a.buddy.free_blocks[BUDDY_MAX_ORDER] == 3);
    CHECK(a.buddy.free_blocks[2] == 1);
    CHECK(a.buddy.free_blocks[0] == 1);
    CHECK(buddy_check(&a.buddy) == 0);
}

TEST_CASE("allocating splits a larger block and keeps the lower half", "[buddy]") {
    Arena a(kMaxBlockPages);
    const uintptr_t p = buddy_alloc(&a.buddy, 0);
    REQUIRE(p != 0);
    CHECK(offset(a, p) == 0);
    // Order 10 split down to 0: one free block at each of orders 0..9.
    for (unsigned o = 0; o < BUDDY_MAX_ORDER; ++o) CHECK(a.buddy.free_blocks[o] == 1);
    CHECK(a.buddy.free_blocks[BUDDY_MAX_ORDER] == 0);
    CHECK(a.buddy.stats.splits == BUDDY_MAX_ORDER);
    CHECK(a.buddy.free_pages == kMaxBlockPages - 1);
    // The next page is the order-0 buddy left over by the split.
    CHECK(offset(a, buddy_alloc(&a.buddy, 0)) == BUDDY_PAGE_SIZE);
    CHECK(buddy_check(&a.buddy) == 0);
}

TEST_CASE("blocks are aligned to their size", "[buddy]") {
    Arena a(2 * kMaxBlockPages);
    for (unsigned order : {0u, 3u, 1u, 7u, 2u, 9u, 0u, 5u}) {
        const uintptr_t p = buddy_alloc(&a.buddy, order);
        REQUIRE(p != 0);
        CHECK(offset(a, p) % (BUDDY_PAGE_SIZE << order) == 0);
    }
    CHECK(buddy_check(&a.buddy) == 0);
}

TEST_CASE("freeing merges with the buddy at pfn ^ (1 << order) back to one block", "[buddy]") {
    Arena a(kMaxBlockPages);
    std::vector<uintptr_t> pages;
    for (size_t i = 0; i < kMaxBlockPages; ++i) pages.push_back(buddy_alloc(&a.buddy, 0));
    CHECK(buddy_alloc(&a.buddy, 0) == 0);
    CHECK(a.buddy.free_pages == 0);
    // Free the even pages first: nothing can merge yet.
    for (size_t i = 0; i < pages.size(); i += 2) REQUIRE(buddy_free(&a.buddy, pages[i], 0) == BUDDY_OK);
    CHECK(a.buddy.free_blocks[0] == kMaxBlockPages / 2);
    CHECK(a.buddy.stats.merges == 0);
    // Then the odd ones: everything merges up to a single order-10 block.
    for (size_t i = 1; i < pages.size(); i += 2) REQUIRE(buddy_free(&a.buddy, pages[i], 0) == BUDDY_OK);
    CHECK(a.buddy.free_blocks[BUDDY_MAX_ORDER] == 1);
    for (unsigned o = 0; o < BUDDY_MAX_ORDER; ++o) CHECK(a.buddy.free_blocks[o] == 0);
    CHECK(buddy_largest_free_order(&a.buddy) == BUDDY_MAX_ORDER);
    CHECK(buddy_check(&a.buddy) == 0);
}

TEST_CASE("a block never merges with a neighbour that is not its buddy", "[buddy]") {
    Arena a(kMaxBlockPages);
    const uintptr_t p0 = buddy_alloc(&a.buddy, 0);  // page 0
    const uintptr_t p1 = buddy_alloc(&a.buddy, 0);  // page 1
    const uintptr_t p2 = buddy_alloc(&a.buddy, 1);  // pages 2-3
    REQUIRE(offset(a, p2) == 2 * BUDDY_PAGE_SIZE);
    // Pages 1 and 2 are adjacent but not buddies (1 ^ 1 = 0, 2 ^ 2 = 0).
    REQUIRE(buddy_free(&a.buddy, p1, 0) == BUDDY_OK);
    REQUIRE(buddy_free(&a.buddy, p2, 1) == BUDDY_OK);
    CHECK(a.buddy.free_blocks[0] == 1);
    CHECK(a.buddy.free_blocks[1] == 1);
    REQUIRE(buddy_free(&a.buddy, p0, 0) == BUDDY_OK);  // 0+1 -> order 1, + (2-3) -> order 2, ...
    CHECK(a.buddy.free_blocks[BUDDY_MAX_ORDER] == 1);
    CHECK(buddy_check(&a.buddy) == 0);
}

TEST_CASE("exhaustion returns 0 and counts a failure; memory comes back after frees", "[buddy]") {
    Arena a(16);
    const uintptr_t big = buddy_alloc(&a.buddy, 4);
    REQUIRE(big != 0);
    CHECK(buddy_alloc(&a.buddy, 0) == 0);
    CHECK(buddy_alloc(&a.buddy, BUDDY_MAX_ORDER + 1) == 0);
    CHECK(a.buddy.stats.failures == 2);
    REQUIRE(buddy_free(&a.buddy, big, 4) == BUDDY_OK);
    CHECK(buddy_alloc(&a.buddy, 3) != 0);
    CHECK(buddy_alloc(&a.buddy, 4) == 0);  // only 8 pages left
}

TEST_CASE("double frees and invalid frees are refused and leave the allocator intact", "[buddy]") {
    Arena a(kMaxBlockPages);
    const uintptr_t p = buddy_alloc(&a.buddy, 2);
    const uintptr_t q = buddy_alloc(&a.buddy, 2);
    REQUIRE(buddy_free(&a.buddy, p, 2) == BUDDY_OK);
    CHECK(buddy_free(&a.buddy, p, 2) == BUDDY_EDOUBLE);
    CHECK(buddy_free(&a.buddy, q, 1) == BUDDY_EINVAL);                    // wrong order
    CHECK(buddy_free(&a.buddy, q + BUDDY_PAGE_SIZE, 0) == BUDDY_EINVAL);  // a tail page
    CHECK(buddy_free(&a.buddy, q + 8, 2) == BUDDY_EINVAL);                // not page aligned
    CHECK(buddy_free(&a.buddy, a.buddy.base - BUDDY_PAGE_SIZE, 0) == BUDDY_EINVAL);
    CHECK(buddy_free(&a.buddy, a.buddy.base + a.pages * BUDDY_PAGE_SIZE, 0) == BUDDY_EINVAL);
    CHECK(a.buddy.stats.bad_frees == 6);
    CHECK(buddy_check(&a.buddy) == 0);
    REQUIRE(buddy_free(&a.buddy, q, 2) == BUDDY_OK);
    CHECK(a.buddy.free_blocks[BUDDY_MAX_ORDER] == 1);
}

TEST_CASE("fragmentation indices follow Linux's definitions", "[buddy]") {
    Arena a(64);
    // Allocate every page, then free every other one: 32 free pages, all order 0.
    std::vector<uintptr_t> pages;
    for (int i = 0; i < 64; ++i) pages.push_back(buddy_alloc(&a.buddy, 0));
    for (int i = 0; i < 64; i += 2) buddy_free(&a.buddy, pages[i], 0);
    CHECK(a.buddy.free_pages == 32);
    CHECK(buddy_fragmentation_index(&a.buddy, 0) == -1000);  // a block is available
    // Order 1: 32 free blocks, none suitable: 1000 - (1000 + 32*1000/2) / 32 = 469.
    CHECK(buddy_fragmentation_index(&a.buddy, 1) == 1000 - (1000 + 32 * 1000 / 2) / 32);
    // Order 5 (32 pages): all free memory is in unusable blocks.
    CHECK(buddy_unusable_index(&a.buddy, 5) == 1000);
    CHECK(buddy_unusable_index(&a.buddy, 0) == 0);
    CHECK(buddy_largest_free_order(&a.buddy) == 0);
    // After freeing the rest, no fragmentation remains.
    for (int i = 1; i < 64; i += 2) buddy_free(&a.buddy, pages[i], 0);
    CHECK(buddy_fragmentation_index(&a.buddy, 6) == -1000);
    CHECK(buddy_unusable_index(&a.buddy, 6) == 0);
}

TEST_CASE("a seeded random alloc/free sequence keeps every invariant and merges back fully", "[buddy]") {
    Arena a(2 * kMaxBlockPages);
    std::mt19937_64 rng(42);
    struct Block {
        uintptr_t addr;
        unsigned order;
    };
    std::vector<Block> live;
    std::set<uintptr_t> starts;
    for (int step = 0; step < 5000; ++step) {
        if (live.empty() || rng() % 100 < 55) {
            const unsigned order = unsigned(rng() % 6);
            const uintptr_t p = buddy_alloc(&a.buddy, order);
            if (!p) continue;
            // No overlap with any live block.
            for (const Block& b : live) {
                const uintptr_t b_end = b.addr + (BUDDY_PAGE_SIZE << b.order);
                const uintptr_t p_end = p + (BUDDY_PAGE_SIZE << order);
                REQUIRE((p_end <= b.addr || p >= b_end));
            }
            live.push_back({p, order});
        } else {
            const size_t i = rng() % live.size();
            REQUIRE(buddy_free(&a.buddy, live[i].addr, live[i].order) == BUDDY_OK);
            live[i] = live.back();
            live.pop_back();
        }
        if (step % 250 == 0) REQUIRE(buddy_check(&a.buddy) == 0);
    }
    size_t used = 0;
    for (const Block& b : live) used += size_t(1) << b.order;
    CHECK(a.buddy.free_pages + used == a.pages);
    for (const Block& b : live) REQUIRE(buddy_free(&a.buddy, b.addr, b.order) == BUDDY_OK);
    CHECK(a.buddy.free_blocks[BUDDY_MAX_ORDER] == 2);
    CHECK(buddy_check(&a.buddy) == 0);
}
