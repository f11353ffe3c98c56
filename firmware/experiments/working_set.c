// Translation latency against working set: a cyclic sweep over N pages, one
// load per page, for 4 KiB, 2 MiB and 1 GiB pages, with layouts that decide
// what the paging-structure caches can do for the walks:
//   dense      consecutive pages (walks share their PDE: the PDE cache serves them)
//   per-gib    one page per GiB (each needs its own PDE; the PML4E cache serves them)
//   scattered  consecutive pages in different PML4 slots (full 4-level walks)
// All pages of a series alias one physical frame: the TLBs see page numbers only.
#include "experiments.h"

typedef struct series {
    const char* page;    // "4k", "2m", "1g"
    const char* layout;
    unsigned shift;
    uint64_t base, k, s1, s2;  // the address generator of sweep()
    const unsigned* sizes;     // working-set sizes in pages, ascending, 0-terminated
} series_t;

static const unsigned k4_dense[] = {1, 16, 32, 64, 96, 256, 1024, 1536, 2048, 4096, 8192, 0};
static const unsigned k4_sparse[] = {8, 64, 128, 1024, 1536, 2048, 0};
static const unsigned m2_dense[] = {1, 16, 32, 64, 256, 1536, 2048, 4096, 0};
static const unsigned g1_dense[] = {1, 4, 8, 16, 32, 64, 0};
static const unsigned k4_five_level[] = {1024, 2048, 4096, 0};
static const unsigned k4_five_level_scattered[] = {1024, 2048, 0};

static uint64_t g_measured_accesses;  // at least this many measured loads per point (working_set.accesses)

static uint64_t page_address(const series_t* s, uint64_t i, uint64_t n) {
    const uint64_t k = s->k ? s->k : n;
    return s->base + (i / k) * s->s2 + (i % k) * s->s1;
}

static unsigned largest(const unsigned* sizes) {
    unsigned n = 0;
    for (; *sizes; ++sizes) n = *sizes;
    return n;
}

// Touches every point of the series and prints one line per point.
static void run_series(const series_t* s, uint64_t frame) {
    const unsigned max = largest(s->sizes);
    for (uint64_t i = 0; i < max; ++i)
        if (pt_map(g_kernel_root, page_address(s, i, max), frame, s->shift, PTE_RW | PTE_A | PTE_D) != 0)
            panic("working set: out of memory mapping %s %s page %lu", s->page, s->layout, (unsigned long)i);
    const unsigned tables = g_page_tables;
    for (const unsigned* n = s->sizes; *n; ++n) {
        const uint64_t k = s->k ? s->k : *n;
        uint64_t passes = g_measured_accesses / *n;
        if (passes < 4) passes = 4;
        sweep(s->base, *n, k, s->s1, s->s2, 3);  // warm up: the TLBs reach their steady state
        counters_t a, b, d;
        counters_read(&a);
        sweep(s->base, *n, k, s->s1, s->s2, passes);
        counters_read(&b);
        counters_delta(&a, &b, &d);
        kprintf("@exp ws page=%s layout=%s levels=%u pages=%u accesses=%lu", s->page, s->layout, g_paging_levels,
                *n, (unsigned long)(passes * *n));
        print_counters(&d);
        kprintf(" page_tables=%u\n", tables);
    }
    // Unmap: free the tables of every root slot the series used (never slot
    // 0, the kernel's own mapping, which a 5-level dense series shares), flush.
    const unsigned root_shift = 12 + 9 * (g_paging_levels - 1);
    for (uint64_t i = 0; i < max; ++i) {
        const unsigned slot = (unsigned)(page_address(s, i, max) >> root_shift) & 511;
        if (slot && ((uint64_t*)g_kernel_root)[slot]) pt_free_slot(g_kernel_root, slot);
    }
    write_cr3(g_kernel_root);
}

