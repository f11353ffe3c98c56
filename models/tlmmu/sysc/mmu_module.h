// The MMU as a loosely-timed TLM-2.0 interconnect: linear (virtual) address
// transactions come in on `in`, are translated by a tlmmu::Mmu and go out to
// physical memory on `mem`. The page walker reads and updates page tables
// through `mem` as well. All architectural rules live in the core; this module
// maps them onto sockets, time and DMI.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_set>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "tlmmu/core/mmu.h"
#include "tlmmu/sysc/extension.h"

namespace tlmmu::sysc {

class MmuModule : public sc_core::sc_module {
 public:
    tlm_utils::simple_target_socket<MmuModule> in;      // linear addresses, from the processor model
    tlm_utils::simple_initiator_socket<MmuModule> mem;  // physical addresses, to memory

    // Translation latency is counted in cycles of `clock_period`; the walker's
    // memory latencies are rounded up to whole cycles.
    MmuModule(sc_core::sc_module_name name, const MmuConfig& config,
              sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS));
    ~MmuModule() override;

    Mmu& core() { return m_mmu; }
    const Mmu& core() const { return m_mmu; }
    const sc_core::sc_time& clock_period() const { return m_clock_period; }

    // Control operations. Each adds its cost to `delay` (loosely timed: the
    // caller's local time offset) and invalidates all DMI handed out, unless
    // it raised #GP.
    OperationResult write_cr0(uint64_t value, sc_core::sc_time& delay);
    OperationResult write_cr3(uint64_t value, sc_core::sc_time& delay);
    OperationResult write_cr4(uint64_t value, sc_core::sc_time& delay);
    OperationResult write_efer(uint64_t value, sc_core::sc_time& delay);
    OperationResult write_pkru(uint32_t value, sc_core::sc_time& delay);
    OperationResult invlpg(uint64_t va, sc_core::sc_time& delay);
    OperationResult invpcid(uint64_t type, uint64_t descriptor, uint64_t address, sc_core::sc_time& delay);
    void set_ac(bool ac);  // EFLAGS.AC: no cost; invalidates DMI when it changes

    // Whether translated accesses may reach memory through DMI pointers the
    // memory granted on `mem` (a bus bridge's fast path: on by default). The
    // bytes, the response and the annotated latency are those b_transport
    // would give; only the memory's b_transport is not called.
    void use_memory_dmi(bool on) {
        m_use_memory_dmi = on;
        m_memory_dmi = {};
    }

 private:
    class MemoryPort;

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    void memory_dmi_invalidated(sc_dt::uint64 start, sc_dt::uint64 end);

    sc_core::sc_time translation_start(const sc_core::sc_time& now);
    void resume_translation(const sc_core::sc_time& start);

    Translation translate_at(const Access& access, sc_core::sc_time& delay);
    Translation translate_timed(const Access& access, sc_core::sc_time& delay, TranslationExtension* ext,
                                bool first_piece);
    void fail(tlm::tlm_generic_payload& trans, TranslationExtension* ext, const Translation& t);
    bool write_permitted(const Access& read_access, const Translation& t) const;
    void revoke_dmi();
    // Page-table stores and DMI: see "DMI" in docs/tlm.md.
    void note_table_frame(uint64_t pa);
    bool holds_tables(uint64_t first_pa, uint64_t last_pa) const;
    void store_to(uint64_t pa, unsigned length) {
        if (m_dmi_granted && holds_tables(pa, pa + (length ? length - 1 : 0))) revoke_dmi();
    }
    bool access_through_memory_dmi(tlm::tlm_generic_payload& trans, uint64_t pa, sc_core::sc_time& delay);
    void acquire_memory_dmi(uint64_t pa);
    OperationResult charge(const OperationResult& r, sc_core::sc_time& delay) const;

    uint64_t to_cycles(const sc_core::sc_time& t) const;
    sc_core::sc_time to_time(uint64_t cycles) const {
        return cycles < m_short_times.size() ? m_short_times[cycles]
                                             : sc_core::sc_time::from_value(m_clock_period.value() * cycles);
    }

    sc_core::sc_time m_clock_period;
    std::array<sc_core::sc_time, 64> m_short_times;  // to_time of TLB hits without arithmetic
    std::unique_ptr<MemoryPort> m_port;  // the walker's PhysicalAccess over `mem`
    Mmu m_mmu;
    bool m_dmi_granted = false;  // some DMI region is outstanding on `in`
    bool m_dmi_write_granted = false;  // ... and one of them allows writes
    // Every 4 KiB frame the walker has read a paging-structure entry from
    // (frame numbers). A cached translation may rest on any of them, so a
    // store to one while DMI is outstanding revokes it, and no DMI region
    // that covers one is handed out writable. Frames are never forgotten:
    // after the OS reuses one for data, its stores over-invalidate, never under.
    std::unordered_set<uint64_t> m_table_frames;
    uint64_t m_last_table_frame = ~0ull;  // walks read a few frames over and over
    uint64_t m_changes = 0;      // Mmu::on_change notifications so far
    // The translation running in the core: the caller's local time offset,
    // and its absolute start once a walk step has needed it. Walks of several
    // processes interleave when the memory waits; each step restores its own
    // walk's start when the memory returns.
    sc_core::sc_time m_caller_offset;
    sc_core::sc_time m_start;
    bool m_start_known = false;
    uint64_t m_walk_steps = 0;  // walker transactions so far

    // DMI regions granted by the memory, for the data part of accesses.
    struct MemoryDmi {
        uint64_t start = 1, end = 0;  // empty until granted
        unsigned char* ptr = nullptr;
        bool read = false, write = false;
        sc_core::sc_time read_latency, write_latency;
    };
    bool m_use_memory_dmi = true;
    std::array<MemoryDmi, 8> m_memory_dmi{};
    unsigned m_memory_dmi_next = 0;  // round-robin replacement
    unsigned m_memory_dmi_last = 0;  // the region that served the last access
};

}  // namespace tlmmu::sysc
