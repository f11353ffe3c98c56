// Processes: each has its own page tables (root entry 0, the kernel's direct
// map, is shared with the kernel's tables) and its own PCID; a round-robin
// scheduler switches CR3 on every yield, with PCIDs off, on, or on with the
// no-flush hint (bit 63) once a PCID holds its process's translations.
#pragma once

#include "kernel.h"

#define MAX_PROCS 8
// PTE bit 9 (ignored by the MMU): the frame belongs to the process and is
// freed with it (demand-paged memory).
#define PTE_OWNED (1ull << 9)

typedef enum { SCHED_PCID_OFF, SCHED_PCID_ON, SCHED_PCID_NOFLUSH } sched_mode_t;
const char* sched_mode_name(sched_mode_t mode);

typedef enum { PROC_FREE, PROC_RUNNABLE, PROC_EXITED } proc_state_t;

typedef struct proc {
    int pid;
    proc_state_t state;
    uint64_t root;
    uint16_t pcid;          // 1..MAX_PROCS when PCIDs are on
    int pcid_primed;        // the PCID holds this process's translations
    trap_frame_t frame;
    uint64_t demand_lo, demand_hi;  // user range paged in on first touch
    // The heap (brk) and the anonymous mappings (mmap), paged in on first touch too.
    uint64_t heap_start, brk;
    uint64_t mmap_next;
    struct { uint64_t start, pages; } maps[32];
    unsigned map_count;
    uint64_t brk_calls, mmap_calls, munmap_calls, trims, pages_unmapped;
    struct reclaim* reclaim;        // a range under page reclaim (reclaim.h), or NULL
    uint64_t faults, fault_cycles;
    uint64_t reports[16];
    uint64_t report_faults[16];  // p->faults when each report was made
    unsigned report_count;
    uint64_t exit_code;
} proc_t;

// What the scheduler measures across switches (docs/experiments.md).
typedef struct sched_stats {
    uint64_t switches;          // measured switches
    uint64_t switch_cycles;     // the CR3 writes alone
    counters_t refill;          // from after the CR3 write to the next trap, summed
} sched_stats_t;

typedef struct sched_config {
    sched_mode_t mode;
    uint64_t switch_limit;      // stop after this many switches (0 = run until all exit)
    uint64_t warmup_switches;   // not measured
    unsigned kernel_pages;      // kernel pages the kernel touches after each switch
    const uint8_t* kernel_area; // where those pages are
} sched_config_t;

// A process that starts at `entry` (a user-text address) in user mode with
// a0..a3 = args. Its root shares entry 0 (the kernel mapping); the caller
// maps its user pages in other root entries, all freed by proc_destroy.
proc_t* proc_create(void (*entry)(void), const uint64_t args[4]);
void proc_destroy(proc_t* p);
proc_t* proc_current(void);
// The process with this pid (1..MAX_PROCS) in any state but free, or NULL.
proc_t* proc_by_pid(int pid);

// Runs the runnable processes until all have exited or the switch limit is
// reached; returns with the kernel's page tables (PCID 0) loaded.
void sched_run(const sched_config_t* config, sched_stats_t* stats);
// Called by the trap handler on a yield or exit system call.
void sched_yield(trap_frame_t* frame);
void sched_exit(trap_frame_t* frame, uint64_t code);

// Demand paging: resolves a user page fault inside the process's demand
// range, heap or an anonymous mapping with a zeroed page from the buddy
// allocator. 0 when resolved.
int fault_handle(proc_t* p, uint64_t address, uint64_t error_code);

// Process memory (mm.c): the heap at `heap_start` and anonymous mappings
// from `mmap_base`, both in root entries of their own.
void mm_init(proc_t* p, uint64_t heap_start, uint64_t mmap_base);
uint64_t sys_brk(proc_t* p, uint64_t new_brk);
uint64_t sys_mmap(proc_t* p, uint64_t length);
uint64_t sys_munmap(proc_t* p, uint64_t address, uint64_t length);
// Unmaps [start, start + pages pages): owned frames back to the buddy
// allocator, then flush_kernel_range's rule (INVLPG up to 33 pages, else a
// CR3 reload of the current PCID).
void mm_unmap_range(proc_t* p, uint64_t start, uint64_t pages);
// True if `address` lies in the heap or a mapping of `p`.
int mm_contains(const proc_t* p, uint64_t address);
