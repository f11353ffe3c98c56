// The swap disk (docs/platform.md: 4 KiB slots, a transfer takes the
// device's latency plus its transfer time; reading STATUS waits for it) and
// its slot allocator.
#pragma once

#include <stdint.h>

#define SWAP_BASE 0x10001000ull

typedef struct swap_stats {
    uint64_t reads, writes;   // pages in, pages out
    uint64_t cycles;          // spent waiting for the device
} swap_stats_t;

extern swap_stats_t g_swap;

// A free slot (marked used), or -1 when the disk is full.
int64_t swap_slot_alloc(void);
void swap_slot_free(uint64_t slot);
// Copies a page between RAM and a slot and waits for the device; panics on a device error.
void swap_out(uint64_t slot, uint64_t frame);
void swap_in(uint64_t slot, uint64_t frame);
