// The CPU benchmark's guest: a loop-heavy kernel (loads, stores, branches,
// arithmetic) over a working set of 4 KiB pages. Built twice from this file:
// BENCH_PAGING=1 first enables 4-level paging with 4 KiB pages identity-mapping
// the first 2 MiB of RAM (every fetch and data access then goes through the
// modelled TLBs), BENCH_PAGING=0 runs the same loop with paging off.
#include <stdint.h>

#ifndef BENCH_PAGING
#error "define BENCH_PAGING to 0 or 1"
#endif
#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 400
#endif

#define WORKING_SET_BYTES (32 * 4096)  // 32 pages: L1 DTLB reach on the default configuration
#define WORDS (WORKING_SET_BYTES / 8)

static uint64_t work[WORDS] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));

#define CSR_WRITE(csr, value) __asm__ volatile("csrw " #csr ", %0" ::"r"(value) : "memory")

static void enable_paging(void) {
    const uint64_t ram = 0x80000000ull;
    for (unsigned i = 0; i < 512; ++i) pt[i] = (ram + 4096ull * i) | 0x3;  // P | RW, 4 KiB
    pd[0] = (uint64_t)(uintptr_t)pt | 0x3;
    pdpt[2] = (uint64_t)(uintptr_t)pd | 0x3;  // 0x80000000 = PDPT index 2
    pml4[0] = (uint64_t)(uintptr_t)pdpt | 0x3;
    CSR_WRITE(0x7c3, 0x900ull);                   // EFER: LME | NXE
    CSR_WRITE(0x7c2, 0x20ull);                    // CR4: PAE
    CSR_WRITE(0x7c1, (uint64_t)(uintptr_t)pml4);  // CR3
    CSR_WRITE(0x7c0, 0x80010001ull);              // CR0: PG | WP | PE
}

static uint64_t kernel(unsigned rounds) {
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

int main(void) {
    if (BENCH_PAGING) enable_paging();
    for (unsigned i = 0; i < WORDS; ++i) work[i] = i * 0x9e3779b97f4a7c15ull;
    const uint64_t sum = kernel(BENCH_ROUNDS);
    return sum == 0 ? 1 : 0;  // keeps the result live
}
