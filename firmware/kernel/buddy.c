#include "buddy.h"

// Per-page metadata byte: the flags mark a block's head page; tail pages are 0.
#define META_FREE 0x80u
#define META_ALLOC 0x40u
#define META_ORDER 0x0fu

static size_t pfn_of(const buddy_t* b, uintptr_t addr) { return (size_t)((addr - b->base) >> BUDDY_PAGE_SHIFT); }
static uintptr_t addr_of(const buddy_t* b, size_t pfn) { return b->base + ((uintptr_t)pfn << BUDDY_PAGE_SHIFT); }

static void list_push(buddy_t* b, size_t pfn, unsigned order) {
    buddy_free_block_t* blk = (buddy_free_block_t*)addr_of(b, pfn);
    blk->prev = 0;
    blk->next = b->free_list[order];
    if (blk->next) blk->next->prev = blk;
    b->free_list[order] = blk;
    b->meta[pfn] = (uint8_t)(META_FREE | order);
    ++b->free_blocks[order];
    b->free_pages += (size_t)1 << order;
}

static void list_remove(buddy_t* b, size_t pfn, unsigned order) {
    buddy_free_block_t* blk = (buddy_free_block_t*)addr_of(b, pfn);
    if (blk->prev) blk->prev->next = blk->next;
    else b->free_list[order] = blk->next;
    if (blk->next) blk->next->prev = blk->prev;
    b->meta[pfn] = 0;
    --b->free_blocks[order];
    b->free_pages -= (size_t)1 << order;
}

void buddy_init(buddy_t* b, uintptr_t base, size_t pages, uint8_t* meta) {
    b->base = base;
    b->pages = pages;
    b->meta = meta;
    b->free_pages = 0;
    for (unsigned o = 0; o < BUDDY_ORDERS; ++o) {
        b->free_list[o] = 0;
        b->free_blocks[o] = 0;
    }
    for (size_t i = 0; i < pages; ++i) meta[i] = 0;
    buddy_stats_t zero = {{0}, {0}, 0, 0, 0, 0};
    b->stats = zero;
    // Carve the range into the largest aligned blocks that fit.
    size_t pfn = 0;
    while (pfn < pages) {
        unsigned order = BUDDY_MAX_ORDER;
        while (order > 0 && ((pfn & (((size_t)1 << order) - 1)) || pfn + ((size_t)1 << order) > pages)) --order;
        list_push(b, pfn, order);
        pfn += (size_t)1 << order;
    }
}

uintptr_t buddy_alloc(buddy_t* b, unsigned order) {
    if (order > BUDDY_MAX_ORDER) {
        ++b->stats.failures;
        return 0;
    }
    unsigned o = order;
    while (o <= BUDDY_MAX_ORDER && !b->free_list[o]) ++o;
    if (o > BUDDY_MAX_ORDER) {
        ++b->stats.failures;
        return 0;
    }
    const size_t pfn = pfn_of(b, (uintptr_t)b->free_list[o]);
    list_remove(b, pfn, o);
    while (o > order) {  // keep the lower half, free the upper half
        --o;
        list_push(b, pfn + ((size_t)1 << o), o);
        ++b->stats.splits;
    }
    b->meta[pfn] = (uint8_t)(META_ALLOC | order);
    ++b->stats.allocs[order];
    return addr_of(b, pfn);
}

int buddy_free(buddy_t* b, uintptr_t addr, unsigned order) {
    if (order > BUDDY_MAX_ORDER || addr < b->base || ((addr - b->base) & (BUDDY_PAGE_SIZE - 1))) {
        ++b->stats.bad_frees;
        return BUDDY_EINVAL;
    }
    size_t pfn = pfn_of(b, addr);
    if (pfn >= b->pages || (pfn & (((size_t)1 << order) - 1))) {
        ++b->stats.bad_frees;
        return BUDDY_EINVAL;
    }
    const uint8_t m = b->meta[pfn];
    if (m & META_FREE) {
        ++b->stats.bad_frees;
        return BUDDY_EDOUBLE;
    }
    if (m != (META_ALLOC | order)) {  // a tail page, never allocated, or another order
        ++b->stats.bad_frees;
        return BUDDY_EINVAL;
    }
    b->meta[pfn] = 0;
    ++b->stats.frees[order];
    while (order < BUDDY_MAX_ORDER) {
        const size_t buddy = pfn ^ ((size_t)1 << order);
        if (buddy + ((size_t)1 << order) > b->pages || b->meta[buddy] != (META_FREE | order)) break;
        list_remove(b, buddy, order);
        if (buddy < pfn) pfn = buddy;
        ++order;
        ++b->stats.merges;
    }
    list_push(b, pfn, order);
    return BUDDY_OK;
}

int buddy_is_allocated(const buddy_t* b, uintptr_t addr, unsigned order) {
    if (order > BUDDY_MAX_ORDER || addr < b->base || ((addr - b->base) & (BUDDY_PAGE_SIZE - 1))) return 0;
    const size_t pfn = pfn_of(b, addr);
    return pfn < b->pages && b->meta[pfn] == (META_ALLOC | order);
}

size_t buddy_free_pages_at_least(const buddy_t* b, unsigned order) {
    size_t pages = 0;
    for (unsigned o = order; o < BUDDY_ORDERS; ++o) pages += b->free_blocks[o] << o;
    return pages;
}

int buddy_largest_free_order(const buddy_t* b) {
    for (int o = BUDDY_MAX_ORDER; o >= 0; --o)
        if (b->free_blocks[o]) return o;
    return -1;
}

int buddy_fragmentation_index(const buddy_t* b, unsigned order) {
    size_t blocks = 0, suitable = 0;
    for (unsigned o = 0; o < BUDDY_ORDERS; ++o) {
        blocks += b->free_blocks[o];
        if (o >= order) suitable += b->free_blocks[o];
    }
    if (!blocks) return 0;
    if (suitable) return -1000;
    const uint64_t requested = (uint64_t)1 << order;
    return (int)(1000 - (1000 + (uint64_t)b->free_pages * 1000 / requested) / blocks);
}

int buddy_unusable_index(const buddy_t* b, unsigned order) {
    if (!b->free_pages) return 1000;
    return (int)((uint64_t)(b->free_pages - buddy_free_pages_at_least(b, order)) * 1000 / b->free_pages);
}

int buddy_check(const buddy_t* b) {
    size_t pages = 0;
    for (unsigned o = 0; o < BUDDY_ORDERS; ++o) {
        size_t n = 0;
        const buddy_free_block_t* prev = 0;
        for (const buddy_free_block_t* blk = b->free_list[o]; blk; blk = blk->next) {
            const size_t pfn = pfn_of(b, (uintptr_t)blk);
            if (blk->prev != prev) return -1;                            // broken links
            if (b->meta[pfn] != (META_FREE | o)) return -2;              // list and metadata disagree
            if (pfn & (((size_t)1 << o) - 1)) return -3;                 // misaligned block
            const size_t buddy = pfn ^ ((size_t)1 << o);                 // an unmerged free buddy
            if (o < BUDDY_MAX_ORDER && buddy < b->pages && b->meta[buddy] == (META_FREE | o)) return -4;
            prev = blk;
            ++n;
            if (n > b->pages) return -5;  // a cycle
        }
        if (n != b->free_blocks[o]) return -6;
        pages += n << o;
    }
    if (pages != b->free_pages) return -7;
    return 0;
}
