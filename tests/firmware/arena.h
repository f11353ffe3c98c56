// Host memory standing in for guest RAM in the allocator tests: page
// aligned, and aligned to the largest buddy block so addresses look as in
// the guest.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "buddy.h"

struct Arena {
    explicit Arena(size_t pages) : pages(pages), meta(pages) {
        const size_t align = BUDDY_PAGE_SIZE << BUDDY_MAX_ORDER;
        memory = std::aligned_alloc(align, (pages * BUDDY_PAGE_SIZE + align - 1) / align * align);
        buddy_init(&buddy, reinterpret_cast<uintptr_t>(memory), pages, meta.data());
    }
    ~Arena() { std::free(memory); }
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    size_t pages;
    void* memory;
    std::vector<uint8_t> meta;
    buddy_t buddy;
};
