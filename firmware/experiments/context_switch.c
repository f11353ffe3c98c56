// Context-switch cost: N processes (context_switch.procs), each touching P pages of its
// own address space (context_switch.user_pages) and yielding; after every CR3 write the kernel touches
// KERNEL_PAGES pages of its own (shared mapping). Measured: the CR3 write
// itself and the refill from after it to the next trap (translation misses
// of the kernel's exit path, the process's pages and its entry path).
// PCIDs off / on / on with the no-flush hint, kernel pages global or not.
#include "experiments.h"

#define KERNEL_PAGES 16
#define USER_BASE PML4_SLOT(32)

static uint8_t g_kernel_area[KERNEL_PAGES * 4096] __attribute__((aligned(4096)));

static unsigned g_procs_n, g_user_pages, g_measured;

static void run_one(sched_mode_t mode, int global, uint64_t frame) {
    paging_set_kernel_global(global);
    proc_t* procs[MAX_PROCS];
    for (unsigned i = 0; i < g_procs_n; ++i) {
        const uint64_t args[4] = {USER_BASE, g_user_pages, SIZE_4K, 0};
        procs[i] = proc_create(user_touch_yield, args);
        if (!procs[i]) panic("context switch: cannot create process %u", i);
        for (uint64_t p = 0; p < g_user_pages; ++p)
            if (pt_map(procs[i]->root, USER_BASE + p * SIZE_4K, frame, SHIFT_4K, PTE_RW | PTE_US | PTE_A | PTE_D))
                panic("context switch: out of memory");
    }
    sched_config_t config = {mode, 2 * g_procs_n + g_measured, 2 * g_procs_n, KERNEL_PAGES, g_kernel_area};
    sched_stats_t stats;
    sched_run(&config, &stats);
    kprintf("@exp cs mode=%s kernel=%s procs=%u user_pages=%u kernel_pages=%d switches=%lu switch_cycles=%lu",
            sched_mode_name(mode), global ? "global" : "non-global", g_procs_n, g_user_pages, KERNEL_PAGES,
            (unsigned long)stats.switches, (unsigned long)stats.switch_cycles);
    print_counters(&stats.refill);
    kprintf("\n");
    for (unsigned i = 0; i < g_procs_n; ++i) proc_destroy(procs[i]);
}

void experiment_context_switch(void) {
    g_procs_n = (unsigned)param_in("context_switch.procs", 1, MAX_PROCS);
    g_user_pages = (unsigned)param_in("context_switch.user_pages", 1, 512);
    g_measured = (unsigned)param_in("context_switch.switches", 1, 100000);
    const uint64_t frame = page_alloc(0);
    if (!frame) panic("context switch: no frame");
    kmemset((void*)frame, 0, SIZE_4K);
    const sched_mode_t modes[] = {SCHED_PCID_OFF, SCHED_PCID_ON, SCHED_PCID_NOFLUSH};
    for (unsigned m = 0; m < 3; ++m)
        for (int global = 0; global <= 1; ++global) run_one(modes[m], global, frame);
    paging_set_kernel_global(1);
    page_free(frame, 0);
}
