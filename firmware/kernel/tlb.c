// The flush path of tlb.h. The rules follow Linux's arch/x86/mm/tlb.c
// (flush_tlb_mm_range, flush_tlb_func, switch_mm_irqs_off, the lazy-TLB
// checks of should_flush_tlb, the per-CPU PCID slots of choose_new_asid and
// the INVLPGB path of broadcast_tlb_flush); the code is this kernel's own.
#include "tlb.h"

#include "paging.h"
#include "slab.h"

tlb_policy_t g_tlb_policy = {33, 1, 8};

static uint64_t g_next_ctx_id = 1;
static unsigned g_next_global = 0;
static spinlock_t g_mm_alloc_lock;

mm_t* mm_create(int broadcast) {
    spin_lock(&g_mm_alloc_lock);
    mm_t* mm = kmalloc(sizeof *mm);
    const uint64_t root = mm ? pt_new_table() : 0;
    if (!root) oom("mm", SIZE_4K);
    kmemset(mm, 0, sizeof *mm);
    mm->root = root;
    ((uint64_t*)root)[0] = ((uint64_t*)g_kernel_root)[0];  // the kernel mapping
    mm->ctx_id = g_next_ctx_id++;
    mm->tlb_gen = 1;
    if (broadcast) mm->global_pcid = (uint16_t)(TLB_GLOBAL_PCID_BASE + (g_next_global++ % 1024));
    spin_unlock(&g_mm_alloc_lock);
    return mm;
}

void mm_destroy(mm_t* mm) {
    spin_lock(&g_mm_alloc_lock);
    for (unsigned slot = 1; slot < 512; ++slot)
        if (((uint64_t*)mm->root)[slot] & PTE_P) pt_free_slot(mm->root, slot);
    ((uint64_t*)mm->root)[0] = 0;
    page_free(mm->root, 0);
    --g_page_tables;
    kfree(mm);
    spin_unlock(&g_mm_alloc_lock);
}

static void invpcid_single(uint64_t pcid) {
    const uint64_t desc[2] = {pcid, 0};
    invpcid(1, desc);
}

void switch_to_kernel(void) {
    percpu_t* c = this_cpu();
    if (c->loaded_mm) atomic_and(&c->loaded_mm->cpumask, ~(1ull << c->id));
    c->loaded_mm = 0;
    atomic_store(&c->is_lazy, 0);
    write_cr3(g_kernel_root);  // PCID 0
}

void enter_lazy(void) {
    percpu_t* c = this_cpu();
    if (c->loaded_mm) atomic_store(&c->is_lazy, 1);
}

void switch_mm(mm_t* mm) {
    percpu_t* c = this_cpu();
    const uint64_t bit = 1ull << c->id;
    if (c->loaded_mm == mm) {
        if (!c->is_lazy) return;
        // Back from a kernel thread: the CPU stayed in the mask but may have
        // been skipped by shootdowns meanwhile; tlb_gen says.
        atomic_store(&c->is_lazy, 0);
        smp_mb();  // is_lazy = 0 before reading tlb_gen (an initiator bumps, then reads is_lazy)
        if (mm->global_pcid) return;  // INVLPGB reached this CPU while it was lazy
        const uint64_t gen = atomic_load(&mm->tlb_gen);
        if (c->ctxs[c->loaded_slot].tlb_gen < gen) {
            invpcid_single(c->loaded_slot + 1);
            c->ctxs[c->loaded_slot].tlb_gen = gen;
            ++c->stats.switch_flushes;
        }
        return;
    }
    if (c->loaded_mm) atomic_and(&c->loaded_mm->cpumask, ~bit);
    atomic_or(&mm->cpumask, bit);
    smp_mb();  // in the mask before reading tlb_gen: a later change will reach this CPU
    atomic_store(&c->is_lazy, 0);
    c->loaded_mm = mm;
    if (mm->global_pcid) {
        // Broadcast flushes keep the global PCID coherent on every CPU, loaded or not.
        write_cr3(mm->root | mm->global_pcid | CR3_NOFLUSH);
        return;
    }
    const uint64_t gen = atomic_load(&mm->tlb_gen);
    unsigned slot = TLB_DYN_PCIDS;
    for (unsigned i = 0; i < TLB_DYN_PCIDS; ++i)
        if (c->ctxs[i].ctx_id == mm->ctx_id) slot = i;
    int need_flush = 1;
    if (slot < TLB_DYN_PCIDS) {
        need_flush = c->ctxs[slot].tlb_gen < gen;
    } else {
        slot = c->next_slot;
        c->next_slot = (c->next_slot + 1) % TLB_DYN_PCIDS;
        c->ctxs[slot].ctx_id = mm->ctx_id;
    }
    c->ctxs[slot].tlb_gen = gen;
    c->loaded_slot = slot;
    if (need_flush) ++c->stats.switch_flushes;
    write_cr3(mm->root | (slot + 1) | (need_flush ? 0 : CR3_NOFLUSH));
}

