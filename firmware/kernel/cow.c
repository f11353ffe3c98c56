#include "cow.h"

#include "paging.h"

cow_stats_t g_cow;

// One byte per page of RAM, from the buddy allocator on the first fork.
static uint8_t* g_refs;

static uint64_t frame_index(uint64_t frame) { return (frame - RAM_BASE) >> SHIFT_4K; }

static void refs_init(void);

// 4 KiB, a doubleword at a time.
static void copy_page(uint64_t dst, uint64_t src) {
    uint64_t* d = (uint64_t*)dst;
    const uint64_t* s = (const uint64_t*)src;
    for (unsigned i = 0; i < SIZE_4K / 8; ++i) d[i] = s[i];
}

void cow_init(void) { refs_init(); }

static void refs_init(void) {
    if (g_refs) return;
    const uint64_t bytes = g_ram_bytes >> SHIFT_4K;
    unsigned order = 0;
    while ((SIZE_4K << order) < bytes) ++order;
    g_refs = (uint8_t*)page_alloc(order);
    if (!g_refs) oom("frame reference counts", bytes);
    kmemset(g_refs, 0, SIZE_4K << order);
}

unsigned frame_extra_refs(uint64_t frame) { return g_refs ? g_refs[frame_index(frame)] : 0; }

void frame_get(uint64_t frame) {
    refs_init();
    if (g_refs[frame_index(frame)] == 255) panic("frame %p shared more than 256 times", (void*)frame);
    ++g_refs[frame_index(frame)];
}

void frame_put(uint64_t frame) {
    if (g_refs && g_refs[frame_index(frame)]) {
        --g_refs[frame_index(frame)];
        return;
    }
    page_free(frame, 0);
}

// Copies the user leaves under one table of the parent into the child.
static void share_leaves(proc_t* child, uint64_t* parent_table, unsigned level, uint64_t va_base, int* bad) {
    const unsigned shift = 12 + 9 * (level - 1);
    for (unsigned i = 0; i < 512; ++i) {
        uint64_t* e = &parent_table[i];
        if (!(*e & PTE_P)) continue;
        const uint64_t va = va_base + ((uint64_t)i << shift);
        if (level > 1 && !(*e & PTE_PS)) {
            share_leaves(child, (uint64_t*)(*e & PTE_ADDR_MASK), level - 1, va, bad);
            continue;
        }
        if (level > 1) continue;  // large user pages are not forked here
        uint64_t flags = *e & ~PTE_ADDR_MASK & ~(PTE_A | PTE_D);
        if (*e & PTE_OWNED) {
            // Both sides read-only and copy-on-write; the frame gains a reference.
            if (*e & PTE_RW) *e = (*e & ~PTE_RW) | PTE_COW;
            flags = (flags & ~PTE_RW) | ((*e & PTE_COW) ? PTE_COW : 0);
            frame_get(*e & PTE_ADDR_MASK);
        }
        const unsigned before = g_page_tables;
        if (pt_map(child->root, va, *e & PTE_ADDR_MASK, SHIFT_4K, flags & ~PTE_P & 0x7ffull) != 0) *bad = 1;
        g_cow.tables_created += g_page_tables - before;
        ++g_cow.pages_shared;
    }
}

