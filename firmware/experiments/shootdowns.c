// TLB shootdowns on several CPUs (docs/experiments.md, "Shootdowns").
// CPU 0 changes page-table entries of an address space (mm) that worker
// threads on CPUs 1..k-1 use, and flushes through tlb.c: IPIs to the CPUs
// of the mm's mask, or INVLPGB + TLBSYNC on the mm's global PCID. Timed in
// the guest: the initiator's cycles for change + flush, and each receiver's
// stolen time (gaps in a loop that reads the cycle counter back to back).
// The workers run at CPL0 on the mm's tables, as kernel threads using an
// mm would. Then: lazy TLB on and off, and an munmap storm from T threads.
#include "experiments.h"
#include "../kernel/tlb.h"

#define REGION_PAGES 512
#define BASE PML4_SLOT(48)
#define STORM_BASE PML4_SLOT(49)
#define STORM_STRIDE (2ull << 20)  // one page table per thread
#define GAP_CYCLES 200             // a loop iteration longer than this was interrupted
#define MECH_IPI 1
#define MECH_INVLPGB 2

static const unsigned g_cpu_counts[] = {1, 2, 4, 8, 16, 0};
static const unsigned g_page_counts[] = {1, 8, 32, 33, 64, 512, 0};

static uint64_t g_frame;
static unsigned g_max_cpus, g_reps;

// What the initiator tells the workers for one round.
static struct {
    mm_t* mm;
    volatile uint64_t round, stop, quit;
    uint64_t first_round;  // the round counter when the workers were started
    volatile uint64_t ready, done;
    uint64_t touch_pages;
    uint64_t lazy_mask;  // workers that switch to a kernel thread for the round
} g_ctl;

// Per worker, per round.
static struct {
    uint64_t stolen;
} g_worker[SMP_MAX_CPUS];

static void touch(uint64_t base, uint64_t pages) {
    for (uint64_t i = 0; i < pages; ++i) (void)*(volatile const uint64_t*)(base + (i << SHIFT_4K) + 64);
}

// Maps `pages` pages from `base` (2 MiB aligned, at most 512: one page table)
// and returns their PTEs.
static uint64_t* map_region(mm_t* mm, uint64_t base, uint64_t pages) {
    for (uint64_t i = 0; i < pages; ++i)
        if (pt_map(mm->root, base + (i << SHIFT_4K), g_frame, SHIFT_4K, PTE_RW | PTE_A | PTE_D))
            oom("shootdown region tables", SIZE_4K);
    return pt_leaf(mm->root, base, 0);
}

static uint64_t* g_region_ptes;  // the region's PTEs: consecutive in one page table

// mprotect of the first `pages` pages: R/W toggled under the mm's lock.
static void mprotect_change(mm_t* mm, uint64_t pages) {
    spin_lock(&mm->lock);
    for (uint64_t i = 0; i < pages; ++i) g_region_ptes[i] ^= PTE_RW;
    spin_unlock(&mm->lock);
}

static void worker(void* arg) {
    (void)arg;
    percpu_t* c = this_cpu();
    uint64_t seen = g_ctl.first_round;
    for (;;) {
        uint64_t round;
        while ((round = atomic_load(&g_ctl.round)) == seen) {
        }
        seen = round;
        if (g_ctl.quit) break;
        const int lazy = (int)(g_ctl.lazy_mask >> c->id & 1);
        touch(BASE, g_ctl.touch_pages);
        if (lazy) enter_lazy();  // as if the scheduler ran a kernel thread now
        // The clock is read before saying ready: an IPI that comes at once still shows as a gap.
        uint64_t stolen = 0, last = rdcycle();
        atomic_add(&g_ctl.ready, 1);
        while (atomic_load(&g_ctl.stop) != round) {
            const uint64_t now = rdcycle();
            if (now - last > GAP_CYCLES) stolen += now - last;
            last = now;
        }
        const uint64_t end = rdcycle();  // an interrupt just before the stop was seen
        if (end - last > GAP_CYCLES) stolen += end - last;
        if (lazy) switch_mm(g_ctl.mm);  // back to the mm: flushes if tlb_gen moved on
        g_worker[c->id].stolen = stolen;
        atomic_add(&g_ctl.done, 1);
    }
    switch_to_kernel();
}

static void start_workers(mm_t* mm, unsigned cpus) {
    g_ctl.mm = mm;
    g_ctl.quit = 0;
    g_ctl.first_round = atomic_load(&g_ctl.round);
    for (unsigned cpu = 1; cpu < cpus; ++cpu) smp_queue(cpu, worker, 0, mm);
}

