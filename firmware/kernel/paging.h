// x86-64 page tables built by the firmware: 4- or 5-level, 4 KiB / 2 MiB /
// 1 GiB leaves, intermediate tables from the buddy allocator. All RAM is
// identity mapped (the kernel's direct map), so a table's physical address is
// also the address the firmware writes it through.
#pragma once

#include <stdint.h>

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_XD (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

#define SHIFT_4K 12
#define SHIFT_2M 21
#define SHIFT_1G 30
#define SIZE_4K (1ull << SHIFT_4K)
#define SIZE_2M (1ull << SHIFT_2M)
#define SIZE_1G (1ull << SHIFT_1G)
// Linear address of PML4 slot `s` (lower half).
#define PML4_SLOT(s) ((uint64_t)(s) << 39)

// 4 or 5: the paging mode the tables are built for (CR4.LA57).
extern unsigned g_paging_levels;

// A zeroed page-table page, 0 when memory is exhausted.
uint64_t pt_new_table(void);
// Maps one page of 2^page_shift bytes (12, 21 or 30); intermediate entries
// are created present, writable and user-accessible (the leaf decides).
// 0 on success, -1 if a table could not be allocated or a larger page is in the way.
int pt_map(uint64_t root, uint64_t va, uint64_t pa, unsigned page_shift, uint64_t flags);
// The leaf entry mapping `va` and its page shift, NULL if unmapped.
uint64_t* pt_leaf(uint64_t root, uint64_t va, unsigned* page_shift);
// Clears the leaf mapping `va` (and INVLPGs it when `flush`); -1 if unmapped.
int pt_unmap(uint64_t root, uint64_t va, int flush);
// Frees every table below entry `slot` of the root (not the mapped frames)
// and clears the entry. The caller flushes.
void pt_free_slot(uint64_t root, unsigned slot);
// Drops the reference to the 4 KiB frame of every leaf under root entry
// `slot` that has `owned_bit` set (frame_put: the last one frees it; the tables stay).
void pt_free_owned(uint64_t root, unsigned slot, uint64_t owned_bit);
// Sets (or clears) `bits` in every leaf under root entry `slot` whose
// flags match `match_mask`/`match_value`. Returns the number of leaves changed.
unsigned pt_update_leaves(uint64_t root, unsigned slot, uint64_t bits, int set, uint64_t match_mask,
                          uint64_t match_value);
// Page-table pages currently allocated (all address spaces).
extern unsigned g_page_tables;
