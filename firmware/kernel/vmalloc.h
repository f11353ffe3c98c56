// vmalloc: virtually contiguous kernel memory from scattered order-0 frames,
// mapped with 4 KiB global pages in the vmalloc area (inside root entry 0,
// so every process sees it). vfree unmaps at once; the TLB flush is either
// done on every free or, as Linux does (mm/vmalloc.c, lazy_max_pages),
// deferred: the freed ranges wait on a purge list and their addresses are not
// reused until one flush covers them all, once more than `lazy_max_pages`
// pages are waiting.
#pragma once

#include <stdint.h>

#define VMALLOC_START 0x4000000000ull  // 256 GiB
#define VMALLOC_END 0x5000000000ull    // 64 GiB of addresses
// flush_tlb_kernel_range: INVLPG per page up to this many pages, a full
// flush (global entries included) above (Linux's tlb_single_page_flush_ceiling).
#define FLUSH_CEILING_PAGES 33

typedef struct vmalloc_stats {
    uint64_t invlpgs;        // single-page flushes
    uint64_t full_flushes;   // whole-TLB flushes (CR4.PGE toggled)
    uint64_t purges;         // lazy batches flushed
    uint64_t lazy_pages;     // pages waiting for the next purge
} vmalloc_stats_t;

extern vmalloc_stats_t g_vmalloc;

// 0 = flush on every vfree, otherwise purge once more pages than this wait.
void vmalloc_set_lazy(uint64_t lazy_max_pages);
// `bytes` rounded up to pages, plus one unmapped guard page; 0 when the
// address space is full (after a purge) and panics (OOM) when frames run out.
uint64_t vmalloc(uint64_t bytes);
void vfree(uint64_t va);
// Flushes and releases every lazily freed range now.
void vmalloc_purge(void);
// flush_tlb_kernel_range of `pages` pages at `va`.
void flush_kernel_range(uint64_t va, uint64_t pages);