static void stop_workers(unsigned cpus) {
    g_ctl.quit = 1;
    atomic_add(&g_ctl.round, 1);
    for (unsigned cpu = 1; cpu < cpus; ++cpu) smp_wait_idle(cpu);
}

static void stats_sum(unsigned from, unsigned to, uint64_t mask, tlb_stats_t* sum) {
    kmemset(sum, 0, sizeof *sum);
    for (unsigned cpu = from; cpu < to; ++cpu) {
        if (!(mask >> cpu & 1)) continue;
        const uint64_t* s = (const uint64_t*)&g_percpu[cpu].stats;
        uint64_t* d = (uint64_t*)sum;
        for (unsigned i = 0; i < sizeof *sum / sizeof(uint64_t); ++i) d[i] += s[i];
    }
}

static void stats_reset(void) {
    for (unsigned cpu = 0; cpu < g_smp_cpus; ++cpu) kmemset(&g_percpu[cpu].stats, 0, sizeof(tlb_stats_t));
}

// One round: workers touch `touch_pages`, CPU 0 changes `pages` and flushes.
// Returns the initiator's cycles of the flush (the shootdown); the workers'
// stolen time is in g_worker.
static uint64_t round_trip(mm_t* mm, unsigned cpus, uint64_t pages, uint64_t touch_pages) {
    g_ctl.touch_pages = touch_pages;
    atomic_store(&g_ctl.ready, 0);
    atomic_store(&g_ctl.done, 0);
    const uint64_t round = atomic_add(&g_ctl.round, 1);
    touch(BASE, touch_pages);
    while (atomic_load(&g_ctl.ready) < cpus - 1) {
    }
    mprotect_change(mm, pages);
    const uint64_t t0 = rdcycle();
    flush_tlb_mm_range(mm, BASE, pages, 0);
    const uint64_t cycles = rdcycle() - t0;
    atomic_store(&g_ctl.stop, round);
    while (atomic_load(&g_ctl.done) < cpus - 1) {
    }
    return cycles;
}

static const char* mech_name(int mech) { return mech == MECH_IPI ? "ipi" : "invlpgb"; }

static void latency_sweep(int mech, unsigned cpus, uint64_t max_pages) {
    mm_t* mm = mm_create(mech == MECH_INVLPGB);
    g_region_ptes = map_region(mm, BASE, REGION_PAGES);
    switch_mm(mm);
    g_ctl.lazy_mask = 0;
    start_workers(mm, cpus);
    for (const unsigned* n = g_page_counts; *n && *n <= max_pages; ++n) {
        round_trip(mm, cpus, *n, *n);  // warm-up: code, stacks and tables cached everywhere
        stats_reset();
        uint64_t cycles = 0, stolen = 0, stolen_max = 0;
        for (unsigned r = 0; r < g_reps; ++r) {
            cycles += round_trip(mm, cpus, *n, *n);
            for (unsigned cpu = 1; cpu < cpus; ++cpu) {
                stolen += g_worker[cpu].stolen;
                if (g_worker[cpu].stolen > stolen_max) stolen_max = g_worker[cpu].stolen;
            }
        }
        tlb_stats_t init, recv;
        stats_sum(0, 1, 1, &init);
        stats_sum(1, cpus, ~0ull, &recv);
        kprintf("@exp shootdown mech=%s cpus=%u pages=%u reps=%u ceiling=%lu initiator_cycles=%lu stolen_cycles=%lu"
                " stolen_max=%lu ipis_sent=%lu ipis_received=%lu handler_cycles=%lu ack_wait_cycles=%lu"
                " local_partial=%lu local_full=%lu remote_partial=%lu remote_full=%lu remote_skipped=%lu"
                " invlpgs=%lu invlpgb=%lu tlbsync=%lu\n",
                mech_name(mech), cpus, *n, g_reps, (unsigned long)g_tlb_policy.ceiling, (unsigned long)cycles,
                (unsigned long)stolen, (unsigned long)stolen_max, (unsigned long)init.ipis_sent,
                (unsigned long)recv.ipis_received, (unsigned long)recv.ipi_handler_cycles,
                (unsigned long)init.ack_wait_cycles, (unsigned long)init.flush_partial, (unsigned long)init.flush_full,
                (unsigned long)recv.flush_partial, (unsigned long)recv.flush_full, (unsigned long)recv.flush_skipped,
                (unsigned long)(init.invlpgs + recv.invlpgs), (unsigned long)init.invlpgb, (unsigned long)init.tlbsync);
    }
    stop_workers(cpus);
    switch_to_kernel();
    mm_destroy(mm);
}

