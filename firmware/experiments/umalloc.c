// A user-mode malloc, run at CPL3 from the user text pages: small blocks
// from a brk heap (an address-ordered, coalescing first-fit free list over
// chunks with a 16-byte header), blocks at or above the mmap threshold from
// their own anonymous mapping, as glibc does (M_MMAP_THRESHOLD, default
// 128 KiB). The heap grows by the request plus a 128 KiB pad (M_TOP_PAD) and
// shrinks when the free space at its top reaches the trim threshold
// (M_TRIM_THRESHOLD). Everything it touches is paged in by the kernel on
// first touch.
//
// User code may not reach kernel text or data: every function here is in
// .user_text or inlined, all state lives on the user stack or in the heap,
// and nothing uses tables the compiler would put in .rodata.
#include "experiments.h"

#define USER __attribute__((section(".user_text"), noinline))
#define UINLINE static inline __attribute__((always_inline))

#define CHUNK_HEADER 16
#define CHUNK_MMAPPED 1ull
#define TOP_PAD (128ull << 10)
#define MAX_BLOCKS 64

typedef struct umalloc {
    uint64_t mmap_threshold, trim_threshold;
    uint64_t top, brk;      // end of the chunks carved from the heap; the break
    uint64_t free_head;     // first free heap chunk (address order), 0 if none
} umalloc_t;

UINLINE uint64_t usys(uint64_t number, uint64_t a0, uint64_t a1) {
    register uint64_t r0 __asm__("a0") = a0;
    register uint64_t r1 __asm__("a1") = a1;
    register uint64_t r7 __asm__("a7") = number;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r7) : "memory");
    return r0;
}

UINLINE uint64_t* chunk(uint64_t a) { return (uint64_t*)a; }  // [0] size | flags, [1] next free
UINLINE uint64_t page_up(uint64_t v) { return (v + 4095) & ~4095ull; }

USER static uint64_t umalloc(umalloc_t* m, uint64_t n) {
    const uint64_t need = (n + CHUNK_HEADER + 15) & ~15ull;
    if (need >= m->mmap_threshold) {
        const uint64_t len = page_up(need);
        const uint64_t a = usys(SYS_MMAP, len, 0);
        if (!a) return 0;
        chunk(a)[0] = len | CHUNK_MMAPPED;
        return a + CHUNK_HEADER;
    }
    uint64_t prev = 0;
    for (uint64_t c = m->free_head; c; prev = c, c = chunk(c)[1]) {
        const uint64_t size = chunk(c)[0];
        if (size < need) continue;
        uint64_t next = chunk(c)[1];
        if (size - need >= 32) {  // split: the remainder takes c's place in the list
            const uint64_t rest = c + need;
            chunk(rest)[0] = size - need;
            chunk(rest)[1] = next;
            next = rest;
            chunk(c)[0] = need;
        }
        if (prev) chunk(prev)[1] = next;
        else m->free_head = next;
        return c + CHUNK_HEADER;
    }
    if (m->top + need > m->brk) {
        const uint64_t want = page_up(m->top + need + TOP_PAD);
        if (usys(SYS_BRK, want, 0) != want) return 0;
        m->brk = want;
    }
    const uint64_t c = m->top;
    m->top += need;
    chunk(c)[0] = need;
    return c + CHUNK_HEADER;
}

USER static void ufree(umalloc_t* m, uint64_t p) {
    uint64_t c = p - CHUNK_HEADER;
    uint64_t size = chunk(c)[0];
    if (size & CHUNK_MMAPPED) {
        usys(SYS_MUNMAP, c, size & ~CHUNK_MMAPPED);
        return;
    }
    uint64_t prev = 0, next = m->free_head;
    while (next && next < c) {
        prev = next;
        next = chunk(next)[1];
    }
    if (next && c + size == next) {  // merge with the following free chunk
        size += chunk(next)[0];
        next = chunk(next)[1];
    }
    if (prev && prev + chunk(prev)[0] == c) {  // and with the preceding one
        c = prev;
        size += chunk(prev)[0];
        prev = 0;
        for (uint64_t q = m->free_head; q && q != c; q = chunk(q)[1]) prev = q;
    }
    if (c + size == m->top) {  // the top of the heap: give it back to the top
        m->top = c;
        if (prev) chunk(prev)[1] = next;
        else m->free_head = next;
        if (m->brk - m->top >= m->trim_threshold) {
            const uint64_t keep = page_up(m->top + TOP_PAD);
            if (keep < m->brk) m->brk = usys(SYS_BRK, keep, 0);
        }
        return;
    }
    chunk(c)[0] = size;
    chunk(c)[1] = next;
    if (prev) chunk(prev)[1] = c;
    else m->free_head = c;
}

// a0 = block size, a1 = blocks per round, a2 = rounds, a3 = mmap threshold |
// trim threshold << 32. Each round: malloc every block, store to every page
// of every block, free them all. Reports (SYS_REPORT) the cycles of the
// first round's mallocs, stores and frees, then the same summed over the
// other rounds; exits.
USER void user_malloc_bench(uint64_t size, uint64_t blocks, uint64_t rounds, uint64_t thresholds) {
    umalloc_t m;
    m.mmap_threshold = thresholds & 0xffffffffull;
    m.trim_threshold = thresholds >> 32;
    m.free_head = 0;
    m.top = m.brk = usys(SYS_BRK, 0, 0);
    uint64_t block[MAX_BLOCKS];
    uint64_t alloc = 0, touch = 0, release = 0;
    for (uint64_t r = 0; r < rounds; ++r) {
        uint64_t c0 = rdcycle();
        for (uint64_t i = 0; i < blocks; ++i) {
            block[i] = umalloc(&m, size);
            if (!block[i]) usys(SYS_EXIT, 1, 0);
        }
        uint64_t c1 = rdcycle();
        for (uint64_t i = 0; i < blocks; ++i) {
            for (uint64_t off = 0; off < size; off += 4096) *(volatile uint8_t*)(block[i] + off) = 1;
            *(volatile uint8_t*)(block[i] + size - 1) = 1;
        }
        uint64_t c2 = rdcycle();
        for (uint64_t i = 0; i < blocks; ++i) ufree(&m, block[i]);
        uint64_t c3 = rdcycle();
        alloc += c1 - c0;
        touch += c2 - c1;
        release += c3 - c2;
        if (r == 0 || r + 1 == rounds) {
            usys(SYS_REPORT, alloc, 0);
            usys(SYS_REPORT, touch, 0);
            usys(SYS_REPORT, release, 0);
            alloc = touch = release = 0;
        }
    }
    usys(SYS_EXIT, 0, 0);
    for (;;) {
    }
}
