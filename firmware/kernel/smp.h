// Many harts: per-CPU data, spinlocks and atomics on the A extension, IPIs
// through the CLINT's msip registers, and per-CPU run queues of tasks
// (docs/firmware.md, "SMP kernel"). Hart 0 boots the kernel; the other harts
// wait in `wfi` until smp_boot releases them, then turn paging on with the
// kernel's tables and idle, running what is queued on them.
#pragma once

#include "kernel.h"

#define SMP_MAX_CPUS 16
#define SMP_STACK_BYTES 16384
#define SMP_RQ_SLOTS 8
#define CLINT_MSIP(cpu) ((volatile uint32_t*)(CLINT_BASE + 4ull * (cpu)))
#define CAUSE_MSI ((1ull << 63) | 3)
#define MIE_MSIE (1ull << 3)

typedef struct spinlock {
    volatile uint32_t locked;
} spinlock_t;

static inline void spin_lock(spinlock_t* l) {
    while (__atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
        }
    }
}
static inline void spin_unlock(spinlock_t* l) { __atomic_store_n(&l->locked, 0u, __ATOMIC_RELEASE); }

static inline uint64_t atomic_add(volatile uint64_t* p, uint64_t v) {
    return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}
static inline uint64_t atomic_load(const volatile uint64_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void atomic_store(volatile uint64_t* p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline void atomic_or(volatile uint64_t* p, uint64_t v) { __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); }
static inline void atomic_and(volatile uint64_t* p, uint64_t v) { __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); }
static inline void smp_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

static inline unsigned smp_cpu_id(void) { return (unsigned)csr_read(mhartid); }
static inline void irq_enable(void) { csr_set(mstatus, MSTATUS_MIE); }
static inline void irq_disable(void) { csr_clear(mstatus, MSTATUS_MIE); }

struct mm;
struct flush_info;

// Work for a CPU: fn(arg) in the address space `mm` (switch_mm), or as a
// kernel thread when `mm` is NULL (lazy TLB: the previous mm stays loaded).
typedef struct task {
    void (*fn)(void* arg);
    void* arg;
    struct mm* mm;
} task_t;

// What the flush code counts per CPU (tlb.c); the experiments read and reset it.
typedef struct tlb_stats {
    uint64_t ipis_sent, ipis_received, ipi_handler_cycles;
    uint64_t flush_partial, flush_full, flush_skipped;  // flush_tlb_func outcomes (local and remote)
    uint64_t invlpgs;                                   // INVLPGs of partial flushes
    uint64_t lazy_skipped;                              // IPIs not sent because the target was lazy
    uint64_t switch_flushes;                            // flushes taken in switch_mm (tlb_gen behind, or a new PCID slot)
    uint64_t invlpgb, tlbsync, invlpgb_cycles;          // broadcasts issued, TLBSYNCs, cycles of both
    uint64_t ack_wait_cycles;                           // initiator spinning for acknowledgements
} tlb_stats_t;

#define TLB_DYN_PCIDS 6  // per-CPU PCID slots (Linux: TLB_NR_DYN_ASIDS)

typedef struct percpu {
    unsigned id;
    // TLB state (Linux's cpu_tlbstate): the mm CR3 holds (also while lazy),
    // its PCID slot, and per slot which mm it caches and up to which tlb_gen.
    struct mm* loaded_mm;
    unsigned loaded_slot;
    volatile uint64_t is_lazy;
    unsigned next_slot;
    struct {
        uint64_t ctx_id;
        uint64_t tlb_gen;
    } ctxs[TLB_DYN_PCIDS];
    // Flush requests: one slot per initiating CPU (an initiator waits for
    // every acknowledgement before it sends again).
    struct flush_info* volatile inbox[SMP_MAX_CPUS];
    // The run queue.
    spinlock_t rq_lock;
    task_t rq[SMP_RQ_SLOTS];
    unsigned rq_head, rq_tail;
    volatile uint64_t idle;  // 1 while waiting in the idle loop with nothing queued
    tlb_stats_t stats;
} percpu_t;

extern percpu_t g_percpu[SMP_MAX_CPUS];
extern unsigned g_smp_cpus;  // harts present (probed by smp_boot)

static inline percpu_t* this_cpu(void) { return &g_percpu[smp_cpu_id()]; }

// Probes the harts (a load of msip[i] faults past the last one), releases
// the secondaries and waits until every one runs its idle loop with paging
// on and CR4.PCIDE set; sets PCIDE on the calling hart (0) too. Idempotent.
void smp_boot(void);
// Hart 0 only: PCIDs off again and the kernel's tables loaded (after the SMP experiments).
void smp_park_boot_cpu(void);
// A software interrupt to `cpu`.
static inline void smp_send_ipi(unsigned cpu) { *CLINT_MSIP(cpu) = 1; }
// Queues a task on `cpu` and wakes it. Panics when its queue is full.
void smp_queue(unsigned cpu, void (*fn)(void*), void* arg, struct mm* mm);
// Waits until `cpu` has run everything queued on it and idles again.
void smp_wait_idle(unsigned cpu);
// The software-interrupt handler (trap.c): clears msip, serves flush requests.
void smp_ipi_interrupt(void);
