// Allocator costs inside the guest: buddy alloc/free by order, slab
// alloc/free by kmalloc size class and for a created cache, the cost of a
// demand-paging fault, and the fragmentation a seeded random sequence of
// allocations and frees leaves behind.
#include "experiments.h"

#define BUDDY_REPS 16
#define SLAB_OBJECTS 64
#define FRAG_STEPS 4000
#define FRAG_LIVE 256

// Warm: BUDDY_REPS blocks of each order from the kernel's allocator as it is
// after boot and the other experiments. Cold: one block from a private
// allocator holding a single 4 MiB block, so the allocation splits
// 10 - order times and the free merges as often.
static void buddy_costs(void) {
    static uint8_t meta[1u << BUDDY_MAX_ORDER];
    uint64_t blocks[BUDDY_REPS];
    const uint64_t region = page_alloc(BUDDY_MAX_ORDER);
    if (!region) panic("buddy: no region");
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; ++order) {
        const buddy_stats_t before = g_pages.stats;
        uint64_t alloc_cycles = 0, free_cycles = 0;
        unsigned reps = 0;  // fewer than BUDDY_REPS on a small RAM
        while (reps < BUDDY_REPS) {
            const uint64_t c0 = rdcycle();
            const uint64_t block = page_alloc(order);
            const uint64_t c1 = rdcycle();
            if (!block) break;
            alloc_cycles += c1 - c0;
            blocks[reps++] = block;
        }
        if (!reps) panic("buddy: no free block of order %u", order);
        for (unsigned r = reps; r-- > 0;) {
            const uint64_t c0 = rdcycle();
            buddy_free(&g_pages, blocks[r], order);
            free_cycles += rdcycle() - c0;
        }
        buddy_t cold;
        buddy_init(&cold, region, 1u << BUDDY_MAX_ORDER, meta);
        uint64_t c0 = rdcycle();
        const uint64_t block = buddy_alloc(&cold, order);
        const uint64_t cold_alloc = rdcycle() - c0;
        c0 = rdcycle();
        const int freed = buddy_free(&cold, block, order);
        const uint64_t cold_free = rdcycle() - c0;
        if (!block || freed != BUDDY_OK) panic("buddy: cold allocation of order %u failed", order);
        kprintf("@exp buddy order=%u reps=%d alloc_cycles=%lu free_cycles=%lu splits=%lu merges=%lu"
                " cold_alloc_cycles=%lu cold_free_cycles=%lu cold_splits=%lu cold_merges=%lu\n",
                order, reps, (unsigned long)alloc_cycles, (unsigned long)free_cycles,
                (unsigned long)(g_pages.stats.splits - before.splits),
                (unsigned long)(g_pages.stats.merges - before.merges), (unsigned long)cold_alloc,
                (unsigned long)cold_free, (unsigned long)cold.stats.splits, (unsigned long)cold.stats.merges);
    }
    page_free(region, BUDDY_MAX_ORDER);
}

// kmalloc/kfree when `use_kmalloc`, else kmem_cache_alloc/kmem_cache_free.
static void slab_cache_costs(const char* name, size_t size, int use_kmalloc, kmem_cache_t* cache) {
    void* objects[SLAB_OBJECTS];
    const uint64_t slabs_before = cache->stats.slabs_created;
    uint64_t alloc_cycles = 0, free_cycles = 0;
    for (unsigned i = 0; i < SLAB_OBJECTS; ++i) {
        const uint64_t c0 = rdcycle();
        objects[i] = use_kmalloc ? kmalloc(size) : kmem_cache_alloc(cache);
        alloc_cycles += rdcycle() - c0;
        if (!objects[i]) panic("slab: %s exhausted", name);
    }
    for (unsigned i = 0; i < SLAB_OBJECTS; ++i) {
        const uint64_t c0 = rdcycle();
        const int bad = use_kmalloc ? kfree(objects[i]) : kmem_cache_free(cache, objects[i]);
        free_cycles += rdcycle() - c0;
        if (bad) panic("slab: free refused in %s", name);
    }
    kprintf("@exp slab cache=%s size=%lu objects=%d alloc_cycles=%lu free_cycles=%lu slabs_created=%lu"
            " objects_per_slab=%u\n",
            name, (unsigned long)size, SLAB_OBJECTS, (unsigned long)alloc_cycles, (unsigned long)free_cycles,
            (unsigned long)(cache->stats.slabs_created - slabs_before), cache->objects_per_slab);
}

