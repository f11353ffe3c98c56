// Range flush: N of the resident mapped pages change their frame; software then
// issues one INVLPG per changed page, or one INVPCID type 0 (individual
// address, PCID 0) per page, or reloads CR3 (a full flush of the non-global
// entries), and the process touches all resident pages again.
// Timed: the flush plus the re-touch. Kernel pages are global here, as in a
// kernel without page-table isolation.
#include "experiments.h"

#define MAX_RESIDENT 512

static unsigned g_resident;  // parameter range_flush.resident
#define BASE PML4_SLOT(40)

static const unsigned g_changed[] = {1, 2, 4, 8, 16, 24, 32, 33, 40, 48, 64, 96, 128, 256, 512, 0};

static uint64_t g_frames[2];
static unsigned g_generation;

static void change_pages(unsigned n) {
    ++g_generation;
    for (unsigned i = 0; i < n; ++i) {
        uint64_t* e = pt_leaf(g_kernel_root, BASE + (uint64_t)i * SIZE_4K, 0);
        *e = (*e & ~PTE_ADDR_MASK) | g_frames[g_generation & 1];
    }
}

enum flush_way { FLUSH_INVLPG, FLUSH_INVPCID, FLUSH_CR3 };

// Cycles and counters of flushing `n` changed pages one way and re-touching.
static void measure(unsigned n, enum flush_way way, counters_t* d) {
    sweep(BASE, g_resident, g_resident, SIZE_4K, 0, 2);  // resident in the TLBs
    change_pages(n);
    uint64_t descriptor[2] = {0, 0};  // PCID 0 (PCIDs are off), address
    counters_t a, b;
    counters_read(&a);
    switch (way) {
        case FLUSH_INVLPG:
            for (unsigned i = 0; i < n; ++i) invlpg(BASE + (uint64_t)i * SIZE_4K);
            break;
        case FLUSH_INVPCID:
            for (unsigned i = 0; i < n; ++i) {
                descriptor[1] = BASE + (uint64_t)i * SIZE_4K;
                invpcid(0, descriptor);
            }
            break;
        case FLUSH_CR3:
            write_cr3(g_kernel_root);
            break;
    }
    sweep(BASE, g_resident, g_resident, SIZE_4K, 0, 1);
    counters_read(&b);
    counters_delta(&a, &b, d);
}

void experiment_range_flush(void) {
    g_resident = (unsigned)param_in("range_flush.resident", 1, MAX_RESIDENT);
    g_frames[0] = page_alloc(0);
    g_frames[1] = page_alloc(0);
    if (!g_frames[0] || !g_frames[1]) panic("range flush: no frames");
    for (unsigned i = 0; i < g_resident; ++i)
        if (pt_map(g_kernel_root, BASE + (uint64_t)i * SIZE_4K, g_frames[0], SHIFT_4K, PTE_RW | PTE_A | PTE_D))
            panic("range flush: out of memory");
    write_cr3(g_kernel_root);
    for (const unsigned* n = g_changed; *n && *n <= g_resident; ++n) {
        counters_t inv, pcid, full;
        measure(*n, FLUSH_INVLPG, &inv);
        measure(*n, FLUSH_INVPCID, &pcid);
        measure(*n, FLUSH_CR3, &full);
        kprintf("@exp flush resident=%u pages=%u invlpg_cycles=%lu invlpg_walks=%lu invlpg_xlat_cycles=%lu"
                " invpcid_cycles=%lu invpcid_walks=%lu full_cycles=%lu full_walks=%lu full_xlat_cycles=%lu\n",
                g_resident, *n, (unsigned long)inv.cycle, (unsigned long)inv.ev[EV_WALKS],
                (unsigned long)inv.ev[EV_XLAT_CYCLES], (unsigned long)pcid.cycle, (unsigned long)pcid.ev[EV_WALKS],
                (unsigned long)full.cycle, (unsigned long)full.ev[EV_WALKS], (unsigned long)full.ev[EV_XLAT_CYCLES]);
    }
    pt_free_slot(g_kernel_root, (unsigned)(BASE >> 39));
    write_cr3(g_kernel_root);
    page_free(g_frames[1], 0);
    page_free(g_frames[0], 0);
}
