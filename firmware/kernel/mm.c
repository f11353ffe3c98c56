// Process memory: the heap grows and shrinks with brk, anonymous mappings
// come and go with mmap/munmap. Nothing is mapped up front: the fault
// handler pages both in on first touch (fault.c), so a process pays for the
// pages it touches, not for the ones it asks for.
#include "paging.h"
#include "proc.h"
#include "vmalloc.h"

#define MM_MAX_PAGES (1ull << 20)  // 4 GiB per request

void mm_init(proc_t* p, uint64_t heap_start, uint64_t mmap_base) {
    p->heap_start = p->brk = heap_start;
    p->mmap_next = mmap_base;
    p->map_count = 0;
}

int mm_contains(const proc_t* p, uint64_t address) {
    if (p->heap_start && address >= p->heap_start && address < ((p->brk + SIZE_4K - 1) & ~(SIZE_4K - 1))) return 1;
    for (unsigned i = 0; i < p->map_count; ++i)
        if (address >= p->maps[i].start && address < p->maps[i].start + (p->maps[i].pages << SHIFT_4K)) return 1;
    return 0;
}

void mm_unmap_range(proc_t* p, uint64_t start, uint64_t pages) {
    uint64_t mapped = 0;
    for (uint64_t i = 0; i < pages; ++i) {
        uint64_t* e = pt_leaf(p->root, start + (i << SHIFT_4K), 0);
        if (!e) continue;  // never touched
        if (*e & PTE_OWNED) frame_put(*e & PTE_ADDR_MASK);
        *e = 0;
        ++mapped;
    }
    p->pages_unmapped += mapped;
    if (!mapped) return;
    if (pages <= FLUSH_CEILING_PAGES) {
        for (uint64_t i = 0; i < pages; ++i) invlpg(start + (i << SHIFT_4K));
    } else {
        write_cr3(read_cr3() & ~CR3_NOFLUSH);  // the current PCID's non-global entries
    }
}

uint64_t sys_brk(proc_t* p, uint64_t new_brk) {
    ++p->brk_calls;
    if (!new_brk || new_brk < p->heap_start || new_brk - p->heap_start > (MM_MAX_PAGES << SHIFT_4K)) return p->brk;
    const uint64_t old_end = (p->brk + SIZE_4K - 1) & ~(SIZE_4K - 1);
    const uint64_t new_end = (new_brk + SIZE_4K - 1) & ~(SIZE_4K - 1);
    if (new_end < old_end) {  // trimming: the pages above the new break go back
        mm_unmap_range(p, new_end, (old_end - new_end) >> SHIFT_4K);
        ++p->trims;
    }
    p->brk = new_brk;
    return p->brk;
}

uint64_t sys_mmap(proc_t* p, uint64_t length) {
    ++p->mmap_calls;
    const uint64_t pages = (length + SIZE_4K - 1) >> SHIFT_4K;
    if (!pages || pages > MM_MAX_PAGES || p->map_count == sizeof p->maps / sizeof p->maps[0]) return 0;
    // Addresses are not reused: a guard page between mappings, none recycled.
    const uint64_t start = p->mmap_next;
    p->mmap_next += (pages + 1) << SHIFT_4K;
    p->maps[p->map_count].start = start;
    p->maps[p->map_count].pages = pages;
    ++p->map_count;
    return start;
}

uint64_t sys_munmap(proc_t* p, uint64_t address, uint64_t length) {
    ++p->munmap_calls;
    for (unsigned i = 0; i < p->map_count; ++i) {
        if (p->maps[i].start != address) continue;
        const uint64_t pages = (length + SIZE_4K - 1) >> SHIFT_4K;
        if (pages != p->maps[i].pages) return (uint64_t)-1;  // whole mappings only
        mm_unmap_range(p, address, pages);
        p->maps[i] = p->maps[--p->map_count];
        return 0;
    }
    return (uint64_t)-1;
}
