// fork with copy-on-write: a process touches N pages, forks, the parent exits
// and the child writes fork.write_percent of the pages: each write takes a
// COW fault that copies the frame, remaps it writable and INVLPGs the page.
// Then a shared segment mapped at different addresses in two processes
// (two PCIDs, no-flush switches) is write-protected for write tracking, once
// flushing both PCIDs and once only the current one.
#include "../kernel/cow.h"
#include "experiments.h"

#define FORK_BASE PML4_SLOT(52)
#define SHM_VA_A PML4_SLOT(60)
#define SHM_VA_B (PML4_SLOT(61) + 5 * SIZE_4K)

static const uint64_t g_fork_pages[] = {16, 64, 256, 1024, 4096, 0};

static void fork_one(uint64_t pages, uint64_t write_percent) {
    const uint64_t writes = pages * write_percent / 100;
    const uint64_t args[4] = {FORK_BASE, pages, writes, 0};
    const size_t free_before = g_pages.free_pages;
    proc_t* parent = proc_create(user_fork_bench, args);
    if (!parent) panic("fork: cannot create a process");
    parent->demand_lo = FORK_BASE;
    parent->demand_hi = FORK_BASE + pages * SIZE_4K;
    const cow_stats_t before = g_cow;
    sched_config_t config = {SCHED_PCID_OFF, 0, 0, 0, 0};
    sched_stats_t stats;
    sched_run(&config, &stats);
    proc_t* child = 0;
    for (int pid = 1; pid <= MAX_PROCS; ++pid) {
        proc_t* q = proc_by_pid(pid);
        if (q && q != parent && q->state == PROC_EXITED) child = q;
    }
    if (!child || parent->report_count != 1 || child->report_count != 2 || parent->exit_code || child->exit_code)
        panic("fork: the processes failed");
    kprintf("@exp fork pages=%lu writes=%lu fork_cycles=%lu fork_syscall_cycles=%lu pages_shared=%lu"
            " tables_created=%lu cow_copies=%lu cow_reuses=%lu cow_fault_cycles=%lu first_write_cycles=%lu"
            " second_write_cycles=%lu demand_faults=%lu child_faults=%lu",
            (unsigned long)pages, (unsigned long)writes, (unsigned long)(g_cow.fork_cycles - before.fork_cycles),
            (unsigned long)parent->reports[0], (unsigned long)(g_cow.pages_shared - before.pages_shared),
            (unsigned long)(g_cow.tables_created - before.tables_created),
            (unsigned long)(g_cow.copies - before.copies), (unsigned long)(g_cow.reuses - before.reuses),
            (unsigned long)(g_cow.fault_cycles - before.fault_cycles), (unsigned long)child->reports[0],
            (unsigned long)child->reports[1], (unsigned long)parent->faults, (unsigned long)child->faults);
    proc_destroy(child);
    proc_destroy(parent);
    kprintf(" leaked_pages=%ld\n", (long)(free_before - g_pages.free_pages));
}

static void shared_segment(uint64_t pages, int flush_other) {
    const uint64_t frames = page_alloc(4);  // 16 pages at most
    if (!frames) oom("shared segment", 16 * SIZE_4K);
    kmemset((void*)frames, 0, 16 * SIZE_4K);
    kmemset(&g_shm, 0, sizeof g_shm);
    g_shm.base = frames;
    g_shm.pages = pages;
    g_shm.flush_other = flush_other;
    const uint64_t a_args[4] = {SHM_VA_A, pages, 1, 0}, b_args[4] = {SHM_VA_B, pages, 0, 0};
    g_shm.procs[0] = proc_create(user_shm_bench, a_args);
    g_shm.procs[1] = proc_create(user_shm_bench, b_args);
    if (!g_shm.procs[0] || !g_shm.procs[1]) panic("shm: cannot create the processes");
    g_shm.va[0] = SHM_VA_A;
    g_shm.va[1] = SHM_VA_B;
    shm_attach();
    sched_config_t config = {SCHED_PCID_NOFLUSH, 0, 0, 0, 0};
    sched_stats_t stats;
    sched_run(&config, &stats);
    proc_t* a = g_shm.procs[0];
    proc_t* b = g_shm.procs[1];
    if (a->report_count != 1 || b->report_count != 1 || a->exit_code || b->exit_code) panic("shm: the processes failed");
    // The last stores were B's (value = pages left): the frames are shared.
    const uint64_t seen = *(volatile uint64_t*)(frames + 8);
    kprintf("@exp shm pages=%lu flush=%s pcid_a=%u pcid_b=%u va_a=%lu va_b=%lu tracked_a=%lu tracked_b=%lu"
            " invlpgs=%lu invpcids=%lu protect_cycles=%lu write_a_cycles=%lu write_b_cycles=%lu shared_ok=%d\n",
            (unsigned long)pages, flush_other ? "both-pcids" : "current-pcid", a->pcid, b->pcid,
            (unsigned long)SHM_VA_A, (unsigned long)SHM_VA_B, (unsigned long)g_shm.tracked[0],
            (unsigned long)g_shm.tracked[1], (unsigned long)g_shm.invlpgs, (unsigned long)g_shm.invpcids,
            (unsigned long)g_shm.protect_cycles, (unsigned long)a->reports[0], (unsigned long)b->reports[0],
            seen == pages);
    proc_destroy(a);
    proc_destroy(b);
    page_free(frames, 4);
}

void experiment_fork(void) {
    const uint64_t max_pages = param_in("fork.max_pages", 16, 4096);
    const uint64_t write_percent = param_in("fork.write_percent", 0, 100);
    const uint64_t shm_pages = param_in("fork.shm_pages", 1, 16);
    cow_init();
    for (const uint64_t* n = g_fork_pages; *n && *n <= max_pages; ++n) fork_one(*n, write_percent);
    shared_segment(shm_pages, 1);
    shared_segment(shm_pages, 0);
}