// Lazy TLB: of `cpus` CPUs, the last `lazy` receivers run a kernel thread
// while CPU 0 flushes `pages` pages; then they switch back to the mm.
static void lazy_compare(unsigned cpus, unsigned lazy, uint64_t pages) {
    const int saved = g_tlb_policy.lazy;
    for (int mode = 1; mode >= 0; --mode) {
        g_tlb_policy.lazy = mode;
        mm_t* mm = mm_create(0);
        g_region_ptes = map_region(mm, BASE, REGION_PAGES);
        switch_mm(mm);
        uint64_t lazy_mask = 0;
        for (unsigned i = 0; i < lazy; ++i) lazy_mask |= 1ull << (cpus - 1 - i);
        g_ctl.lazy_mask = lazy_mask;
        start_workers(mm, cpus);
        round_trip(mm, cpus, pages, pages);
        stats_reset();
        uint64_t cycles = 0, stolen_active = 0, stolen_lazy = 0;
        for (unsigned r = 0; r < g_reps; ++r) {
            cycles += round_trip(mm, cpus, pages, pages);
            for (unsigned cpu = 1; cpu < cpus; ++cpu) {
                if (lazy_mask >> cpu & 1) stolen_lazy += g_worker[cpu].stolen;
                else stolen_active += g_worker[cpu].stolen;
            }
        }
        tlb_stats_t init, active, lazies;
        stats_sum(0, 1, 1, &init);
        stats_sum(1, cpus, ~lazy_mask, &active);
        stats_sum(1, cpus, lazy_mask, &lazies);
        kprintf("@exp lazy lazy=%s cpus=%u lazy_cpus=%u pages=%lu reps=%u initiator_cycles=%lu ipis_sent=%lu"
                " lazy_skipped=%lu active_stolen=%lu lazy_stolen=%lu active_ipis=%lu lazy_ipis=%lu"
                " lazy_switch_flushes=%lu lazy_remote_flushes=%lu\n",
                mode ? "on" : "off", cpus, lazy, (unsigned long)pages, g_reps, (unsigned long)cycles,
                (unsigned long)init.ipis_sent, (unsigned long)init.lazy_skipped, (unsigned long)stolen_active,
                (unsigned long)stolen_lazy, (unsigned long)active.ipis_received, (unsigned long)lazies.ipis_received,
                (unsigned long)lazies.switch_flushes,
                (unsigned long)(lazies.flush_partial + lazies.flush_full));
        g_ctl.lazy_mask = 0;
        stop_workers(cpus);
        switch_to_kernel();
        mm_destroy(mm);
    }
    g_tlb_policy.lazy = saved;
}

// The munmap storm: every thread maps `pages` pages of its own, touches
// them and unmaps them, `ops` times; each unmap shoots down the others.
static struct {
    mm_t* mm;
    uint64_t ops, pages;
    uint64_t threads;
    volatile uint64_t arrived, finished;
    uint64_t* ptes[SMP_MAX_CPUS];  // each thread's PTEs: consecutive in one page table
    uint64_t cycles[SMP_MAX_CPUS];
} g_storm;

static void storm_thread(void* arg) {
    (void)arg;
    percpu_t* c = this_cpu();
    mm_t* mm = g_storm.mm;
    const uint64_t base = STORM_BASE + c->id * STORM_STRIDE;
    uint64_t* const ptes = g_storm.ptes[c->id];
    // Start together, once every thread is in the mm's mask.
    atomic_add(&g_storm.arrived, 1);
    while (atomic_load(&g_storm.arrived) < g_storm.threads) {
    }
    const uint64_t t0 = rdcycle();
    for (uint64_t op = 0; op < g_storm.ops; ++op) {
        spin_lock(&mm->lock);  // mmap: the tables exist already, only leaves are written
        for (uint64_t i = 0; i < g_storm.pages; ++i) ptes[i] = g_frame | PTE_P | PTE_RW | PTE_A | PTE_D;
        spin_unlock(&mm->lock);
        for (uint64_t i = 0; i < g_storm.pages; ++i) *(volatile uint64_t*)(base + (i << SHIFT_4K) + 8 * c->id) = op;
        spin_lock(&mm->lock);  // munmap: clear, then flush before the frames could be reused
        for (uint64_t i = 0; i < g_storm.pages; ++i) ptes[i] = 0;
        spin_unlock(&mm->lock);
        flush_tlb_mm_range(mm, base, g_storm.pages, 0);
    }
    g_storm.cycles[c->id] = rdcycle() - t0;
    atomic_add(&g_storm.finished, 1);
    // Stay in the mm (interrupts on) until every thread is done: the others still shoot down here.
    while (atomic_load(&g_storm.finished) < g_storm.threads) {
    }
    switch_to_kernel();
}

