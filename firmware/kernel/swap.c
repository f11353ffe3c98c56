#include "swap.h"

#include "kernel.h"

#define SWAP_SLOT 0x00
#define SWAP_ADDR 0x08
#define SWAP_CMD 0x10
#define SWAP_STATUS 0x18
#define SWAP_SLOTS 0x20
#define SWAP_CMD_READ 1
#define SWAP_CMD_WRITE 2
#define MAX_SLOTS (64u << 10)  // 256 MiB of swap at most

swap_stats_t g_swap;
static uint64_t g_used[MAX_SLOTS / 64];
static uint64_t g_slots;

static volatile uint64_t* reg(uint64_t offset) { return (volatile uint64_t*)(SWAP_BASE + offset); }

int64_t swap_slot_alloc(void) {
    if (!g_slots) {
        g_slots = *reg(SWAP_SLOTS);
        if (g_slots > MAX_SLOTS) g_slots = MAX_SLOTS;
    }
    for (uint64_t w = 0; w < g_slots / 64; ++w) {
        if (g_used[w] == ~0ull) continue;
        for (unsigned b = 0; b < 64; ++b)
            if (!(g_used[w] & (1ull << b))) {
                g_used[w] |= 1ull << b;
                return (int64_t)(w * 64 + b);
            }
    }
    return -1;
}

void swap_slot_free(uint64_t slot) { g_used[slot / 64] &= ~(1ull << (slot % 64)); }

static void transfer(uint64_t cmd, uint64_t slot, uint64_t frame) {
    const uint64_t start = rdcycle();
    *reg(SWAP_SLOT) = slot;
    *reg(SWAP_ADDR) = frame;
    *reg(SWAP_CMD) = cmd;
    const uint64_t status = *reg(SWAP_STATUS);  // waits for the transfer
    if (status) panic("swap device: error %lu on slot %lu, page %p", (unsigned long)status, (unsigned long)slot,
                      (void*)frame);
    g_swap.cycles += rdcycle() - start;
}

void swap_out(uint64_t slot, uint64_t frame) {
    transfer(SWAP_CMD_WRITE, slot, frame);
    ++g_swap.writes;
}

void swap_in(uint64_t slot, uint64_t frame) {
    transfer(SWAP_CMD_READ, slot, frame);
    ++g_swap.reads;
}
