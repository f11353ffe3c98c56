// The buddy allocator behaves as Linux's free_area: split on allocation,
// merge with pfn ^ (1 << order) on free, errors on frees of wrong blocks.
#include <catch2/catch.hpp>

#include <vector>

#include "tlmmu/os/buddy.h"

using tlmmu::os::BuddyAllocator;
using tlmmu::os::BuddyError;

TEST_CASE("a fresh max-order block splits down to the order asked for") {
    BuddyAllocator b(1024);
    b.add_free_range(0, 1024);
    REQUIRE(b.free_blocks(10) == 1);
    REQUIRE(b.allocate(0) == 0);
    CHECK(b.stats().splits == 10);
    // The upper halves went to the lower free lists: one block of each order 0..9.
    for (unsigned o = 0; o <= 9; ++o) CHECK(b.free_blocks(o) == 1);
    CHECK(b.free_blocks(10) == 0);
    CHECK(b.free_frames() == 1023);
    // The next order-0 allocation is the buddy of the first.
    CHECK(b.allocate(0) == 1);
}

TEST_CASE("freeing merges buddies back into the largest block") {
    BuddyAllocator b(1024);
    b.add_free_range(0, 1024);
    const uint64_t a = b.allocate(0), c = b.allocate(0), d = b.allocate(3);
    CHECK(d == 8);
    b.free(a, 0);
    CHECK(b.stats().merges == 0);  // its buddy (pfn 1) is still allocated
    b.free(c, 0);
    b.free(d, 3);
    CHECK(b.free_blocks(10) == 1);
    CHECK(b.free_frames() == 1024);
    for (unsigned o = 0; o < 10; ++o) CHECK(b.free_blocks(o) == 0);
}

TEST_CASE("exhausting the allocator refuses further allocations") {
    BuddyAllocator b(64, 3);
    b.add_free_range(0, 64);
    std::vector<uint64_t> blocks;
    for (uint64_t p; (p = b.allocate(3)) != BuddyAllocator::kNoFrame;) blocks.push_back(p);
    CHECK(blocks.size() == 8);
    CHECK(b.allocate(0) == BuddyAllocator::kNoFrame);
    CHECK(b.stats().failures[0] == 1);
    CHECK(b.allocate(4) == BuddyAllocator::kNoFrame);  // above the maximum order
    b.free(blocks[3], 3);
    CHECK(b.allocate(0) == 24);
}

TEST_CASE("freeing a block that is not allocated is detected") {
    BuddyAllocator b(1024);
    b.add_free_range(0, 1024);
    const uint64_t p = b.allocate(2);
    CHECK_THROWS_AS(b.free(p, 1), BuddyError);      // wrong order
    CHECK_THROWS_AS(b.free(p + 1, 0), BuddyError);  // a frame inside the block
    CHECK_THROWS_AS(b.free(512, 0), BuddyError);    // a free frame
    b.free(p, 2);
    CHECK_THROWS_AS(b.free(p, 2), BuddyError);  // double free
    CHECK(b.free_frames() == 1024);
}

TEST_CASE("a range not aligned to the maximum order is handed over in aligned blocks") {
    BuddyAllocator b(2048);
    b.add_free_range(3, 1030);
    CHECK(b.free_frames() == 1027);
    CHECK(b.free_blocks(10) == 0);  // no 1024-aligned block fits inside [3, 1030)
    CHECK(b.free_blocks(0) == 1);   // pfn 3
    CHECK(b.free_blocks(9) == 1);   // pfn 512
    CHECK(b.allocate(0) == 3);
}

TEST_CASE("the unusable free space index measures fragmentation") {
    BuddyAllocator b(1024);
    b.add_free_range(0, 1024);
    CHECK(b.unusable_index(9) == 0.0);
    std::vector<uint64_t> pages;
    for (int i = 0; i < 1024; ++i) pages.push_back(b.allocate(0));
    for (size_t i = 0; i < pages.size(); i += 2) b.free(pages[i], 0);  // every other frame
    CHECK(b.free_frames() == 512);
    CHECK(b.unusable_index(0) == 0.0);
    CHECK(b.unusable_index(1) == 1.0);  // no two free frames are buddies
    CHECK(b.allocate(1) == BuddyAllocator::kNoFrame);
    for (size_t i = 1; i < pages.size(); i += 2) b.free(pages[i], 0);
    CHECK(b.unusable_index(9) == 0.0);
    CHECK(b.free_blocks(10) == 1);
}