proc_t* sys_fork(proc_t* parent, const trap_frame_t* frame) {
    const uint64_t start = rdcycle();
    const uint64_t args[4] = {0, 0, 0, 0};
    proc_t* child = proc_create((void (*)(void))frame->mepc, args);
    if (!child) return 0;
    child->frame = *frame;
    child->frame.regs[REG_A0] = 0;
    child->demand_lo = parent->demand_lo;
    child->demand_hi = parent->demand_hi;
    child->heap_start = parent->heap_start;
    child->brk = parent->brk;
    child->mmap_next = parent->mmap_next;
    child->map_count = parent->map_count;
    for (unsigned i = 0; i < parent->map_count; ++i) {
        child->maps[i].start = parent->maps[i].start;
        child->maps[i].pages = parent->maps[i].pages;
    }
    const uint64_t* root = (const uint64_t*)parent->root;
    const unsigned top_shift = 12 + 9 * (g_paging_levels - 1);
    int bad = 0;
    for (unsigned slot = 1; slot < 512; ++slot)
        if ((root[slot] & PTE_P) && !(root[slot] & PTE_PS))
            share_leaves(child, (uint64_t*)(root[slot] & PTE_ADDR_MASK), g_paging_levels - 1,
                         (uint64_t)slot << top_shift, &bad);
    if (bad) oom("fork page tables", SIZE_4K);
    // The parent's TLB may hold its pages writable: flush its PCID (a CR3
    // reload without the no-flush hint), as Linux's dup_mmap flushes the old mm.
    write_cr3(read_cr3() & ~CR3_NOFLUSH);
    ++g_cow.forks;
    g_cow.fork_cycles += rdcycle() - start;
    return child;
}

shm_segment_t g_shm;

void shm_attach(void) {
    for (unsigned k = 0; k < 2; ++k)
        for (uint64_t i = 0; i < g_shm.pages; ++i)
            if (pt_map(g_shm.procs[k]->root, g_shm.va[k] + (i << SHIFT_4K), g_shm.base + (i << SHIFT_4K), SHIFT_4K,
                       PTE_RW | PTE_US))
                oom("shared segment page tables", SIZE_4K);
}

void shm_protect(proc_t* p) {
    const uint64_t start = rdcycle();
    for (unsigned k = 0; k < 2; ++k) {
        for (uint64_t i = 0; i < g_shm.pages; ++i) {
            const uint64_t va = g_shm.va[k] + (i << SHIFT_4K);
            uint64_t* e = pt_leaf(g_shm.procs[k]->root, va, 0);
            *e = (*e & ~PTE_RW) | PTE_TRACK;
            if (g_shm.procs[k] == p) {
                invlpg(va);  // the current PCID
                ++g_shm.invlpgs;
            } else if (g_shm.flush_other) {
                const uint64_t desc[2] = {g_shm.procs[k]->pcid, va};
                invpcid(0, desc);  // the other process's PCID, one address
                ++g_shm.invpcids;
            }
        }
    }
    g_shm.protect_cycles += rdcycle() - start;
}

int shm_track_fault(proc_t* p, uint64_t address) {
    for (unsigned k = 0; k < 2; ++k) {
        if (g_shm.procs[k] != p || address < g_shm.va[k] || address >= g_shm.va[k] + (g_shm.pages << SHIFT_4K))
            continue;
        const uint64_t page = address & ~(SIZE_4K - 1);
        uint64_t* e = pt_leaf(p->root, page, 0);
        if (!e || !(*e & PTE_TRACK)) return -1;
        *e = (*e & ~PTE_TRACK) | PTE_RW;
        invlpg(page);
        ++g_shm.tracked[k];
        return 0;
    }
    return -1;
}

int cow_fault(proc_t* p, uint64_t address) {
    const uint64_t start = rdcycle();
    const uint64_t page = address & ~(SIZE_4K - 1);
    uint64_t* e = pt_leaf(p->root, page, 0);
    if (!e || !(*e & PTE_P) || !(*e & PTE_COW)) return -1;
    const uint64_t old = *e & PTE_ADDR_MASK;
    if (frame_extra_refs(old)) {
        const uint64_t copy = page_alloc(0);
        if (!copy) oom("copy-on-write frame", SIZE_4K);
        copy_page(copy, old);
        *e = copy | (*e & ~PTE_ADDR_MASK & ~PTE_COW) | PTE_RW | PTE_OWNED;
        frame_put(old);
        ++g_cow.copies;
    } else {
        *e = (*e & ~PTE_COW) | PTE_RW;  // the last sharer: the frame is its own again
        ++g_cow.reuses;
    }
    // The read-only entry may be cached (SDM 4.10.4.3 lets a fault leave it): drop it.
    invlpg(page);
    g_cow.fault_cycles += rdcycle() - start;
    return 0;
}
