// Demand paging: a user page fault on a not-present page inside the
// process's demand range gets a zeroed frame from the buddy allocator.
#include "cow.h"
#include "paging.h"
#include "proc.h"

#define PF_P 1u  // the fault was a protection violation, not a missing page
#define PF_W 2u  // a write

int fault_handle(proc_t* p, uint64_t address, uint64_t error_code) {
    const uint64_t start = rdcycle();
    if (!p) return -1;
    if (error_code & PF_P) {
        if (!(error_code & PF_W)) return -1;
        return shm_track_fault(p, address) == 0 ? 0 : cow_fault(p, address);
    }
    if ((address < p->demand_lo || address >= p->demand_hi) && !mm_contains(p, address)) return -1;
    const uint64_t page = address & ~(SIZE_4K - 1);
    const uint64_t frame = page_alloc(0);
    if (!frame) oom("demand-paged frame", SIZE_4K);
    kmemset((void*)frame, 0, SIZE_4K);
    if (pt_map(p->root, page, frame, SHIFT_4K, PTE_RW | PTE_US | PTE_OWNED) != 0) {
        page_free(frame, 0);
        return -1;
    }
    // A not-present entry is never cached: no invalidation is needed.
    ++p->faults;
    p->fault_cycles += rdcycle() - start;
    return 0;
}
