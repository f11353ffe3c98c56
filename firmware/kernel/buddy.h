// The binary buddy allocator of physical pages: free lists of orders 0-10
// (4 KiB to 4 MiB blocks), a block of order o split into two buddies of
// order o-1, a freed block merged with its buddy (page number pfn ^ (1 << o))
// whenever that buddy is free and of the same order.
//
// Plain C with no platform dependency: the firmware manages its RAM with it
// and tests/firmware checks it on the host. Free-list links live inside the
// free pages themselves; one byte per page of metadata says which pages head
// a free or an allocated block and of which order.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BUDDY_PAGE_SHIFT 12
#define BUDDY_PAGE_SIZE (1ull << BUDDY_PAGE_SHIFT)
#define BUDDY_MAX_ORDER 10
#define BUDDY_ORDERS (BUDDY_MAX_ORDER + 1)

// Results of buddy_free.
enum buddy_status {
    BUDDY_OK = 0,
    BUDDY_EINVAL = -1,     // not a block this allocator handed out (range, alignment, order)
    BUDDY_EDOUBLE = -2,    // the block is already free
};

typedef struct buddy_free_block {
    struct buddy_free_block* next;
    struct buddy_free_block* prev;
} buddy_free_block_t;

typedef struct buddy_stats {
    uint64_t allocs[BUDDY_ORDERS];
    uint64_t frees[BUDDY_ORDERS];
    uint64_t splits;
    uint64_t merges;
    uint64_t failures;      // allocations refused for lack of a large enough block
    uint64_t bad_frees;     // frees refused (invalid or double)
} buddy_stats_t;

typedef struct buddy {
    uintptr_t base;         // address of page 0
    size_t pages;           // pages managed
    uint8_t* meta;          // one byte per page
    buddy_free_block_t* free_list[BUDDY_ORDERS];
    size_t free_blocks[BUDDY_ORDERS];
    size_t free_pages;
    buddy_stats_t stats;
} buddy_t;

// Manages `pages` pages from `base` (page aligned). `meta` holds `pages`
// bytes. Every page starts free, as the largest aligned blocks that fit.
void buddy_init(buddy_t* b, uintptr_t base, size_t pages, uint8_t* meta);

// A block of 2^order pages aligned to its size (relative to base), or 0 when
// none is left (or order > BUDDY_MAX_ORDER).
uintptr_t buddy_alloc(buddy_t* b, unsigned order);

// Returns a block; merges it with its free buddies.
int buddy_free(buddy_t* b, uintptr_t addr, unsigned order);

// True if `addr` heads a block of `order` that is currently allocated.
int buddy_is_allocated(const buddy_t* b, uintptr_t addr, unsigned order);

// Pages in free blocks of at least `order`.
size_t buddy_free_pages_at_least(const buddy_t* b, unsigned order);
// The largest order with a free block, -1 if memory is exhausted.
int buddy_largest_free_order(const buddy_t* b);

// Fragmentation indices for a request of `order`, both scaled by 1000:
// the external fragmentation index of Linux (mm/vmstat.c: -1000 if a block is
// available; otherwise near 0 means lack of memory, near 1000 means
// fragmentation), and the unusable free space index (share of free pages in
// blocks too small for the request).
int buddy_fragmentation_index(const buddy_t* b, unsigned order);
int buddy_unusable_index(const buddy_t* b, unsigned order);

// Walks the free lists and metadata; 0 if consistent, else a negative code
// naming the first broken invariant (for tests).
int buddy_check(const buddy_t* b);

#ifdef __cplusplus
}
#endif
