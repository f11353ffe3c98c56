// Reclaim and swap: a process stores along a reference string over a range
// that may hold only `frames` pages; faults page in (zero-filled, or from
// the swap disk) and evict by FIFO, clock with or without a flush after
// clearing A, or the exact-LRU reference (reclaim.h). First Belady's anomaly
// on the classic string with 3 and 4 frames, then a thrashing curve: faults
// per thousand accesses against memory size for a seeded string with
// locality over reclaim.ws_pages pages.
#include "../kernel/reclaim.h"
#include "../kernel/swap.h"
#include "experiments.h"

#define RANGE_BASE PML4_SLOT(44)
#define SEQ_VA PML4_SLOT(45)
#define MAX_ACCESSES 100000u

typedef struct run_result {
    reclaim_stats_t stats;
    uint64_t loop_cycles, swap_cycles;
} run_result_t;

// Runs user_ref_run over `seq` (already in the kernel's buffer at `seq_frames`).
static void run(reclaim_t* r, uint64_t seq_frames, unsigned seq_order, run_result_t* out) {
    const uint64_t args[4] = {RANGE_BASE, SEQ_VA, r->seq_len, 0};
    proc_t* p = proc_create(user_ref_run, args);
    if (!p) panic("reclaim: cannot create a process");
    for (uint64_t i = 0; i < (1ull << seq_order); ++i)
        if (pt_map(p->root, SEQ_VA + (i << SHIFT_4K), seq_frames + (i << SHIFT_4K), SHIFT_4K, PTE_US))
            oom("reference string mapping", SIZE_4K);
    reclaim_begin(r);
    p->reclaim = r;
    const swap_stats_t swap_before = g_swap;
    sched_config_t config = {SCHED_PCID_OFF, 0, 0, 0, 0};
    sched_stats_t stats;
    sched_run(&config, &stats);
    if (p->exit_code || p->report_count != 1) panic("reclaim: the process failed (exit %lu)", (unsigned long)p->exit_code);
    out->stats = r->stats;
    out->loop_cycles = p->reports[0];
    out->swap_cycles = g_swap.cycles - swap_before.cycles;
    proc_destroy(p);
    reclaim_end(r);
}

static uint64_t xorshift(uint64_t* s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void belady(uint64_t seq_frames) {
    static const uint16_t classic[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
    uint16_t* seq = (uint16_t*)seq_frames;
    for (unsigned i = 0; i < 12; ++i) seq[i] = classic[i];
    const reclaim_policy_t policies[] = {POLICY_FIFO, POLICY_LRU, POLICY_CLOCK};
    for (unsigned k = 0; k < 3; ++k)
        for (uint64_t frames = 3; frames <= 4; ++frames) {
            reclaim_t r;
            kmemset(&r, 0, sizeof r);
            r.policy = policies[k];
            r.clear_flush = 1;
            r.base = RANGE_BASE;
            r.pages = 6;
            r.frames = frames;
            r.low = r.high = 1;  // evict one page when full: the textbook setting
            r.seq = seq;
            r.seq_len = 12;
            run_result_t out;
            run(&r, seq_frames, 0, &out);
            kprintf("@exp belady policy=%s frames=%lu accesses=12 faults=%lu evictions=%lu\n",
                    reclaim_policy_name(&r), (unsigned long)frames, (unsigned long)out.stats.faults,
                    (unsigned long)out.stats.evictions);
        }
}

void experiment_reclaim(void) {
    const uint64_t ws = param_in("reclaim.ws_pages", 8, 4096);
    const uint64_t accesses = param_in("reclaim.accesses", 100, MAX_ACCESSES);
    const uint64_t hot_percent = param_in("reclaim.hot_percent", 0, 100);
    const uint64_t seed = param_in("reclaim.seed", 0, 0xffffffffu);
    const uint64_t low = param_in("reclaim.low_pages", 1, 1024);
    const uint64_t high = param_in("reclaim.high_pages", 1, 1024);
    unsigned seq_order = 0;
    while ((SIZE_4K << seq_order) < accesses * 2) ++seq_order;
    const uint64_t seq_frames = page_alloc(seq_order);
    if (!seq_frames) oom("reference string", accesses * 2);
    belady(seq_frames);

    // Locality: hot_percent of the accesses go to the first fifth of the pages.
    uint16_t* seq = (uint16_t*)seq_frames;
    uint64_t s = 0x9E3779B97F4A7C15ull * (seed + 1);
    const uint64_t hot = ws / 5 ? ws / 5 : 1;
    for (uint64_t i = 0; i < accesses; ++i) {
        const uint64_t x = xorshift(&s);
        seq[i] = (uint16_t)((x % 100) < hot_percent ? (x >> 8) % hot : (x >> 8) % ws);
    }
    static const unsigned eighths[] = {2, 3, 4, 5, 6, 8, 9, 0};
    const reclaim_policy_t policies[] = {POLICY_FIFO, POLICY_CLOCK, POLICY_CLOCK, POLICY_LRU};
    for (const unsigned* k = eighths; *k; ++k) {
        const uint64_t frames = ws * *k / 8;
        if (frames <= high) continue;
        for (unsigned q = 0; q < 4; ++q) {
            reclaim_t r;
            kmemset(&r, 0, sizeof r);
            r.policy = policies[q];
            r.clear_flush = q != 2;
            r.base = RANGE_BASE;
            r.pages = ws;
            r.frames = frames;
            r.low = low;
            r.high = high;
            r.seq = seq;
            r.seq_len = accesses;
            run_result_t out;
            run(&r, seq_frames, seq_order, &out);
            const reclaim_stats_t* st = &out.stats;
            kprintf("@exp thrash policy=%s ws_pages=%lu frames=%lu accesses=%lu low=%lu high=%lu faults=%lu"
                    " zero_fills=%lu swap_ins=%lu evictions=%lu swap_outs=%lu a_clears=%lu a_flushes=%lu wasted=%lu"
                    " loop_cycles=%lu swap_cycles=%lu reclaim_cycles=%lu fault_cycles=%lu\n",
                    reclaim_policy_name(&r), (unsigned long)ws, (unsigned long)frames, (unsigned long)accesses,
                    (unsigned long)low, (unsigned long)high, (unsigned long)st->faults, (unsigned long)st->zero_fills,
                    (unsigned long)st->swap_ins, (unsigned long)st->evictions, (unsigned long)st->swap_outs,
                    (unsigned long)st->a_clears, (unsigned long)st->a_flushes, (unsigned long)st->wasted,
                    (unsigned long)out.loop_cycles, (unsigned long)out.swap_cycles,
                    (unsigned long)st->reclaim_cycles, (unsigned long)st->fault_cycles);
        }
    }
    page_free(seq_frames, seq_order);
}
