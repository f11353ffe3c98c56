#include "vmalloc.h"

#include "kernel.h"
#include "paging.h"

vmalloc_stats_t g_vmalloc;

// Free address ranges, sorted and coalesced; areas in use and areas waiting
// for a purge are held in g_areas.
#define MAX_RANGES 256
#define MAX_AREAS 256

typedef struct range {
    uint64_t start, pages;
} range_t;

typedef struct area {
    uint64_t start, pages;  // guard page included
    int lazy;               // freed, waiting for the purge
} area_t;

static range_t g_free[MAX_RANGES];
static unsigned g_free_count;
static area_t g_areas[MAX_AREAS];
static unsigned g_area_count;
static uint64_t g_lazy_max;
static int g_ready;

static void init_once(void) {
    if (g_ready) return;
    g_free[0].start = VMALLOC_START;
    g_free[0].pages = (VMALLOC_END - VMALLOC_START) >> SHIFT_4K;
    g_free_count = 1;
    g_ready = 1;
}

void vmalloc_set_lazy(uint64_t lazy_max_pages) {
    vmalloc_purge();
    g_lazy_max = lazy_max_pages;
}

static uint64_t range_alloc(uint64_t pages) {
    for (unsigned i = 0; i < g_free_count; ++i) {
        if (g_free[i].pages < pages) continue;
        const uint64_t va = g_free[i].start;
        g_free[i].start += pages << SHIFT_4K;
        g_free[i].pages -= pages;
        if (!g_free[i].pages) {
            for (unsigned j = i + 1; j < g_free_count; ++j) g_free[j - 1] = g_free[j];
            --g_free_count;
        }
        return va;
    }
    return 0;
}

static void range_free(uint64_t start, uint64_t pages) {
    unsigned i = 0;
    while (i < g_free_count && g_free[i].start < start) ++i;
    // Merge with the range before and/or after.
    const int before = i > 0 && g_free[i - 1].start + (g_free[i - 1].pages << SHIFT_4K) == start;
    const int after = i < g_free_count && start + (pages << SHIFT_4K) == g_free[i].start;
    if (before && after) {
        g_free[i - 1].pages += pages + g_free[i].pages;
        for (unsigned j = i + 1; j < g_free_count; ++j) g_free[j - 1] = g_free[j];
        --g_free_count;
    } else if (before) {
        g_free[i - 1].pages += pages;
    } else if (after) {
        g_free[i].start = start;
        g_free[i].pages += pages;
    } else {
        if (g_free_count == MAX_RANGES) panic("vmalloc: more than %d free address ranges", MAX_RANGES);
        for (unsigned j = g_free_count; j > i; --j) g_free[j] = g_free[j - 1];
        g_free[i].start = start;
        g_free[i].pages = pages;
        ++g_free_count;
    }
}

void flush_kernel_range(uint64_t va, uint64_t pages) {
    if (pages <= FLUSH_CEILING_PAGES) {
        for (uint64_t i = 0; i < pages; ++i) invlpg(va + (i << SHIFT_4K));
        g_vmalloc.invlpgs += pages;
    } else {
        const uint64_t cr4 = read_cr4();
        write_cr4(cr4 & ~CR4_PGE);  // toggling PGE flushes everything, global entries too
        write_cr4(cr4);
        ++g_vmalloc.full_flushes;
    }
}

uint64_t vmalloc(uint64_t bytes) {
    init_once();
    const uint64_t pages = (bytes + SIZE_4K - 1) >> SHIFT_4K;
    if (!pages) return 0;
    uint64_t va = range_alloc(pages + 1);
    if (!va && g_vmalloc.lazy_pages) {
        vmalloc_purge();
        va = range_alloc(pages + 1);
    }
    if (!va) return 0;
    if (g_area_count == MAX_AREAS) panic("vmalloc: more than %d areas", MAX_AREAS);
    for (uint64_t i = 0; i < pages; ++i) {
        const uint64_t frame = page_alloc(0);
        if (!frame) oom("vmalloc frame", bytes);
        if (pt_map(g_kernel_root, va + (i << SHIFT_4K), frame, SHIFT_4K,
                   PTE_RW | (g_kernel_global ? PTE_G : 0) | PTE_XD))
            oom("vmalloc page table", bytes);
    }
    g_areas[g_area_count].start = va;
    g_areas[g_area_count].pages = pages + 1;
    g_areas[g_area_count].lazy = 0;
    ++g_area_count;
    return va;
}

void vmalloc_purge(void) {
    if (!g_vmalloc.lazy_pages) return;
    // One flush over the span of every waiting area.
    uint64_t lo = ~0ull, hi = 0;
    for (unsigned i = 0; i < g_area_count; ++i) {
        if (!g_areas[i].lazy) continue;
        if (g_areas[i].start < lo) lo = g_areas[i].start;
        const uint64_t end = g_areas[i].start + (g_areas[i].pages << SHIFT_4K);
        if (end > hi) hi = end;
    }
    flush_kernel_range(lo, (hi - lo) >> SHIFT_4K);
    ++g_vmalloc.purges;
    unsigned kept = 0;
    for (unsigned i = 0; i < g_area_count; ++i) {
        if (g_areas[i].lazy) range_free(g_areas[i].start, g_areas[i].pages);
        else g_areas[kept++] = g_areas[i];
    }
    g_area_count = kept;
    g_vmalloc.lazy_pages = 0;
}

void vfree(uint64_t va) {
    unsigned i = 0;
    while (i < g_area_count && (g_areas[i].start != va || g_areas[i].lazy)) ++i;
    if (i == g_area_count) panic("vfree of %p: not a vmalloc area", (void*)va);
    const uint64_t pages = g_areas[i].pages - 1;
    for (uint64_t p = 0; p < pages; ++p) {
        uint64_t* e = pt_leaf(g_kernel_root, va + (p << SHIFT_4K), 0);
        if (!e) panic("vfree of %p: page %lu unmapped", (void*)va, (unsigned long)p);
        page_free(*e & PTE_ADDR_MASK, 0);
        *e = 0;
    }
    if (!g_lazy_max) {
        flush_kernel_range(va, pages);
        range_free(va, pages + 1);
        g_areas[i] = g_areas[--g_area_count];
        return;
    }
    g_areas[i].lazy = 1;
    g_vmalloc.lazy_pages += pages;
    if (g_vmalloc.lazy_pages > g_lazy_max) vmalloc_purge();
}
