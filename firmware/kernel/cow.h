// fork with copy-on-write and shared frames: a reference count per frame,
// the fork that shares every owned page of the parent read-only, and the
// write fault that copies (or, for the last sharer, just reclaims) a page.
#pragma once

#include "proc.h"

// PTE bit 10 (ignored by the MMU): the page is shared copy-on-write; a write
// fault on it copies the frame.
#define PTE_COW (1ull << 10)

typedef struct cow_stats {
    uint64_t forks, fork_cycles;     // in the kernel
    uint64_t pages_shared;           // leaves copied by the forks
    uint64_t tables_created;         // page-table pages the forks allocated
    uint64_t copies, reuses;         // COW faults: frame copied / last sharer took it back
    uint64_t fault_cycles;           // inside the COW handler
} cow_stats_t;

extern cow_stats_t g_cow;

// References of a frame beyond the first (0: one owner).
// Allocates the reference counts (one byte per page of RAM) if not yet done.
void cow_init(void);
unsigned frame_extra_refs(uint64_t frame);
// frame_get / frame_put: kernel.h.

// fork(): a child with a copy of `parent`'s page tables (owned pages shared
// read-only, copy-on-write in both), its trap frame with a0 = 0 and the
// parent's memory layout. The parent's writable entries were cached: its
// PCID is flushed. Returns the child, NULL when out of process slots.
proc_t* sys_fork(proc_t* parent, const trap_frame_t* frame);
// A write fault on a present COW page: 0 when resolved.
int cow_fault(proc_t* p, uint64_t address);

// A shared segment: the same frames mapped writable in two processes at
// different addresses (so under two PCIDs). shm_protect write-protects both
// mappings to track writes (as soft-dirty tracking or KSM do); every write
// after it must fault once per page and mapping, which holds only if the
// other process's PCID is flushed too (INVPCID type 0 for each of its
// pages), not just the current one.
#define PTE_TRACK (1ull << 11)  // ignored by the MMU: write-protected for tracking
typedef struct shm_segment {
    uint64_t base, pages;      // contiguous frames
    proc_t* procs[2];
    uint64_t va[2];            // where each process maps them
    int flush_other;           // shm_protect flushes the other PCID too
    uint64_t tracked[2];       // tracking faults per process
    uint64_t invlpgs, invpcids, protect_cycles;
} shm_segment_t;
extern shm_segment_t g_shm;
// Maps the segment in both processes (writable, user).
void shm_attach(void);
// SYS_SHM_PROTECT from one of the two processes.
void shm_protect(proc_t* p);
// A write fault on a tracked page: 0 when resolved (made writable again).
int shm_track_fault(proc_t* p, uint64_t address);
