// The experiment suite: boots the kernel, runs the experiments the parameter
// block selects (run.NAME = 1, in the order below) and ends with
// "@done status=ok" and exit code 0 through tohost.
#include "experiments.h"

void kernel_init(void);

void print_counters(const counters_t* c) {
    static const char* const names[EV_COUNT] = {"l1i_hits",   "l1i_misses", "l1d_hits",  "l1d_misses", "l2_hits",
                                                "l2_misses",  "walks",      "walk_refs", "psc_hits",   "page_faults",
                                                "flushes",    "dropped",    "xlat_cycles"};
    kprintf(" cycles=%lu instret=%lu", (unsigned long)c->cycle, (unsigned long)c->instret);
    for (int i = 0; i < EV_COUNT; ++i) kprintf(" %s=%lu", names[i], (unsigned long)c->ev[i]);
}

int kernel_main(void) {
    kernel_init();
    params_init();
    kprintf("tlmmu firmware: %lu MiB RAM, %lu pages free for the buddy allocator, %u-level paging on\n",
            (unsigned long)(g_ram_bytes >> 20), (unsigned long)g_pages.free_pages, g_paging_levels);
    kprintf("@info ram_bytes=%lu free_pages=%lu levels=%u\n", (unsigned long)g_ram_bytes,
            (unsigned long)g_pages.free_pages, g_paging_levels);
    const uint64_t start = rdcycle();
    static const struct {
        const char* name;
        void (*run)(void);
    } experiments[] = {{"working_set", experiment_working_set},
                       {"footprint", experiment_footprint},
                       {"context_switch", experiment_context_switch},
                       {"range_flush", experiment_range_flush},
                       {"allocators", experiment_allocators},
                       {"vmalloc", experiment_vmalloc},
                       {"malloc", experiment_malloc},
                       {"fork", experiment_fork},
                       {"reclaim", experiment_reclaim},
                       {"shootdowns", experiment_shootdowns}};
    for (unsigned i = 0; i < sizeof experiments / sizeof experiments[0]; ++i) {
        char key[PARAMS_KEY_BYTES] = "run.";
        for (unsigned k = 0; experiments[i].name[k] && k + 5 < sizeof key; ++k) key[4 + k] = experiments[i].name[k];
        if (!param_in(key, 0, 1)) continue;
        const uint64_t c0 = rdcycle(), i0 = rdinstret();
        experiments[i].run();
        kprintf("@exp phase name=%s cycles=%lu instret=%lu\n", experiments[i].name, (unsigned long)(rdcycle() - c0),
                (unsigned long)(rdinstret() - i0));
    }
    kprintf("@done status=ok cycles=%lu instret=%lu\n", (unsigned long)(rdcycle() - start),
            (unsigned long)rdinstret());
    return 0;
}
