// TLB shootdowns the way Linux's arch/x86/mm/tlb.c does them (docs/firmware.md,
// "SMP kernel"): an address space (mm) counts its page-table changes in
// tlb_gen and the CPUs that may cache it in cpumask; each CPU records per
// PCID slot up to which tlb_gen it has flushed. A change bumps tlb_gen,
// flushes locally and sends IPIs to the other CPUs of the mask (lazy ones
// excepted); each receiver flushes what its tlb_gen says it lacks and
// acknowledges. Above the ceiling (33 pages) the whole PCID is flushed. With
// broadcast on, the mm has one PCID on every CPU and INVLPGB + TLBSYNC
// replace the IPIs.
#pragma once

#include "smp.h"

#define TLB_FLUSH_ALL (~0ull)
#define TLB_GLOBAL_PCID_BASE 64  // PCIDs of broadcast mms: 64 + mm index (dynamic slots use 1..6)

typedef struct mm {
    uint64_t root;
    uint64_t ctx_id;            // never reused: tells PCID slots apart
    volatile uint64_t tlb_gen;  // page-table changes so far
    volatile uint64_t cpumask;  // CPUs that may cache its translations
    uint16_t global_pcid;       // non-zero: broadcast mode (INVLPGB), this PCID on every CPU
    spinlock_t lock;            // page-table edits
} mm_t;

// The policy of the flush path, set by the experiments from their parameters.
typedef struct tlb_policy {
    uint64_t ceiling;          // pages; a larger range flushes the whole PCID (tlb_single_page_flush_ceiling)
    int lazy;                  // lazy CPUs get no IPI (they flush on switching back)
    uint64_t invlpgb_pages;    // pages one INVLPGB may name (CPUID Fn8000_0008_EDX[15:0] + 1)
} tlb_policy_t;
extern tlb_policy_t g_tlb_policy;

// An mm with fresh page tables sharing the kernel mapping (root entry 0).
// `broadcast`: flushes by INVLPGB on a global PCID instead of IPIs.
mm_t* mm_create(int broadcast);
// Frees the tables below root entries 1..511 (not the frames) and the mm.
void mm_destroy(mm_t* mm);

// Loads `mm` on this CPU: joins its cpumask, picks a PCID slot and flushes
// it when the slot's tlb_gen is behind (or the slot is new).
void switch_mm(mm_t* mm);
// This CPU runs a kernel thread: the mm stays loaded, the CPU is lazy.
void enter_lazy(void);
// Leaves whatever mm is loaded (the kernel's tables, PCID 0; off the mask).
void switch_to_kernel(void);

// After changing the PTEs of [start, start + pages pages) of `mm`
// (pages = TLB_FLUSH_ALL for everything): every CPU that may cache them
// drops them before this returns. `freed_tables`: page tables were freed
// too (the paging-structure caches must go).
void flush_tlb_mm_range(mm_t* mm, uint64_t start, uint64_t pages, int freed_tables);

// A flush request as the receivers see it.
typedef struct flush_info {
    mm_t* mm;
    uint64_t start, pages;
    uint64_t new_tlb_gen;
    volatile uint64_t pending;  // acknowledgements still missing
} flush_info_t;
// The receiver's side (smp.c calls it from the IPI handler) and the local one.
void flush_tlb_func(const flush_info_t* f);

static inline void invlpgb(uint64_t rax, uint64_t ecx, uint64_t edx) {
    const uint64_t rs2 = (ecx & 0xffffffffull) | (edx << 32);
    __asm__ volatile(".insn r 0x0B, 0, 2, x0, %0, %1" ::"r"(rax), "r"(rs2) : "memory");
}
static inline void tlbsync(void) { __asm__ volatile(".insn r 0x0B, 0, 3, x0, x0, x0" ::: "memory"); }
#define INVLPGB_VA (1ull << 0)
#define INVLPGB_PCID (1ull << 1)
#define INVLPGB_FINAL_ONLY (1ull << 4)