void flush_tlb_func(const flush_info_t* f) {
    percpu_t* c = this_cpu();
    if (c->loaded_mm != f->mm) return;  // switched away: switch_mm checks tlb_gen when it comes back
    const uint64_t mm_gen = atomic_load(&f->mm->tlb_gen);
    const uint64_t local_gen = c->ctxs[c->loaded_slot].tlb_gen;
    if (local_gen >= mm_gen) {  // an earlier flush already covered this change
        ++c->stats.flush_skipped;
        return;
    }
    // Only the change this request describes is missing: flush its pages.
    // Anything more (several changes behind, or a whole-mm request): the PCID.
    if (f->pages != TLB_FLUSH_ALL && f->new_tlb_gen == local_gen + 1 && f->new_tlb_gen == mm_gen) {
        for (uint64_t i = 0; i < f->pages; ++i) invlpg(f->start + (i << SHIFT_4K));
        c->stats.invlpgs += f->pages;
        ++c->stats.flush_partial;
    } else {
        invpcid_single(c->loaded_slot + 1);
        ++c->stats.flush_full;
    }
    c->ctxs[c->loaded_slot].tlb_gen = mm_gen;
}

// INVLPGB on the mm's global PCID, then TLBSYNC: done on every CPU when it returns.
static void broadcast_flush(mm_t* mm, uint64_t start, uint64_t pages, int freed_tables) {
    percpu_t* c = this_cpu();
    const uint64_t t0 = rdcycle();
    const uint64_t edx = (uint64_t)mm->global_pcid << 16;
    const uint64_t final = freed_tables ? 0 : INVLPGB_FINAL_ONLY;
    if (pages == TLB_FLUSH_ALL) {
        invlpgb(INVLPGB_PCID, 0, edx);
        ++c->stats.invlpgb;
    } else {
        for (uint64_t done = 0; done < pages;) {
            uint64_t n = pages - done;
            if (n > g_tlb_policy.invlpgb_pages) n = g_tlb_policy.invlpgb_pages;
            invlpgb(((start + (done << SHIFT_4K)) & ~(SIZE_4K - 1)) | INVLPGB_VA | INVLPGB_PCID | final, n - 1, edx);
            ++c->stats.invlpgb;
            done += n;
        }
    }
    tlbsync();
    ++c->stats.tlbsync;
    c->stats.invlpgb_cycles += rdcycle() - t0;
}

void flush_tlb_mm_range(mm_t* mm, uint64_t start, uint64_t pages, int freed_tables) {
    percpu_t* c = this_cpu();
    if (pages != TLB_FLUSH_ALL && pages > g_tlb_policy.ceiling) pages = TLB_FLUSH_ALL;
    const uint64_t new_gen = atomic_add(&mm->tlb_gen, 1);
    if (mm->global_pcid) {
        broadcast_flush(mm, start, pages, freed_tables);
        return;
    }
    flush_info_t info = {mm, start, pages, new_gen, 0};
    // The targets: the mask without this CPU, without lazy CPUs when lazy TLB is on.
    const uint64_t mask = atomic_load(&mm->cpumask) & ~(1ull << c->id);
    uint64_t targets = 0;
    for (unsigned cpu = 0; cpu < g_smp_cpus; ++cpu) {
        if (!(mask >> cpu & 1)) continue;
        if (g_tlb_policy.lazy && atomic_load(&g_percpu[cpu].is_lazy)) {
            ++c->stats.lazy_skipped;
            continue;
        }
        targets |= 1ull << cpu;
    }
    unsigned count = 0;
    for (uint64_t t = targets; t; t &= t - 1) ++count;
    info.pending = count;
    for (unsigned cpu = 0; cpu < g_smp_cpus; ++cpu) {
        if (!(targets >> cpu & 1)) continue;
        g_percpu[cpu].inbox[c->id] = &info;
        smp_mb();
        smp_send_ipi(cpu);
        ++c->stats.ipis_sent;
    }
    // The local flush while the IPIs fly (Linux's flush_tlb_multi does the same).
    if (c->loaded_mm == mm) flush_tlb_func(&info);
    const uint64_t t0 = rdcycle();
    while (atomic_load(&info.pending)) {
    }
    c->stats.ack_wait_cycles += rdcycle() - t0;
}
