// Secondary harts, run queues and the IPI handler (smp.h).
#include "smp.h"

#include "paging.h"
#include "tlb.h"

percpu_t g_percpu[SMP_MAX_CPUS];
unsigned g_smp_cpus = 1;

// Set by hart 0 when the secondaries may enter the kernel; in .data, so the
// .bss clearing at boot cannot race with the secondaries polling it (boot.S).
__attribute__((section(".data"))) volatile uint64_t smp_release;
static volatile uint64_t g_online;  // secondaries in their idle loop
static int g_booted;

static void idle_loop(percpu_t* c) __attribute__((noreturn));

// A secondary hart, released by smp_boot: the kernel's paging mode, PCIDs on,
// interrupts on, then the idle loop (boot.S calls it on the hart's own stack).
void smp_secondary_main(uint64_t hartid) {
    percpu_t* c = &g_percpu[hartid];
    write_efer(EFER_LME | EFER_NXE);
    write_cr4(CR4_PAE | CR4_PGE | (g_paging_levels == 5 ? CR4_LA57 : 0));
    write_cr3(g_kernel_root);
    write_cr0(CR0_PE | CR0_PG | CR0_WP);
    write_cr4(read_cr4() | CR4_PCIDE);  // CR3's PCID is 0, as the SDM requires
    csr_write(mie, MIE_MSIE);
    c->idle = 1;
    atomic_add(&g_online, 1);
    idle_loop(c);
}

static int rq_pop(percpu_t* c, task_t* out) {
    int got = 0;
    spin_lock(&c->rq_lock);
    if (c->rq_head != c->rq_tail) {
        *out = c->rq[c->rq_head % SMP_RQ_SLOTS];
        ++c->rq_head;
        got = 1;
    } else {
        atomic_store(&c->idle, 1);
    }
    spin_unlock(&c->rq_lock);
    return got;
}

static void idle_loop(percpu_t* c) {
    for (;;) {
        task_t t;
        // Interrupts off between the check and wfi: a wake-up IPI arriving in
        // between stays pending and ends the wfi instead of being lost.
        irq_disable();
        if (!rq_pop(c, &t)) {
            __asm__ volatile("wfi");
            irq_enable();
            continue;
        }
        irq_enable();
        if (t.mm) switch_mm(t.mm);
        else enter_lazy();
        t.fn(t.arg);
    }
}

void smp_queue(unsigned cpu, void (*fn)(void*), void* arg, mm_t* mm) {
    percpu_t* c = &g_percpu[cpu];
    spin_lock(&c->rq_lock);
    if (c->rq_tail - c->rq_head == SMP_RQ_SLOTS) panic("run queue of CPU %u full", cpu);
    c->rq[c->rq_tail % SMP_RQ_SLOTS] = (task_t){fn, arg, mm};
    ++c->rq_tail;
    atomic_store(&c->idle, 0);
    spin_unlock(&c->rq_lock);
    smp_send_ipi(cpu);
}

void smp_wait_idle(unsigned cpu) {
    while (!atomic_load(&g_percpu[cpu].idle)) {
    }
}

void smp_boot(void) {
    if (g_booted) return;
    g_booted = 1;
    for (unsigned i = 0; i < SMP_MAX_CPUS; ++i) g_percpu[i].id = i;
    // Harts present: msip of a missing hart is an access fault (docs/isa.md).
    g_probe_active = 1;
    unsigned n = 1;
    while (n < SMP_MAX_CPUS) {
        g_probe_faulted = 0;
        (void)*CLINT_MSIP(n);
        if (g_probe_faulted) break;
        ++n;
    }
    g_probe_active = 0;
    g_smp_cpus = n;
    write_cr4(read_cr4() | CR4_PCIDE);
    csr_write(mie, MIE_MSIE);
    irq_enable();
    smp_mb();
    smp_release = 1;
    smp_mb();
    for (unsigned i = 1; i < n; ++i) smp_send_ipi(i);
    while (atomic_load(&g_online) < n - 1) {
    }
}

void smp_park_boot_cpu(void) {
    irq_disable();
    switch_to_kernel();
    write_cr4(read_cr4() & ~CR4_PCIDE);
    write_cr3(g_kernel_root);
}

void smp_ipi_interrupt(void) {
    percpu_t* c = this_cpu();
    const uint64_t t0 = rdcycle();
    *CLINT_MSIP(c->id) = 0;  // before the inbox scan: a later request raises it again
    smp_mb();
    uint64_t served = 0;
    for (unsigned src = 0; src < g_smp_cpus; ++src) {
        flush_info_t* f = c->inbox[src];
        if (!f) continue;
        c->inbox[src] = 0;
        flush_tlb_func(f);
        atomic_add(&f->pending, (uint64_t)-1);  // the acknowledgement; f may be gone after it
        ++served;
    }
    if (served) {  // flush requests served (several may share one interrupt)
        c->stats.ipis_received += served;
        c->stats.ipi_handler_cycles += rdcycle() - t0;
    }
}
