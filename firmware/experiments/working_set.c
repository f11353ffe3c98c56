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

// ---------------------------------------------------------------------------
// The data-footprint axis: the same dense sweep of FOOTPRINT_PAGES pages (more
// than the STLB holds, so every load walks), with data touched between the
// loads: over each pass, the next lines of a buffer of `footprint` bytes, an
// equal share after every load. As the footprint outgrows L1D, L2 and the LLC,
// the walks' page-table lines are evicted and walk latency climbs towards
// DRAM. The buffer is read through one 1 GiB page (its own L1 DTLB entry:
// every buffer load is an L1 DTLB hit), so the walks are the working set's.

#define FOOTPRINT_PAGES 2048
#define FOOTPRINT_BUFFER_SLOT 48
#define FOOTPRINT_BLOCK (4ull << 20)  // the buffer is made of largest buddy blocks
#define FOOTPRINT_MAX_BLOCKS 64       // up to 256 MiB

static uint64_t g_buffer_blocks[FOOTPRINT_MAX_BLOCKS];  // buffer addresses (through the 1 GiB alias)
static unsigned g_buffer_block_count;

// Reads `lines` 64-byte lines of the buffer from line `*next` on (wrapping at
// `total` lines), a block's run of lines at a time.
static void touch_buffer(uint64_t* next, uint64_t lines, uint64_t total) {
    const uint64_t per_block = FOOTPRINT_BLOCK / 64;
    uint64_t line = *next;
    while (lines) {
        uint64_t run = per_block - line % per_block;
        if (run > total - line) run = total - line;
        if (run > lines) run = lines;
        const uint64_t start = g_buffer_blocks[line / per_block] + (line % per_block) * 64;
        for (uint64_t a = start; a < start + run * 64; a += 64) (void)*(volatile uint64_t*)a;
        lines -= run;
        line += run;
        if (line == total) line = 0;
    }
    *next = line;
}

// `passes` passes over the pages (one load each at offset 64, as sweep()
// does), each pass also reading footprint/64 buffer lines spread evenly.
// Returns the buffer loads made.
static uint64_t footprint_passes(uint64_t base, uint64_t stride, uint64_t footprint, uint64_t passes) {
    const uint64_t lines = footprint / 64;
    uint64_t next = 0, loads = 0;
    for (uint64_t p = 0; p < passes; ++p) {
        uint64_t done = 0;
        for (uint64_t i = 0; i < FOOTPRINT_PAGES; ++i) {
            (void)*(volatile uint64_t*)(base + i * stride + 64);
            const uint64_t due = (i + 1) * lines / FOOTPRINT_PAGES;
            touch_buffer(&next, due - done, lines);
            loads += due - done;
            done = due;
        }
    }
    return loads;
}

void experiment_footprint(void) {
    const uint64_t max_bytes = param_in("footprint.max_bytes", 64u << 10, 256u << 20);
    g_measured_accesses = param_in("working_set.accesses", 64, 1u << 20);
    // The buffer: 4 MiB blocks, read through a 1 GiB page on RAM_BASE.
    g_buffer_block_count = (unsigned)((max_bytes + FOOTPRINT_BLOCK - 1) / FOOTPRINT_BLOCK);
    for (unsigned b = 0; b < g_buffer_block_count; ++b) {
        const uint64_t pa = page_alloc(10);
        if (!pa) panic("footprint: no 4 MiB block for the data buffer (%u of %u)", b, g_buffer_block_count);
        g_buffer_blocks[b] = PML4_SLOT(FOOTPRINT_BUFFER_SLOT) + (pa - RAM_BASE);
    }
    if (pt_map(g_kernel_root, PML4_SLOT(FOOTPRINT_BUFFER_SLOT), RAM_BASE, SHIFT_1G, PTE_RW | PTE_A | PTE_D) != 0)
        panic("footprint: cannot map the buffer");
    const uint64_t frame4k = page_alloc(0), frame2m = page_alloc(9);
    if (!frame4k || !frame2m) panic("footprint: no frames");
    kmemset((void*)frame4k, 0, SIZE_4K);
    calibrate(frame4k);  // the host's L1 TLB hit latencies, also when this runs alone
    const struct {
        const char* page;
        unsigned shift;
        uint64_t base, frame;
    } series[] = {{"4k", SHIFT_4K, PML4_SLOT(32), frame4k}, {"2m", SHIFT_2M, PML4_SLOT(40), frame2m}};
    for (unsigned s = 0; s < 2; ++s) {
        const uint64_t stride = 1ull << series[s].shift;
        for (uint64_t i = 0; i < FOOTPRINT_PAGES; ++i)
            if (pt_map(g_kernel_root, series[s].base + i * stride, series[s].frame, series[s].shift,
                       PTE_RW | PTE_A | PTE_D) != 0)
                panic("footprint: out of memory mapping %s page %lu", series[s].page, (unsigned long)i);
        // 0, then 16 KiB up to the largest, quadrupling.
        for (uint64_t footprint = 0; footprint <= max_bytes; footprint = footprint ? footprint * 4 : 16u << 10) {
            // One pass to reach the steady state, one measured: every load walks anyway.
            footprint_passes(series[s].base, stride, footprint, 1);  // warm up: TLBs and caches in their steady state
            counters_t a, b, d;
            counters_read(&a);
            const uint64_t buffer_loads = footprint_passes(series[s].base, stride, footprint, 1);
            counters_read(&b);
            counters_delta(&a, &b, &d);
            kprintf("@exp footprint page=%s pages=%u footprint=%lu accesses=%u buffer_loads=%lu", series[s].page,
                    FOOTPRINT_PAGES, (unsigned long)footprint, FOOTPRINT_PAGES, (unsigned long)buffer_loads);
            print_counters(&d);
            kprintf("\n");
        }
        pt_free_slot(g_kernel_root, (unsigned)(series[s].base >> 39) & 511);
        write_cr3(g_kernel_root);
    }
    pt_free_slot(g_kernel_root, FOOTPRINT_BUFFER_SLOT);
    write_cr3(g_kernel_root);
    page_free(frame2m, 9);
    page_free(frame4k, 0);
    for (unsigned b = 0; b < g_buffer_block_count; ++b)
        page_free(RAM_BASE + (g_buffer_blocks[b] - PML4_SLOT(FOOTPRINT_BUFFER_SLOT)), 10);
}
