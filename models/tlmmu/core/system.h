// A complete MMU test system in plain C++: sparse physical memory, the
// walker's direct memory port, a bump allocator for page-table frames, a
// page-table builder and the MMU. What unit tests, experiments and
// benchmarks need to set up before the first translation.
#pragma once

#include "tlmmu/core/memory.h"
#include "tlmmu/core/mmu.h"
#include "tlmmu/core/page_table_builder.h"

namespace tlmmu {

struct SystemOptions {
    uint64_t memory_bytes = 4ull << 30;
    unsigned memory_latency = 20;        // cycles per page-table access
    uint64_t table_region = 0x100000;    // page-table frames are allocated upwards from here
    unsigned levels = 4;
};

// Physical memory with page tables in it: sparse memory, the walker's direct
// port, a bump allocator for page-table frames and the builder. What System
// (one CPU) and machine::SmpSystem (N CPUs) put their MMUs on.
class PageTableMemory {
 public:
    explicit PageTableMemory(const SystemOptions& options)
        : memory(options.memory_bytes),
          port(memory, options.memory_latency),
          builder(memory, [this] { return allocate_table(); }, options.levels),
          m_next_table(options.table_region) {}
    PageTableMemory(const PageTableMemory&) = delete;  // the builder's allocator points here
    PageTableMemory& operator=(const PageTableMemory&) = delete;

    uint64_t allocate_table() {
        const uint64_t frame = m_next_table;
        m_next_table += 4096;
        return frame;
    }
    uint64_t table_region_end() const { return m_next_table; }

    SparseMemory memory;
    DirectPhysicalAccess port;
    PageTableBuilder builder;

 private:
    uint64_t m_next_table;
};

class System : public PageTableMemory {
 public:
    explicit System(const MmuConfig& config = MmuConfig::skylake(), const SystemOptions& options = {})
        : PageTableMemory(options), mmu(config, port) {}

    // Long mode with EFER.NXE and CR0.WP, CR3 = root (PCID 0), 4- or 5-level
    // as the builder is set up. Returns false if any step faulted.
    bool boot(uint64_t root, uint64_t extra_cr4 = 0) {
        bool ok = mmu.write_efer(efer::LME | efer::NXE).ok();
        ok &= mmu.write_cr4(cr4::PAE | (builder.levels() == 5 ? cr4::LA57 : 0) | extra_cr4).ok();
        ok &= mmu.write_cr3(root).ok();
        ok &= mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP).ok();
        return ok;
    }

    Mmu mmu;
};

}  // namespace tlmmu
