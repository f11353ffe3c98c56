// User malloc: one process per block size runs user_malloc_bench (umalloc.c)
// over malloc.rounds rounds of malloc.bytes bytes; below the mmap threshold
// the blocks come from the brk heap, at or above it from mmap. Measured:
// cycles per malloc, per page stored to and per free, page faults of the
// first round and of the later ones (the heap keeps its pages, up to the
// trim threshold; every mapping starts empty), and the system calls made.
#include "experiments.h"

#define HEAP_BASE PML4_SLOT(56)
#define MMAP_BASE PML4_SLOT(57)
#define STACK_TOP (PML4_SLOT(58) + 2 * SIZE_4K)

void user_malloc_bench(uint64_t size, uint64_t blocks, uint64_t rounds, uint64_t thresholds);

static const uint64_t g_sizes[] = {64, 1024, 4096, 16384, 65536, 98304, 131072, 262144, 1u << 20, 4u << 20, 0};

static void run_size(uint64_t size, uint64_t bytes, uint64_t rounds, uint64_t threshold, uint64_t trim) {
    uint64_t blocks = bytes / size;
    if (blocks < 1) blocks = 1;
    if (blocks > 64) blocks = 64;
    const uint64_t args[4] = {size, blocks, rounds, threshold | (trim << 32)};
    proc_t* p = proc_create((void (*)(void))user_malloc_bench, args);
    if (!p) panic("malloc: cannot create a process");
    mm_init(p, HEAP_BASE, MMAP_BASE);
    // A two-page user stack, mapped up front so its faults do not count.
    for (uint64_t a = STACK_TOP - 2 * SIZE_4K; a < STACK_TOP; a += SIZE_4K) {
        const uint64_t frame = page_alloc(0);
        if (!frame) oom("user stack", SIZE_4K);
        if (pt_map(p->root, a, frame, SHIFT_4K, PTE_RW | PTE_US | PTE_OWNED)) oom("user stack page table", SIZE_4K);
    }
    p->frame.regs[REG_SP] = STACK_TOP;
    const size_t free_before = g_pages.free_pages;
    sched_config_t config = {SCHED_PCID_OFF, 0, 0, 0, 0};
    sched_stats_t stats;
    sched_run(&config, &stats);
    if (p->exit_code != 0 || p->report_count != 6)
        panic("malloc: the benchmark process failed (size %lu, exit %lu)", (unsigned long)size,
              (unsigned long)p->exit_code);
    const uint64_t first_faults = p->report_faults[1];               // at the report after round 1's stores
    const uint64_t later_faults = p->report_faults[4] - p->report_faults[2];
    kprintf("@exp malloc size=%lu blocks=%lu rounds=%lu threshold=%lu trim=%lu path=%s first_alloc_cycles=%lu"
            " first_touch_cycles=%lu first_free_cycles=%lu later_alloc_cycles=%lu later_touch_cycles=%lu"
            " later_free_cycles=%lu first_faults=%lu later_faults=%lu faults=%lu fault_cycles=%lu brk_calls=%lu"
            " mmap_calls=%lu munmap_calls=%lu trims=%lu pages_unmapped=%lu heap_pages_left=%lu\n",
            (unsigned long)size, (unsigned long)blocks, (unsigned long)rounds, (unsigned long)threshold,
            (unsigned long)trim, ((size + 16 + 15) & ~15ull) >= threshold ? "mmap" : "heap",
            (unsigned long)p->reports[0], (unsigned long)p->reports[1], (unsigned long)p->reports[2],
            (unsigned long)p->reports[3], (unsigned long)p->reports[4], (unsigned long)p->reports[5],
            (unsigned long)first_faults, (unsigned long)later_faults, (unsigned long)p->faults,
            (unsigned long)p->fault_cycles, (unsigned long)p->brk_calls, (unsigned long)p->mmap_calls,
            (unsigned long)p->munmap_calls, (unsigned long)p->trims, (unsigned long)p->pages_unmapped,
            (unsigned long)(free_before - g_pages.free_pages));
    proc_destroy(p);
}

void experiment_malloc(void) {
    const uint64_t threshold = param_in("malloc.mmap_threshold", SIZE_4K, 1ull << 30);
    const uint64_t trim = param_in("malloc.trim_threshold", SIZE_4K, 1ull << 30);
    const uint64_t rounds = param_in("malloc.rounds", 2, 64);
    const uint64_t bytes = param_in("malloc.bytes", SIZE_4K, 64ull << 20);
    const uint64_t max_size = param_in("malloc.max_size", 64, 64ull << 20);
    for (const uint64_t* s = g_sizes; *s && *s <= max_size; ++s) run_size(*s, bytes, rounds, threshold, trim);
}
