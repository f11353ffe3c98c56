#include "paging.h"

#include "kernel.h"

unsigned g_paging_levels = 4;
unsigned g_page_tables;

static unsigned index_of(uint64_t va, unsigned level) { return (unsigned)(va >> (12 + 9 * (level - 1))) & 511; }

uint64_t pt_new_table(void) {
    const uint64_t t = page_alloc(0);
    if (t) {
        kmemset((void*)t, 0, SIZE_4K);
        ++g_page_tables;
    }
    return t;
}

int pt_map(uint64_t root, uint64_t va, uint64_t pa, unsigned page_shift, uint64_t flags) {
    const unsigned leaf_level = 1 + (page_shift - 12) / 9;
    uint64_t* table = (uint64_t*)root;
    for (unsigned level = g_paging_levels; level > leaf_level; --level) {
        uint64_t* e = &table[index_of(va, level)];
        if (!(*e & PTE_P)) {
            const uint64_t t = pt_new_table();
            if (!t) return -1;
            *e = t | PTE_P | PTE_RW | PTE_US;
        } else if (*e & PTE_PS) {
            return -1;  // a large page already maps this range
        }
        table = (uint64_t*)(*e & PTE_ADDR_MASK);
    }
    table[index_of(va, leaf_level)] = (pa & PTE_ADDR_MASK) | flags | PTE_P | (leaf_level > 1 ? PTE_PS : 0);
    return 0;
}

uint64_t* pt_leaf(uint64_t root, uint64_t va, unsigned* page_shift) {
    uint64_t* table = (uint64_t*)root;
    for (unsigned level = g_paging_levels; level >= 1; --level) {
        uint64_t* e = &table[index_of(va, level)];
        if (!(*e & PTE_P)) return 0;
        if (level == 1 || (*e & PTE_PS)) {
            if (page_shift) *page_shift = 12 + 9 * (level - 1);
            return e;
        }
        table = (uint64_t*)(*e & PTE_ADDR_MASK);
    }
    return 0;
}

int pt_unmap(uint64_t root, uint64_t va, int flush) {
    uint64_t* e = pt_leaf(root, va, 0);
    if (!e) return -1;
    *e = 0;
    if (flush) invlpg(va);
    return 0;
}

static void free_table(uint64_t table, unsigned level) {
    uint64_t* t = (uint64_t*)table;
    if (level > 1)
        for (unsigned i = 0; i < 512; ++i)
            if ((t[i] & PTE_P) && !(t[i] & PTE_PS)) free_table(t[i] & PTE_ADDR_MASK, level - 1);
    page_free(table, 0);
    --g_page_tables;
}

void pt_free_slot(uint64_t root, unsigned slot) {
    uint64_t* e = &((uint64_t*)root)[slot];
    if ((*e & PTE_P) && !(*e & PTE_PS)) free_table(*e & PTE_ADDR_MASK, g_paging_levels - 1);
    *e = 0;
}

static void free_owned(uint64_t table, unsigned level, uint64_t owned_bit) {
    uint64_t* t = (uint64_t*)table;
    for (unsigned i = 0; i < 512; ++i) {
        if (!(t[i] & PTE_P)) continue;
        if (level > 1 && !(t[i] & PTE_PS)) free_owned(t[i] & PTE_ADDR_MASK, level - 1, owned_bit);
        else if (level == 1 && (t[i] & owned_bit)) frame_put(t[i] & PTE_ADDR_MASK);
    }
}

void pt_free_owned(uint64_t root, unsigned slot, uint64_t owned_bit) {
    const uint64_t e = ((uint64_t*)root)[slot];
    if ((e & PTE_P) && !(e & PTE_PS)) free_owned(e & PTE_ADDR_MASK, g_paging_levels - 1, owned_bit);
}

static unsigned update(uint64_t table, unsigned level, uint64_t bits, int set, uint64_t mask, uint64_t value) {
    uint64_t* t = (uint64_t*)table;
    unsigned changed = 0;
    for (unsigned i = 0; i < 512; ++i) {
        if (!(t[i] & PTE_P)) continue;
        if (level > 1 && !(t[i] & PTE_PS)) {
            changed += update(t[i] & PTE_ADDR_MASK, level - 1, bits, set, mask, value);
        } else if ((t[i] & mask) == value) {
            t[i] = set ? (t[i] | bits) : (t[i] & ~bits);
            ++changed;
        }
    }
    return changed;
}

unsigned pt_update_leaves(uint64_t root, unsigned slot, uint64_t bits, int set, uint64_t match_mask,
                          uint64_t match_value) {
    const uint64_t e = ((uint64_t*)root)[slot];
    if (!(e & PTE_P)) return 0;
    return update(e & PTE_ADDR_MASK, g_paging_levels - 1, bits, set, match_mask, match_value);
}
