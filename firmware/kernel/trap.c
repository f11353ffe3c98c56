// The trap handler: system calls and page faults of user processes; probing
// faults and fatal errors of the kernel.
#include "kernel.h"
#include "cow.h"
#include "proc.h"
#include "reclaim.h"
#include "smp.h"

volatile int g_probe_active;
volatile int g_probe_faulted;

static const char* cause_name(uint64_t cause) {
    switch (cause) {
        case CAUSE_FETCH_ACCESS: return "instruction access fault";
        case CAUSE_ILLEGAL: return "illegal instruction";
        case CAUSE_BREAKPOINT: return "breakpoint";
        case CAUSE_LOAD_ACCESS: return "load access fault";
        case CAUSE_STORE_ACCESS: return "store access fault";
        case CAUSE_ECALL_U: return "ecall from user mode";
        case CAUSE_ECALL_M: return "ecall from machine mode";
        case CAUSE_FETCH_PF: return "instruction page fault";
        case CAUSE_LOAD_PF: return "load page fault";
        case CAUSE_STORE_PF: return "store page fault";
        case CAUSE_GP: return "general protection (#GP)";
    }
    return "unexpected trap";
}

static void user_trap(trap_frame_t* f, uint64_t cause, uint64_t tval) {
    proc_t* p = proc_current();
    switch (cause) {
        case CAUSE_ECALL_U:
            f->mepc += 4;
            switch (f->regs[REG_A7]) {
                case SYS_YIELD: sched_yield(f); return;
                case SYS_EXIT: sched_exit(f, f->regs[REG_A0]); return;
                case SYS_REPORT:
                    if (p->report_count < sizeof p->reports / sizeof p->reports[0]) {
                        p->report_faults[p->report_count] = p->faults;
                        p->reports[p->report_count++] = f->regs[REG_A0];
                    }
                    return;
                case SYS_BRK: f->regs[REG_A0] = sys_brk(p, f->regs[REG_A0]); return;
                case SYS_MMAP: f->regs[REG_A0] = sys_mmap(p, f->regs[REG_A0]); return;
                case SYS_MUNMAP: f->regs[REG_A0] = sys_munmap(p, f->regs[REG_A0], f->regs[REG_A1]); return;
                case SYS_SHM_PROTECT: shm_protect(p); return;
                case SYS_FORK: {
                    const proc_t* child = sys_fork(p, f);
                    f->regs[REG_A0] = child ? (uint64_t)child->pid : (uint64_t)-1;
                    return;
                }
            }
            break;
        case CAUSE_FETCH_PF:
        case CAUSE_LOAD_PF:
        case CAUSE_STORE_PF:
            if (p->reclaim && reclaim_fault(p, f, tval) == 0) return;
            if (fault_handle(p, tval, read_pferr()) == 0) return;
            break;
    }
    kprintf("process %d killed: %s at pc %p, address %p, error code %lx\n", p ? p->pid : 0, cause_name(cause),
            (void*)f->mepc, (void*)tval, (unsigned long)read_pferr());
    sched_exit(f, 255);
}

void trap_handler(trap_frame_t* f) {
    const uint64_t cause = csr_read(mcause);
    const uint64_t tval = csr_read(mtval);
    if (cause == CAUSE_MSI) {  // an IPI: flush requests, or a wake-up for the run queue
        smp_ipi_interrupt();
        return;
    }
    if (cause >> 63) return;  // no other interrupt is enabled; ignore a stray one
    if ((f->mstatus & MSTATUS_MPP_MASK) == MSTATUS_MPP_U) {
        user_trap(f, cause, tval);
        return;
    }
    if (g_probe_active && cause == CAUSE_LOAD_ACCESS) {
        g_probe_faulted = 1;
        f->mepc += 4;
        return;
    }
    panic("kernel trap: %s (mcause %lu) at pc %p, mtval %p, pferr %lx", cause_name(cause), (unsigned long)cause,
          (void*)f->mepc, (void*)tval, (unsigned long)read_pferr());
}
