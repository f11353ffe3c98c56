// Builds x86-64 page tables in a SparseMemory: the tool scenarios, tests,
// benchmarks and the trace OS model use to set up what the walker reads.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>

#include "tlmmu/core/memory.h"
#include "tlmmu/core/paging.h"

namespace tlmmu {

class PageTableError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

class PageTableBuilder {
 public:
    // `allocate_table` returns the physical address of a free 4 KiB frame; the
    // builder zeroes it. `levels` is 4 or 5.
    PageTableBuilder(SparseMemory& memory, std::function<uint64_t()> allocate_table, unsigned levels = 4);

    unsigned levels() const { return m_levels; }
    void set_levels(unsigned levels) { m_levels = levels; }

    uint64_t new_root();

    // Maps the page of `size` at va to pa. `leaf_flags` are the leaf's bits
    // (P is added, and PS for 2M/1G); missing tables are created with
    // `table_flags` | P. Throws PageTableError on a misaligned address or when
    // a larger page already maps the range.
    void map(uint64_t root, uint64_t va, uint64_t pa, PageSize size, uint64_t leaf_flags,
             uint64_t table_flags = pte::RW | pte::US);

    // Clears the leaf entry mapping va. Returns false if va was not mapped.
    bool unmap(uint64_t root, uint64_t va);

    // Physical address of the entry at `level` used to translate va; throws
    // PageTableError when a higher level is not present or is a leaf.
    uint64_t entry_address(uint64_t root, uint64_t va, unsigned level) const;
    // The level of the leaf entry translating va, or 0 when not mapped.
    unsigned leaf_level_of(uint64_t root, uint64_t va) const;

    uint64_t read(uint64_t entry_pa) const;
    void write(uint64_t entry_pa, uint64_t value);

 private:
    SparseMemory& m_memory;
    std::function<uint64_t()> m_allocate;
    unsigned m_levels;
};

}  // namespace tlmmu
