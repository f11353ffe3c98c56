// vmalloc against kmalloc: for sizes from 4 KiB to vmalloc.max_size, the cost
// of allocating, of touching every page (the TLB misses and walks behind it:
// 4 KiB vmalloc pages against the direct map's 2 MiB pages) and of freeing;
// then vfree with a flush on every free against Linux's lazy purging, over
// vmalloc.rounds allocate-touch-free rounds per size.
#include "experiments.h"
#include "../kernel/vmalloc.h"

// Cycles and counters of two passes over `pages` pages (one load per page).
static void touch(uint64_t base, uint64_t pages, counters_t* d) {
    counters_t a, b;
    counters_read(&a);
    sweep(base, pages, pages, SIZE_4K, 0, 2);
    counters_read(&b);
    counters_delta(&a, &b, d);
}

static unsigned order_of(uint64_t pages) {
    unsigned o = 0;
    while ((1ull << o) < pages) ++o;
    return o;
}

static void sizes(uint64_t max_size) {
    for (uint64_t size = SIZE_4K; size <= max_size; size <<= 1) {
        const uint64_t pages = size >> SHIFT_4K;
        const unsigned order = order_of(pages);
        counters_t kt, vt;
        // kmalloc of a large size: a buddy block in the direct map.
        uint64_t c0 = rdcycle();
        const uint64_t k = page_alloc(order);
        const uint64_t kmalloc_cycles = rdcycle() - c0;
        if (!k) oom("kmalloc", size);
        touch(k, pages, &kt);
        c0 = rdcycle();
        page_free(k, order);
        const uint64_t kfree_cycles = rdcycle() - c0;
        // vmalloc: order-0 frames mapped page by page.
        vmalloc_set_lazy(0);
        c0 = rdcycle();
        const uint64_t v = vmalloc(size);
        const uint64_t vmalloc_cycles = rdcycle() - c0;
        if (!v) oom("vmalloc address space", size);
        touch(v, pages, &vt);
        c0 = rdcycle();
        vfree(v);
        const uint64_t vfree_cycles = rdcycle() - c0;
        kprintf("@exp vmalloc size=%lu pages=%lu accesses=%lu kmalloc_cycles=%lu kfree_cycles=%lu"
                " kmalloc_touch_cycles=%lu kmalloc_touch_misses=%lu kmalloc_touch_walks=%lu"
                " vmalloc_cycles=%lu vfree_cycles=%lu vmalloc_touch_cycles=%lu vmalloc_touch_misses=%lu"
                " vmalloc_touch_walks=%lu\n",
                (unsigned long)size, (unsigned long)pages, (unsigned long)(2 * pages), (unsigned long)kmalloc_cycles,
                (unsigned long)kfree_cycles, (unsigned long)kt.cycle, (unsigned long)kt.ev[EV_L1D_MISSES],
                (unsigned long)kt.ev[EV_WALKS], (unsigned long)vmalloc_cycles, (unsigned long)vfree_cycles,
                (unsigned long)vt.cycle, (unsigned long)vt.ev[EV_L1D_MISSES], (unsigned long)vt.ev[EV_WALKS]);
    }
}

// `rounds` times: vmalloc, one pass over the pages, vfree; the lazy run ends
// with a purge so both runs leave no stale entry behind.
static void free_rounds(uint64_t size, uint64_t rounds, uint64_t lazy_max, counters_t* d, vmalloc_stats_t* s) {
    vmalloc_set_lazy(lazy_max);
    const vmalloc_stats_t before = g_vmalloc;
    counters_t a, b;
    counters_read(&a);
    for (uint64_t r = 0; r < rounds; ++r) {
        const uint64_t v = vmalloc(size);
        if (!v) oom("vmalloc address space", size);
        sweep(v, size >> SHIFT_4K, size >> SHIFT_4K, SIZE_4K, 0, 1);
        vfree(v);
    }
    vmalloc_purge();
    counters_read(&b);
    counters_delta(&a, &b, d);
    s->invlpgs = g_vmalloc.invlpgs - before.invlpgs;
    s->full_flushes = g_vmalloc.full_flushes - before.full_flushes;
    s->purges = g_vmalloc.purges - before.purges;
}

void experiment_vmalloc(void) {
    const uint64_t max_size = param_in("vmalloc.max_size", SIZE_4K, 4ull << 20);
    const uint64_t rounds = param_in("vmalloc.rounds", 1, 4096);
    const uint64_t lazy_max = param_in("vmalloc.lazy_max_pages", 1, 1ull << 24);
    sizes(max_size);
    for (uint64_t size = SIZE_4K; size <= max_size; size <<= 1) {
        counters_t eager, lazy;
        vmalloc_stats_t es, ls;
        free_rounds(size, rounds, 0, &eager, &es);
        free_rounds(size, rounds, lazy_max, &lazy, &ls);
        kprintf("@exp vfree size=%lu rounds=%lu lazy_max_pages=%lu eager_cycles=%lu eager_invlpgs=%lu"
                " eager_full_flushes=%lu eager_walks=%lu lazy_cycles=%lu lazy_invlpgs=%lu lazy_full_flushes=%lu"
                " lazy_walks=%lu lazy_purges=%lu\n",
                (unsigned long)size, (unsigned long)rounds, (unsigned long)lazy_max, (unsigned long)eager.cycle,
                (unsigned long)es.invlpgs, (unsigned long)es.full_flushes, (unsigned long)eager.ev[EV_WALKS],
                (unsigned long)lazy.cycle, (unsigned long)ls.invlpgs, (unsigned long)ls.full_flushes,
                (unsigned long)lazy.ev[EV_WALKS], (unsigned long)ls.purges);
    }
    vmalloc_set_lazy(0);
}
