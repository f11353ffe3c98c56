// The TLM-2.0 side of the benchmark: one elaboration holding an initiator, the
// MMU in front of a memory model, and a second, bare memory model for the
// baseline. A single SC_THREAD runs every measurement (core, TLM and baseline)
// one after another, so they share one elaboration and one process.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "driver.h"
#include "tlmmu/sysc/extension.h"
#include "tlmmu/sysc/memory.h"
#include "tlmmu/sysc/mmu_module.h"
#include "workload.h"

namespace tlmmu::bench {

// A loosely-timed initiator issuing 8-byte reads with the five-step quantum
// keeper loop: take the local time, b_transport, set it back, need_sync, sync.
class Initiator : public sc_core::sc_module {
 public:
    tlm_utils::simple_initiator_socket<Initiator> to_mmu;     // virtual addresses
    tlm_utils::simple_initiator_socket<Initiator> to_memory;  // physical addresses, no MMU

    explicit Initiator(sc_core::sc_module_name name);
    ~Initiator() override;

    // What the thread runs once the simulation starts.
    void set_job(std::function<void()> job) { m_job = std::move(job); }

    // `count` reads through `socket`, cycling through `addresses`. Returns the
    // time of the loop; counts error responses in `errors`.
    Timing read_loop(tlm_utils::simple_initiator_socket<Initiator>& socket, const std::vector<uint64_t>& addresses,
                     uint64_t count, uint64_t& errors);

    // The same reads through `to_mmu` as an initiator with a DMI cache does
    // them: a read inside a region it holds is a copy through the pointer
    // plus the region's latency; any other goes through b_transport and, when
    // the response allows DMI, asks for the page's region. Regions are kept
    // until the MMU invalidates them.
    Timing read_loop_dmi(const std::vector<uint64_t>& addresses, uint64_t count, uint64_t& errors);
    uint64_t dmi_requests() const { return m_dmi_requests; }

 private:
    void thread();
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
    void request_dmi(uint64_t va);

    // A DMI region the MMU granted for reads, kept in a direct-mapped table
    // indexed by the page number of the address it was asked for.
    struct DmiRegion {
        uint64_t start = 1, end = 0;  // empty
        unsigned char* ptr = nullptr;
        sc_core::sc_time latency;
    };
    static constexpr unsigned kDmiSlots = 4096;  // a power of two: 16 MiB of 4 KiB pages
    std::vector<DmiRegion> m_dmi;
    uint64_t m_dmi_requests = 0;

    tlm_utils::tlm_quantumkeeper m_qk;
    tlm::tlm_generic_payload m_trans;
    sysc::TranslationExtension m_ext;  // explicit supervisor data reads
    std::function<void()> m_job;
};

class TlmHarness {
 public:
    TlmHarness(const MmuConfig& config, const Options& options);
    ~TlmHarness();

    // The storage of the memory behind the MMU: the page tables go here.
    SparseMemory& translated_memory() { return m_memory.storage(); }

    // Enables paging in the MMU module and backs the data frames in both
    // memories, so the baseline and the MMU path read allocated blocks alike.
    bool prepare(const Workload& workload, std::string& error);

    // Runs all repetitions inside the simulation: baseline, core, tlm per stream.
    std::vector<Result> run(const std::vector<Stream>& streams, CorePath& core);

 private:
    class BaselinePath;
    class TranslatedPath;
    class DmiPath;

    const Options& m_options;
    Initiator m_cpu;
    sysc::MmuModule m_mmu;
    sysc::MemoryModule m_memory;       // behind the MMU: page tables and data
    sysc::MemoryModule m_bare_memory;  // the baseline's target
};

}  // namespace tlmmu::bench