// Calibration: the loop without its load gives the translation cycles of an
// L1 ITLB hit (every fetch lookup hits), the loop on one address those of an
// L1 DTLB hit. The host subtracts the fetch lookups from every point.
static void calibrate(uint64_t va) {
    const uint64_t n = 64, passes = g_measured_accesses / 64;
    counters_t a, b, d;
    sweep_fetch_only(va, n, n, 0, 0, 3);
    counters_read(&a);
    sweep_fetch_only(va, n, n, 0, 0, passes);
    counters_read(&b);
    counters_delta(&a, &b, &d);
    kprintf("@exp calib_fetch accesses=0");
    print_counters(&d);
    kprintf("\n");
    sweep(va, n, n, 0, 0, 3);
    counters_read(&a);
    sweep(va, n, n, 0, 0, passes);
    counters_read(&b);
    counters_delta(&a, &b, &d);
    kprintf("@exp calib accesses=%lu", (unsigned long)(n * passes));
    print_counters(&d);
    kprintf("\n");
}

// The same sweeps under 5-level paging (CR4.LA57): dense pages still walk
// from the PDE cache; pages in different PML5 slots walk all five levels.
static void five_level(uint64_t frame4k) {
    const uint64_t root4 = g_kernel_root;
    g_paging_levels = 5;
    const uint64_t root5 = paging_build_kernel_tables();
    paging_switch_mode(5, root5);
    const series_t series[] = {
        {"4k", "dense", SHIFT_4K, PML4_SLOT(1), 0, SIZE_4K, 0, k4_five_level},
        // 128 PML5 slots (256 TiB apart) per row; the rows only move the PT
        // index, so each slot needs few tables.
        {"4k", "scattered", SHIFT_4K, 1ull << 48, 128, (1ull << 48) + SIZE_4K, 128 * SIZE_4K,
         k4_five_level_scattered},
    };
    for (unsigned i = 0; i < sizeof series / sizeof series[0]; ++i) run_series(&series[i], frame4k);
    paging_switch_mode(4, root4);
    g_paging_levels = 5;  // free the 5-level tables as 5-level
    for (unsigned slot = 0; slot < 512; ++slot) pt_free_slot(root5, slot);
    g_paging_levels = 4;
    page_free(root5, 0);
    --g_page_tables;
}

void experiment_working_set(void) {
    g_measured_accesses = param_in("working_set.accesses", 64, 1u << 20);
    const uint64_t frame4k = page_alloc(0);
    const uint64_t frame2m = page_alloc(9);
    if (!frame4k || !frame2m) panic("working set: no frames");
    kmemset((void*)frame4k, 0, SIZE_4K);
    calibrate(frame4k);  // identity-mapped kernel memory
    const series_t series[] = {
        {"4k", "dense", SHIFT_4K, PML4_SLOT(1), 0, SIZE_4K, 0, k4_dense},
        {"4k", "per-gib", SHIFT_4K, PML4_SLOT(8), 0, SIZE_1G + SIZE_4K, 0, k4_sparse},
        // 128 PML4 slots per row; the rows only move the PT index, so each
        // slot needs few tables (and the PSCs still miss: 128 slots cycle).
        {"4k", "scattered", SHIFT_4K, PML4_SLOT(128), 128, PML4_SLOT(1) + SIZE_4K, 128 * SIZE_4K, k4_sparse},
        {"2m", "dense", SHIFT_2M, PML4_SLOT(16), 0, SIZE_2M, 0, m2_dense},
        // 1 GiB pages all map the 1 GiB-aligned frame at RAM_BASE; only its
        // first 4 KiB (inside RAM) is ever touched.
        {"1g", "dense", SHIFT_1G, PML4_SLOT(24), 0, SIZE_1G, 0, g1_dense},
    };
    for (unsigned i = 0; i < sizeof series / sizeof series[0]; ++i) {
        const series_t* s = &series[i];
        const uint64_t frame = s->shift == SHIFT_4K ? frame4k : s->shift == SHIFT_2M ? frame2m : RAM_BASE;
        run_series(s, frame);
    }
    five_level(frame4k);
    page_free(frame2m, 9);
    page_free(frame4k, 0);
}