static void slab_costs(void) {
    for (unsigned i = 0; i < KMALLOC_CLASSES; ++i) {
        kmem_cache_t* c = kmalloc_cache(i);
        slab_cache_costs(c->name, c->object_size, 1, c);
    }
    kmem_cache_t* task = kmem_cache_create("task", 200);
    if (!task) panic("slab: cannot create a cache");
    slab_cache_costs("task", 200, 0, task);
    if (kmem_cache_destroy(task) != 0) panic("slab: cannot destroy the task cache");
}

// One process stores to `pages` untouched pages of its demand range
// (a fault each), then to the same pages again, and reports both times.
static void fault_costs(void) {
    const uint64_t pages = param_in("allocators.fault_pages", 1, 65536);
    const uint64_t base = PML4_SLOT(48);
    const uint64_t args[4] = {base, pages, 0, 0};
    proc_t* p = proc_create(user_fault_probe, args);
    if (!p) panic("fault: cannot create a process");
    p->demand_lo = base;
    p->demand_hi = base + pages * SIZE_4K;
    const size_t free_before = g_pages.free_pages;
    sched_config_t config = {SCHED_PCID_OFF, 0, 0, 0, 0};
    sched_stats_t stats;
    sched_run(&config, &stats);
    if (p->report_count != 2 || p->exit_code != 0) panic("fault: the probe process failed");
    kprintf("@exp fault pages=%lu first_touch_cycles=%lu second_touch_cycles=%lu faults=%lu handler_cycles=%lu"
            " pages_taken=%lu\n",
            (unsigned long)pages, (unsigned long)p->reports[0], (unsigned long)p->reports[1], (unsigned long)p->faults,
            (unsigned long)p->fault_cycles, (unsigned long)(free_before - g_pages.free_pages));
    proc_destroy(p);
}

static uint64_t xorshift(uint64_t* s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

// A private buddy allocator over one 4 MiB block: random allocations of
// orders 0-3 and frees, then the state of its free lists.
static void fragmentation(void) {
    const unsigned seed_param = (unsigned)param_in("allocators.frag_seed", 0, 0xffffffffu);
    static uint8_t meta[1u << BUDDY_MAX_ORDER];
    static uint64_t live_addr[FRAG_LIVE];
    static uint8_t live_order[FRAG_LIVE];
    const uint64_t region = page_alloc(BUDDY_MAX_ORDER);
    if (!region) panic("fragmentation: no region");
    buddy_t b;
    buddy_init(&b, region, 1u << BUDDY_MAX_ORDER, meta);
    uint64_t seed = 0x9E3779B97F4A7C15ull * (seed_param + 1);
    unsigned live = 0, failed = 0;
    for (unsigned step = 0; step < FRAG_STEPS; ++step) {
        const uint64_t r = xorshift(&seed);
        if (live < FRAG_LIVE && (live == 0 || r % 100 < 55)) {
            const unsigned order = (unsigned)(r >> 8) % 4;
            const uint64_t a = buddy_alloc(&b, order);
            if (!a) {
                ++failed;
                continue;
            }
            live_addr[live] = a;
            live_order[live++] = (uint8_t)order;
        } else {
            const unsigned i = (unsigned)((r >> 8) % live);
            if (buddy_free(&b, live_addr[i], live_order[i]) != BUDDY_OK) panic("fragmentation: free refused");
            live_addr[i] = live_addr[--live];
            live_order[i] = live_order[live];
        }
    }
    kprintf("@exp frag seed=%u steps=%d live_blocks=%u failed_allocs=%u pages=%d free_pages=%lu largest_order=%d"
            " check=%d\n",
            seed_param, FRAG_STEPS, live, failed, 1 << BUDDY_MAX_ORDER, (unsigned long)b.free_pages,
            buddy_largest_free_order(&b), buddy_check(&b));
    for (unsigned order = 0; order <= BUDDY_MAX_ORDER; ++order) {
        const int fi = buddy_fragmentation_index(&b, order);
        kprintf("@exp fragorder order=%u free_blocks=%lu frag_index=%s%d unusable=%d\n", order,
                (unsigned long)b.free_blocks[order], fi < 0 ? "-" : "", fi < 0 ? -fi : fi,
                buddy_unusable_index(&b, order));
    }
    // Everything back: the region must merge into one block again.
    while (live) {
        --live;
        buddy_free(&b, live_addr[live], live_order[live]);
    }
    kprintf("@exp fragfree largest_order=%d free_pages=%lu check=%d\n", buddy_largest_free_order(&b),
            (unsigned long)b.free_pages, buddy_check(&b));
    page_free(region, BUDDY_MAX_ORDER);
}

void experiment_allocators(void) {
    buddy_costs();
    slab_costs();
    fault_costs();
    fragmentation();
}
