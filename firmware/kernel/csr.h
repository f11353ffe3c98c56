// CSR access and the platform's custom instructions (docs/isa.md): the MMU's
// control registers are machine-mode CSRs, INVLPG and INVPCID are custom-0
// R-type instructions, the MMU's event counters are hpmcounters.
#pragma once

#include <stdint.h>

#define CSR_CR0 0x7C0
#define CSR_CR3 0x7C1
#define CSR_CR4 0x7C2
#define CSR_EFER 0x7C3
#define CSR_PFERR 0xFC0

#define csr_read(csr)                                      \
    ({                                                     \
        uint64_t v_;                                       \
        __asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
        v_;                                                \
    })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"r"((uint64_t)(val)) : "memory")

// x86 control-register bits (SDM vol. 3A 2.5).
#define CR0_PE (1ull << 0)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_LA57 (1ull << 12)
#define CR4_PCIDE (1ull << 17)
#define EFER_LME (1ull << 8)
#define EFER_NXE (1ull << 11)
#define CR3_NOFLUSH (1ull << 63)

// mstatus fields.
#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_MPP_MASK (3ull << 11)
#define MSTATUS_MPP_U (0ull << 11)
#define MSTATUS_MPP_M (3ull << 11)

// mcause values of the platform.
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PF 12
#define CAUSE_LOAD_PF 13
#define CAUSE_STORE_PF 15
#define CAUSE_GP 24

static inline void write_cr0(uint64_t v) { csr_write(0x7C0, v); }
static inline void write_cr3(uint64_t v) { csr_write(0x7C1, v); }
static inline void write_cr4(uint64_t v) { csr_write(0x7C2, v); }
static inline void write_efer(uint64_t v) { csr_write(0x7C3, v); }
static inline uint64_t read_cr0(void) { return csr_read(0x7C0); }
static inline uint64_t read_cr3(void) { return csr_read(0x7C1); }
static inline uint64_t read_cr4(void) { return csr_read(0x7C2); }
static inline uint64_t read_pferr(void) { return csr_read(0xFC0); }

static inline void invlpg(uint64_t va) { __asm__ volatile(".insn r 0x0B, 0, 0, x0, %0, x0" ::"r"(va) : "memory"); }
// type 0: one address in a PCID, 1: a PCID, 2: all incl. global, 3: all but global.
static inline void invpcid(uint64_t type, const uint64_t desc[2]) {
    __asm__ volatile(".insn r 0x0B, 0, 1, x0, %0, %1" ::"r"(type), "r"(desc) : "memory");
}

static inline uint64_t rdcycle(void) { return csr_read(0xC00); }
static inline uint64_t rdinstret(void) { return csr_read(0xC02); }

// The MMU event counters (hpmcounter3..15).
enum {
    EV_L1I_HITS,
    EV_L1I_MISSES,
    EV_L1D_HITS,
    EV_L1D_MISSES,
    EV_L2_HITS,
    EV_L2_MISSES,
    EV_WALKS,
    EV_WALK_REFS,
    EV_PSC_HITS,
    EV_PAGE_FAULTS,
    EV_FLUSHES,
    EV_DROPPED,
    EV_XLAT_CYCLES,
    EV_COUNT
};

// A snapshot of cycle, instret and the event counters.
typedef struct counters {
    uint64_t cycle, instret;
    uint64_t ev[EV_COUNT];
} counters_t;

static inline void counters_read(counters_t* c) {
    c->cycle = csr_read(0xC00);
    c->instret = csr_read(0xC02);
    c->ev[EV_L1I_HITS] = csr_read(0xC03);
    c->ev[EV_L1I_MISSES] = csr_read(0xC04);
    c->ev[EV_L1D_HITS] = csr_read(0xC05);
    c->ev[EV_L1D_MISSES] = csr_read(0xC06);
    c->ev[EV_L2_HITS] = csr_read(0xC07);
    c->ev[EV_L2_MISSES] = csr_read(0xC08);
    c->ev[EV_WALKS] = csr_read(0xC09);
    c->ev[EV_WALK_REFS] = csr_read(0xC0A);
    c->ev[EV_PSC_HITS] = csr_read(0xC0B);
    c->ev[EV_PAGE_FAULTS] = csr_read(0xC0C);
    c->ev[EV_FLUSHES] = csr_read(0xC0D);
    c->ev[EV_DROPPED] = csr_read(0xC0E);
    c->ev[EV_XLAT_CYCLES] = csr_read(0xC0F);
}

// d = b - a
static inline void counters_delta(const counters_t* a, const counters_t* b, counters_t* d) {
    d->cycle = b->cycle - a->cycle;
    d->instret = b->instret - a->instret;
    for (int i = 0; i < EV_COUNT; ++i) d->ev[i] = b->ev[i] - a->ev[i];
}
