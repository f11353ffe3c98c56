// What the page-walker co-simulation compares: the walk's result and the
// sequence of page-table reads and locked A/D compare-and-sets, recorded on
// the model side by a PhysicalAccess wrapper and on the RTL side by the memory
// transactor; plus the coverage of what the walks exercised.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tlmmu/core/memory.h"
#include "tlmmu/core/mmu.h"

namespace tlmmu::cosim::walker {

// One access of a walk to a paging-structure entry.
struct MemoryAccess {
    bool compare_and_set = false;  // a locked A/D update; else a read
    uint64_t pa = 0;
    uint64_t value = 0;     // the entry read, or the value the locked read found
    uint64_t expected = 0;  // compare-and-set: the value the walker expects
    uint64_t bits = 0;      // compare-and-set: the bits it sets
    bool error = false;     // the memory rejected the access

    bool operator==(const MemoryAccess& o) const {
        return compare_and_set == o.compare_and_set && pa == o.pa && value == o.value && expected == o.expected &&
               bits == o.bits && error == o.error;
    }
    bool operator!=(const MemoryAccess& o) const { return !(*this == o); }
};
std::string describe(const MemoryAccess& a);

// Another processor writing an entry between a walk's read and its locked update:
// XORs `xor_mask` into the entry just before the chosen compare-and-set (the
// ordinal-th of the transaction, or every one). Both sides apply the same plan.
struct Interference {
    bool active = false;
    bool every = false;
    unsigned ordinal = 0;
    uint64_t xor_mask = 0;
    bool applies(unsigned n) const { return active && (every || n == ordinal); }
};
// Applies the plan before compare-and-set number `n`; records the old value in `undo`.
void interfere(SparseMemory& memory, const Interference& plan, unsigned n, uint64_t pa,
               std::vector<std::pair<uint64_t, uint64_t>>* undo);

// The model's walker port: serves a SparseMemory, records every access and,
// so that the RTL can then walk the same memory, can undo what it wrote.
class RecordingAccess : public PhysicalAccess {
 public:
    explicit RecordingAccess(SparseMemory& memory) : m_memory(memory) {}

    void begin(const Interference& plan) {
        m_log.clear();
        m_undo.clear();
        m_plan = plan;
        m_cas_count = 0;
    }
    const std::vector<MemoryAccess>& log() const { return m_log; }
    void undo_writes();

    bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) override;
    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override;
    bool debug_read_entry(uint64_t pa, uint64_t& value) override { return m_memory.read64(pa, value); }

 private:
    SparseMemory& m_memory;
    std::vector<MemoryAccess> m_log;
    std::vector<std::pair<uint64_t, uint64_t>> m_undo;  // (pa, old value), in write order
    Interference m_plan;
    unsigned m_cas_count = 0;
};

enum class WalkFault : uint8_t { none = 0, pf = 1, bus = 2, gp = 3 };  // the RTL's res_fault encoding

// What the architecture makes visible of one walk.
struct WalkResult {
    WalkFault fault = WalkFault::none;
    uint32_t error_code = 0;
    uint64_t fault_address = 0;
    // Valid without a fault:
    uint64_t pa = 0;
    PageSize size = PageSize::k4;
    Rights rights;
    unsigned pkey = 0;
    bool global = false;
    bool dirty = false;
};
WalkResult from_translation(const Translation& t);
// Empty when equal, else the differing fields, "field: model X, rtl Y" each.
std::string compare(const WalkResult& model, const WalkResult& rtl);
std::string describe(const WalkResult& r);

// Coverage of the walks a run compared.
struct Coverage {
    uint64_t walks = 0;
    uint64_t ok_by_size[kPageSizes] = {};
    uint64_t not_present = 0;
    uint64_t pf_bits[6] = {};  // P, W, U, RSVD, I, PK set in the error code of a #PF
    uint64_t bus_read = 0;     // a page-table read rejected by the memory
    uint64_t bus_restart_limit = 0;
    uint64_t gp = 0;
    uint64_t started_at[6] = {};  // first level read: 5/4 from CR3, lower from a PSC hit
    uint64_t a_writes[6] = {};    // compare-and-sets setting A, by level of the entry
    uint64_t d_writes = 0;
    uint64_t lost_updates = 0;  // compare-and-sets that found the entry changed (walk restarted)
    uint64_t memory_stalls = 0;  // cycles a memory request waited for ready
    uint64_t read_accesses = 0;
    uint64_t cas_accesses = 0;

    // One compared walk that read its first entry at `start_level`.
    void count(const WalkResult& r, const std::vector<MemoryAccess>& accesses, unsigned start_level);
    std::string report(unsigned levels, bool psc) const;
    // Names of the bins a long enough run must reach and this one did not.
    std::vector<std::string> missing(unsigned levels, bool psc, bool gb_pages) const;
};

}  // namespace tlmmu::cosim::walker