static void munmap_storm(int mech, unsigned threads, uint64_t ops, uint64_t pages) {
    mm_t* mm = mm_create(mech == MECH_INVLPGB);
    for (unsigned t = 0; t < threads; ++t) {
        const uint64_t base = STORM_BASE + t * STORM_STRIDE;
        g_storm.ptes[t] = map_region(mm, base, pages);  // the tables; the storm writes leaves only
        for (uint64_t i = 0; i < pages; ++i) g_storm.ptes[t][i] = 0;
    }
    g_storm.mm = mm;
    g_storm.ops = ops;
    g_storm.pages = pages;
    g_storm.threads = threads;
    g_storm.arrived = 0;
    g_storm.finished = 0;
    stats_reset();
    for (unsigned cpu = 1; cpu < threads; ++cpu) smp_queue(cpu, storm_thread, 0, mm);
    switch_mm(mm);
    storm_thread(0);
    for (unsigned cpu = 1; cpu < threads; ++cpu) smp_wait_idle(cpu);
    uint64_t slowest = 0;
    for (unsigned t = 0; t < threads; ++t)
        if (g_storm.cycles[t] > slowest) slowest = g_storm.cycles[t];
    tlb_stats_t all;
    stats_sum(0, threads, ~0ull, &all);
    kprintf("@exp storm mech=%s threads=%u ops=%lu pages=%lu cycles=%lu ipis_sent=%lu ipis_received=%lu"
            " handler_cycles=%lu ack_wait_cycles=%lu invlpgb=%lu remote_skipped=%lu\n",
            mech_name(mech), threads, (unsigned long)ops, (unsigned long)pages, (unsigned long)slowest,
            (unsigned long)all.ipis_sent, (unsigned long)all.ipis_received, (unsigned long)all.ipi_handler_cycles,
            (unsigned long)all.ack_wait_cycles, (unsigned long)all.invlpgb, (unsigned long)all.flush_skipped);
    mm_destroy(mm);
}

void experiment_shootdowns(void) {
    g_max_cpus = (unsigned)param_in("shootdowns.max_cpus", 1, SMP_MAX_CPUS);
    const uint64_t max_pages = param_in("shootdowns.max_pages", 1, REGION_PAGES);
    g_reps = (unsigned)param_in("shootdowns.reps", 1, 64);
    const uint64_t mechs = param_in("shootdowns.mechanisms", 1, 3);
    const unsigned lazy_cpus = (unsigned)param_in("shootdowns.lazy_cpus", 0, SMP_MAX_CPUS - 1);
    const uint64_t storm_ops = param_in("shootdowns.storm_ops", 1, 4096);
    const uint64_t storm_pages = param_in("shootdowns.storm_pages", 1, REGION_PAGES);
    g_tlb_policy.ceiling = param_in("shootdowns.ceiling", 0, REGION_PAGES);
    // CPUID, as the host's platform configuration has it (Fn8000_0008_EBX[3], EDX[15:0] + 1).
    g_tlb_policy.invlpgb_pages = param_in("cpuid.invlpgb_pages", 1, 65536);
    uint64_t mechs_run = mechs;
    if (!param_in("cpuid.invlpgb", 0, 1)) {
        mechs_run &= ~(uint64_t)MECH_INVLPGB;
        kprintf("shootdowns: the CPU has no INVLPGB (smp.invlpgb = off): IPIs only\n");
    }
    g_tlb_policy.lazy = 1;
    g_frame = page_alloc(0);
    if (!g_frame) oom("shootdown frame", SIZE_4K);
    smp_boot();
    const unsigned cpus_max = g_smp_cpus < g_max_cpus ? g_smp_cpus : g_max_cpus;
    kprintf("@exp smp cpus=%u\n", g_smp_cpus);
    for (int mech = MECH_IPI; mech <= MECH_INVLPGB; ++mech) {
        if (!(mechs_run & (uint64_t)mech)) continue;
        for (const unsigned* k = g_cpu_counts; *k && *k <= cpus_max; ++k) latency_sweep(mech, *k, max_pages);
    }
    if (mechs_run & MECH_IPI) {
        const unsigned cpus = cpus_max;
        const unsigned lazy = lazy_cpus < cpus ? lazy_cpus : (cpus ? cpus - 1 : 0);
        lazy_compare(cpus, lazy, 8);
    }
    for (int mech = MECH_IPI; mech <= MECH_INVLPGB; ++mech) {
        if (!(mechs_run & (uint64_t)mech)) continue;
        for (const unsigned* k = g_cpu_counts; *k && *k <= cpus_max; ++k) munmap_storm(mech, *k, storm_ops, storm_pages);
    }
    smp_park_boot_cpu();
    page_free(g_frame, 0);
}
