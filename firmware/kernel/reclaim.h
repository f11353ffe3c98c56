// Page reclaim for one process's range: the range may hold at most `frames`
// pages; when a fault finds fewer than `low` frames free, pages are evicted
// until `high` are free (watermarks, as kswapd works between low and high).
// Evicted pages go to the swap disk (written when dirty or not yet there)
// and come back on their next fault.
//
// Policies: FIFO (the page loaded first), clock / second chance over the
// accessed bits (a page with A set loses it and is passed over once; the
// clear is followed by INVLPG, or not: then a TLB entry that stays cached
// keeps the page's accesses from setting A again, as with x86 Linux's
// ptep_clear_young without a flush), and exact LRU as a reference: the
// kernel knows the reference string the user program follows (its position
// is the program's register s1 at the fault), so it knows every page's last
// use; no hardware mechanism gives that. The same knowledge counts "wasted"
// evictions: pages evicted although touched since their A bit was cleared.
#pragma once

#include "proc.h"

typedef enum { POLICY_FIFO, POLICY_CLOCK, POLICY_LRU } reclaim_policy_t;

typedef struct reclaim_stats {
    uint64_t faults, zero_fills, swap_ins, evictions, swap_outs;
    uint64_t a_clears, a_flushes, wasted;
    uint64_t reclaim_cycles, fault_cycles;
} reclaim_stats_t;

typedef struct reclaim {
    reclaim_policy_t policy;
    int clear_flush;            // clock: INVLPG after clearing A
    uint64_t base, pages;       // the managed range
    uint64_t frames, low, high; // memory size and watermarks, in pages
    const uint16_t* seq;        // the reference string (page numbers), as the kernel sees it
    uint64_t seq_len;
    reclaim_stats_t stats;
    // State (reclaim_begin allocates it).
    uint64_t resident, hand, scanned, loads;
    int32_t* res;               // frames slots: page number or -1
    int32_t* slot_of;           // per page: its res slot or -1
    int32_t* swap_slot;         // per page: its swap slot or -1
    uint32_t* last_touch;       // per page: position + 1 of its last use, 0 if none
    uint32_t* cleared_at;       // per page: position when A was last cleared (UINT32_MAX: never)
    uint32_t* loaded;           // per page: load order (FIFO)
    uint64_t meta, meta_order;  // the buddy block holding the arrays
} reclaim_t;

// Allocates the state; the caller maps nothing in the range.
void reclaim_begin(reclaim_t* r);
// Frees the state and the swap slots (the process frees its frames).
void reclaim_end(reclaim_t* r);
// A user fault in p's reclaim range (p->reclaim): 0 when resolved.
int reclaim_fault(proc_t* p, const trap_frame_t* frame, uint64_t address);
const char* reclaim_policy_name(const reclaim_t* r);
