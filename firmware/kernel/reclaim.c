#include "reclaim.h"

#include "paging.h"
#include "swap.h"

#define NEVER 0xffffffffu
#define REG_S1 9  // the user program's position in the reference string

const char* reclaim_policy_name(const reclaim_t* r) {
    switch (r->policy) {
        case POLICY_FIFO: return "fifo";
        case POLICY_CLOCK: return r->clear_flush ? "clock" : "clock-noflush";
        case POLICY_LRU: return "lru";
    }
    return "?";
}

void reclaim_begin(reclaim_t* r) {
    const uint64_t bytes = r->frames * 4 + r->pages * 4 * 5;
    unsigned order = 0;
    while ((SIZE_4K << order) < bytes) ++order;
    r->meta = page_alloc(order);
    if (!r->meta) oom("reclaim state", bytes);
    r->meta_order = order;
    int32_t* p = (int32_t*)r->meta;
    r->res = p;
    r->slot_of = p + r->frames;
    r->swap_slot = r->slot_of + r->pages;
    r->last_touch = (uint32_t*)(r->swap_slot + r->pages);
    r->cleared_at = r->last_touch + r->pages;
    r->loaded = r->cleared_at + r->pages;
    for (uint64_t i = 0; i < r->frames; ++i) r->res[i] = -1;
    for (uint64_t i = 0; i < r->pages; ++i) {
        r->slot_of[i] = r->swap_slot[i] = -1;
        r->last_touch[i] = r->loaded[i] = 0;
        r->cleared_at[i] = NEVER;
    }
    r->resident = r->hand = r->scanned = r->loads = 0;
    kmemset(&r->stats, 0, sizeof r->stats);
}

void reclaim_end(reclaim_t* r) {
    for (uint64_t i = 0; i < r->pages; ++i)
        if (r->swap_slot[i] >= 0) swap_slot_free((uint64_t)r->swap_slot[i]);
    page_free(r->meta, (unsigned)r->meta_order);
}

// The uses of the reference string before position `pos` (the faulting one).
static void catch_up(reclaim_t* r, uint64_t pos) {
    if (pos > r->seq_len) pos = r->seq_len;
    for (; r->scanned < pos; ++r->scanned) r->last_touch[r->seq[r->scanned]] = (uint32_t)(r->scanned + 1);
}

static void evict(proc_t* p, reclaim_t* r, uint64_t slot) {
    const int32_t v = r->res[slot];
    const uint64_t va = r->base + ((uint64_t)v << SHIFT_4K);
    uint64_t* e = pt_leaf(p->root, va, 0);
    if (!e) panic("reclaim: resident page %d is not mapped", v);
    const uint64_t frame = *e & PTE_ADDR_MASK;
    if ((*e & PTE_D) || r->swap_slot[v] < 0) {
        if (r->swap_slot[v] < 0) {
            const int64_t s = swap_slot_alloc();
            if (s < 0) panic("reclaim: the swap disk is full (%lu pages resident)", (unsigned long)r->resident);
            r->swap_slot[v] = (int32_t)s;
        }
        swap_out((uint64_t)r->swap_slot[v], frame);
        ++r->stats.swap_outs;
    }
    if (r->cleared_at[v] != NEVER && r->last_touch[v] > r->cleared_at[v]) ++r->stats.wasted;
    *e = 0;
    invlpg(va);  // the page leaves: its translation must go
    page_free(frame, 0);
    r->res[slot] = -1;
    r->slot_of[v] = -1;
    --r->resident;
    ++r->stats.evictions;
}

// The slot to evict next under the policy.
static uint64_t victim(proc_t* p, reclaim_t* r, uint64_t pos) {
    uint64_t best = r->frames;
    if (r->policy == POLICY_CLOCK) {
        for (;;) {
            const uint64_t slot = r->hand;
            r->hand = (r->hand + 1) % r->frames;
            const int32_t v = r->res[slot];
            if (v < 0) continue;
            const uint64_t va = r->base + ((uint64_t)v << SHIFT_4K);
            uint64_t* e = pt_leaf(p->root, va, 0);
            if (!(*e & PTE_A)) return slot;
            *e &= ~PTE_A;  // second chance
            r->cleared_at[v] = (uint32_t)pos;
            ++r->stats.a_clears;
            if (r->clear_flush) {
                invlpg(va);
                ++r->stats.a_flushes;
            }
        }
    }
    for (uint64_t slot = 0; slot < r->frames; ++slot) {
        const int32_t v = r->res[slot];
        if (v < 0) continue;
        const uint32_t key = r->policy == POLICY_FIFO ? r->loaded[v] : r->last_touch[v];
        if (best == r->frames || key < (r->policy == POLICY_FIFO ? r->loaded[r->res[best]] : r->last_touch[r->res[best]]))
            best = slot;
    }
    return best;
}

int reclaim_fault(proc_t* p, const trap_frame_t* frame, uint64_t address) {
    reclaim_t* r = p->reclaim;
    if (address < r->base || address >= r->base + (r->pages << SHIFT_4K)) return -1;
    const uint64_t start = rdcycle();
    const uint64_t pos = frame->regs[REG_S1];
    const int32_t v = (int32_t)((address - r->base) >> SHIFT_4K);
    if (r->slot_of[v] >= 0) return -1;  // resident: a protection fault, not ours
    catch_up(r, pos);
    if (r->frames - r->resident < r->low) {
        const uint64_t c0 = rdcycle();
        while (r->frames - r->resident < r->high && r->resident) evict(p, r, victim(p, r, pos));
        r->stats.reclaim_cycles += rdcycle() - c0;
    }
    if (r->resident == r->frames) panic("reclaim: no frame free after reclaim");
    const uint64_t page = page_alloc(0);
    if (!page) oom("reclaimable page", SIZE_4K);
    if (r->swap_slot[v] >= 0) {
        swap_in((uint64_t)r->swap_slot[v], page);
        ++r->stats.swap_ins;
    } else {
        kmemset((void*)page, 0, SIZE_4K);
        ++r->stats.zero_fills;
    }
    const uint64_t va = r->base + ((uint64_t)v << SHIFT_4K);
    if (pt_map(p->root, va, page, SHIFT_4K, PTE_RW | PTE_US | PTE_OWNED)) oom("reclaim page table", SIZE_4K);
    uint64_t slot = 0;
    while (r->res[slot] >= 0) ++slot;
    r->res[slot] = v;
    r->slot_of[v] = (int32_t)slot;
    r->loaded[v] = (uint32_t)++r->loads;
    r->cleared_at[v] = NEVER;
    ++r->resident;
    ++r->stats.faults;
    r->stats.fault_cycles += rdcycle() - start;
    return 0;
}
