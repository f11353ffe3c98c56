// The CPU benchmark's guest: a loop-heavy kernel (loads, stores, branches,
// arithmetic) over a working set of 4 KiB pages. Built twice from this file:
// BENCH_PAGING=1 first enables 4-level paging with 4 KiB pages identity-mapping
// the first 2 MiB of RAM (every fetch and data access then goes through the
// modelled TLBs), BENCH_PAGING=0 runs the same loop with paging off.
// BENCH_SMP=1 (with guest_smp_start.S) is the N-hart variant: every hart
// runs the same loop over a working set of its own, with paging on.
#include <stdint.h>

#ifndef BENCH_SMP
#define BENCH_SMP 0
#endif
#if BENCH_SMP
#define BENCH_HARTS 8          // working sets for up to this many harts
#define PAGE_TABLES 4          // 8 MiB of RAM identity-mapped
#else
#define BENCH_HARTS 1
#define PAGE_TABLES 1          // 2 MiB
#endif

#ifndef BENCH_PAGING
#error "define BENCH_PAGING to 0 or 1"
#endif
#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 400
#endif

#define WORKING_SET_BYTES (32 * 4096)  // 32 pages: L1 DTLB reach on the default configuration
#define WORDS (WORKING_SET_BYTES / 8)

static uint64_t work[BENCH_HARTS][WORDS] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[PAGE_TABLES][512] __attribute__((aligned(4096)));

#define CSR_WRITE(csr, value) __asm__ volatile("csrw " #csr ", %0" ::"r"(value) : "memory")

static void build_page_tables(void) {
    const uint64_t ram = 0x80000000ull;
    for (unsigned t = 0; t < PAGE_TABLES; ++t) {
        for (unsigned i = 0; i < 512; ++i) pt[t][i] = (ram + 4096ull * (512 * t + i)) | 0x3;  // P | RW, 4 KiB
        pd[t] = (uint64_t)(uintptr_t)pt[t] | 0x3;
    }
    pdpt[2] = (uint64_t)(uintptr_t)pd | 0x3;  // 0x80000000 = PDPT index 2
    pml4[0] = (uint64_t)(uintptr_t)pdpt | 0x3;
}

static void enable_paging(void) {
    CSR_WRITE(0x7c3, 0x900ull);                   // EFER: LME | NXE
    CSR_WRITE(0x7c2, 0x20ull);                    // CR4: PAE
    CSR_WRITE(0x7c1, (uint64_t)(uintptr_t)pml4);  // CR3
    CSR_WRITE(0x7c0, 0x80010001ull);              // CR0: PG | WP | PE
}

static uint64_t kernel(uint64_t* work, unsigned rounds) {
    uint64_t sum = 0x9e3779b97f4a7c15ull;
    for (unsigned r = 0; r < rounds; ++r) {
        for (unsigned i = 0; i < WORDS; i += 2) {
            uint64_t v = work[i];
            if (v & 1) sum += v >> 3;
            else sum ^= v + i;
            work[i] = sum;
            work[i + 1] += r;
        }
    }
    return sum;
}

#if BENCH_SMP
static volatile uint32_t tables_ready;

// Every hart: hart 0 builds the page tables the others wait for; each runs
// the loop over its own working set.
int main(uint64_t hart) {
    if (hart >= BENCH_HARTS) return 2;
    if (hart == 0) {
        build_page_tables();
        __atomic_store_n(&tables_ready, 1, __ATOMIC_RELEASE);
    }
    while (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE)) {
    }
    enable_paging();
    for (unsigned i = 0; i < WORDS; ++i) work[hart][i] = i * 0x9e3779b97f4a7c15ull;
    const uint64_t sum = kernel(work[hart], BENCH_ROUNDS);
    return sum == 0 ? 1 : 0;
}
#else
int main(void) {
    if (BENCH_PAGING) {
        build_page_tables();
        enable_paging();
    }
    for (unsigned i = 0; i < WORDS; ++i) work[0][i] = i * 0x9e3779b97f4a7c15ull;
    const uint64_t sum = kernel(work[0], BENCH_ROUNDS);
    return sum == 0 ? 1 : 0;  // keeps the result live
}
#endif
