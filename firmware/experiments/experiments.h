// The experiment programs of the firmware. Each prints machine-readable
// result lines, one measurement per line:
//
//   @exp KIND key=value key=value ...
//
// (values are unsigned integers or single words; docs/experiments.md lists
// every kind and key). The host (`tlmmu experiments`) turns them into tables,
// JSON and plots; the firmware prints raw counter sums and leaves the
// division to the host (no floating point in the guest).
#pragma once

#include "../kernel/kernel.h"
#include "../kernel/paging.h"
#include "../kernel/params.h"
#include "../kernel/proc.h"
#include "../kernel/slab.h"

// The measurement loop (sweep.S): `passes` times, one load at offset 64 of
// `n` pages; addresses run base, base+s1, ... and after every `k` pages start
// a new row at the previous row + s2.
void sweep(uint64_t base, uint64_t n, uint64_t k, uint64_t s1, uint64_t s2, uint64_t passes);
// The same loop with the load replaced by a nop: instruction fetch only.
void sweep_fetch_only(uint64_t base, uint64_t n, uint64_t k, uint64_t s1, uint64_t s2, uint64_t passes);

// User programs (user.S, in the user-accessible text pages).
void user_touch_yield(void);  // a0 = base, a1 = pages, a2 = stride: touch all, yield, forever
void user_fault_probe(void);  // a0 = base, a1 = pages: time first and second touch, report both, exit
void user_fork_bench(void);   // a0 = base, a1 = pages, a2 = pages the child writes after fork
void user_ref_run(void);      // a0 = base, a1 = uint16 reference string, a2 = its length: store along it
void user_shm_bench(void);    // a0 = base, a1 = pages, a2 = 1: write-protect the shared segment between passes

// Prints " cycles=.. instret=.. l1i_hits=.. ... xlat_cycles=.." (no newline).
void print_counters(const counters_t* c);

void experiment_working_set(void);
void experiment_footprint(void);
void experiment_context_switch(void);
void experiment_range_flush(void);
void experiment_allocators(void);
void experiment_vmalloc(void);
void experiment_malloc(void);
void experiment_fork(void);
void experiment_reclaim(void);
void experiment_shootdowns(void);
