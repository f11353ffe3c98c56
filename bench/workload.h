// The benchmark's address space and its three access streams. Page tables are
// built once in a SparseMemory (the memory model's storage when the TLM part
// runs); every stream is a precomputed, seeded sequence of linear addresses
// together with the physical address each translates to, so address generation
// is never timed and the baseline reads exactly the physical addresses the MMU
// produces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tlmmu/core/memory.h"
#include "tlmmu/core/mmu.h"

namespace tlmmu::bench {

struct Stream {
    std::string name;         // "l1-hit", "l2-hit", "walk"
    std::string description;  // one line for the report
    uint64_t pages = 0;       // distinct 4 KiB pages the stream touches
    std::vector<uint64_t> va;
    std::vector<uint64_t> pa;  // filled by Workload::resolve
    uint64_t per_repetition = 0;  // accesses timed in one repetition
};

struct WorkloadSize {
    uint64_t walk_pages = 1u << 18;   // 1 GiB of 4 KiB pages
    size_t walk_stream = 1u << 19;    // addresses in the walk-heavy stream
    uint64_t l1_accesses = 4u << 20;  // per repetition
    uint64_t l2_accesses = 2u << 20;
    uint64_t walk_accesses = 1u << 19;
};

class Workload {
 public:
    // Physical layout: page tables from kTableBase up, data frames (aliased
    // modulo kDataFrames) from kDataBase up.
    static constexpr uint64_t kMemoryBytes = 1ull << 32;
    static constexpr uint64_t kDataBase = 0x0100'0000;    // 16 MiB
    static constexpr uint64_t kDataFrames = 4096;          // 16 MiB of data frames
    static constexpr uint64_t kTableBase = 0x4000'0000;   // 1 GiB

    Workload(SparseMemory& memory, const WorkloadSize& size);

    uint64_t cr3() const { return m_root; }
    uint64_t table_bytes() const { return m_next_table - kTableBase; }
    std::vector<Stream>& streams() { return m_streams; }

    // Turns on 4-level paging with CR3 = cr3() through the given control
    // operations (the core's own or a wrapper's), in the architectural order.
    template <class Control>
    static bool enable_paging(Control&& control, uint64_t root);

    // Fills each stream's physical addresses with side-effect-free debug
    // translations; false (with the failing address) if any faults.
    bool resolve(const Mmu& mmu, std::string& error);

 private:
    void map_range(uint64_t va, uint64_t pages, uint64_t first_frame);

    SparseMemory& m_memory;
    uint64_t m_next_table = kTableBase;
    uint64_t m_root = 0;
    std::vector<Stream> m_streams;
};

// The control operations every MMU front end offers, in the order that enables
// IA-32e paging: EFER.LME and NXE, CR4.PAE, CR3, then CR0.PG.
template <class Control>
bool Workload::enable_paging(Control&& control, uint64_t root) {
    return control.efer(efer::LME | efer::NXE) && control.cr4(cr4::PAE) && control.cr3(root) &&
           control.cr0(cr0::PE | cr0::WP | cr0::PG);
}

// Median of a set of samples (the mean of the two middle ones for an even count).
double median(std::vector<double> values);

}  // namespace tlmmu::bench
