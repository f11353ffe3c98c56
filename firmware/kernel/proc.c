#include "proc.h"

#include "paging.h"

static proc_t g_procs[MAX_PROCS];
static proc_t* g_current;
static const sched_config_t* g_config;
static sched_stats_t* g_stats;
static uint64_t g_switches;
static counters_t g_slice_start;

const char* sched_mode_name(sched_mode_t mode) {
    switch (mode) {
        case SCHED_PCID_OFF: return "pcid-off";
        case SCHED_PCID_ON: return "pcid-on";
        case SCHED_PCID_NOFLUSH: return "pcid-noflush";
    }
    return "?";
}

proc_t* proc_current(void) { return g_current; }

proc_t* proc_by_pid(int pid) {
    if (pid < 1 || pid > MAX_PROCS || g_procs[pid - 1].state == PROC_FREE) return 0;
    return &g_procs[pid - 1];
}

proc_t* proc_create(void (*entry)(void), const uint64_t args[4]) {
    for (int i = 0; i < MAX_PROCS; ++i) {
        proc_t* p = &g_procs[i];
        if (p->state != PROC_FREE) continue;
        kmemset(p, 0, sizeof *p);
        p->root = pt_new_table();
        if (!p->root) return 0;
        ((uint64_t*)p->root)[0] = ((uint64_t*)g_kernel_root)[0];  // the shared kernel mapping
        p->pid = i + 1;
        p->pcid = (uint16_t)(i + 1);
        p->state = PROC_RUNNABLE;
        p->frame.mepc = (uint64_t)entry;
        p->frame.mstatus = MSTATUS_MPP_U | MSTATUS_MPIE;
        p->frame.regs[REG_A0] = args[0];
        p->frame.regs[REG_A1] = args[1];
        p->frame.regs[REG_A2] = args[2];
        p->frame.regs[REG_A3] = args[3];
        return p;
    }
    return 0;
}

void proc_destroy(proc_t* p) {
    uint64_t* root = (uint64_t*)p->root;
    for (unsigned slot = 1; slot < 512; ++slot) {
        if (!(root[slot] & PTE_P)) continue;
        // Free the frames the process owns (demand-paged, heap, mappings), then the tables.
        pt_free_owned(p->root, slot, PTE_OWNED);
        pt_free_slot(p->root, slot);
    }
    root[0] = 0;
    page_free(p->root, 0);
    --g_page_tables;
    p->state = PROC_FREE;
}

static proc_t* next_runnable(proc_t* after) {
    const int start = after ? (int)(after - g_procs) + 1 : 0;
    for (int k = 0; k < MAX_PROCS; ++k) {
        proc_t* p = &g_procs[(start + k) % MAX_PROCS];
        if (p->state == PROC_RUNNABLE) return p;
    }
    return 0;
}

// Loads p's page tables as the scheduler's mode says, then does the kernel's
// post-switch work (touching its working set).
static void switch_to(proc_t* p, int measured) {
    uint64_t cr3 = p->root;
    if (g_config->mode != SCHED_PCID_OFF) {
        cr3 |= p->pcid;
        if (g_config->mode == SCHED_PCID_NOFLUSH && p->pcid_primed) cr3 |= CR3_NOFLUSH;
        p->pcid_primed = 1;
    }
    const uint64_t before = rdcycle();
    write_cr3(cr3);
    const uint64_t after = rdcycle();
    if (measured) g_stats->switch_cycles += after - before;
    counters_read(&g_slice_start);
    for (unsigned i = 0; i < g_config->kernel_pages; ++i)
        (void)*(volatile const uint64_t*)(g_config->kernel_area + (uint64_t)i * SIZE_4K + 64);
    g_current = p;
}

static void account_slice(void) {
    counters_t now, d;
    counters_read(&now);
    if (g_switches > g_config->warmup_switches) {
        counters_delta(&g_slice_start, &now, &d);
        g_stats->refill.cycle += d.cycle;
        g_stats->refill.instret += d.instret;
        for (int i = 0; i < EV_COUNT; ++i) g_stats->refill.ev[i] += d.ev[i];
    }
}

static void reschedule(trap_frame_t* frame) {
    account_slice();
    g_current->frame = *frame;
    proc_t* next = next_runnable(g_current);
    const int limit = g_config->switch_limit && g_switches >= g_config->switch_limit;
    if (!next || limit) {
        write_cr3(g_kernel_root);  // PCID 0
        g_current = 0;
        sched_leave();
    }
    ++g_switches;
    const int measured = g_switches > g_config->warmup_switches;
    if (measured) ++g_stats->switches;
    switch_to(next, measured);
    *frame = next->frame;
}

void sched_yield(trap_frame_t* frame) { reschedule(frame); }

void sched_exit(trap_frame_t* frame, uint64_t code) {
    g_current->exit_code = code;
    g_current->state = PROC_EXITED;
    reschedule(frame);
}

void sched_run(const sched_config_t* config, sched_stats_t* stats) {
    g_config = config;
    g_stats = stats;
    g_switches = 0;
    kmemset(stats, 0, sizeof *stats);
    proc_t* first = next_runnable(0);
    if (!first) return;
    const int pcid = config->mode != SCHED_PCID_OFF;
    if (pcid) write_cr4(read_cr4() | CR4_PCIDE);  // CR3's PCID is 0 here, as the SDM requires
    switch_to(first, 0);
    // The frame sits where a trap from user mode will put it (trap.S).
    trap_frame_t* frame = (trap_frame_t*)((uintptr_t)trap_stack_top - sizeof(trap_frame_t));
    *frame = first->frame;
    sched_enter(frame);  // returns when the scheduler leaves
    if (pcid) {
        write_cr4(read_cr4() & ~CR4_PCIDE);
        write_cr3(g_kernel_root);
    }
}
