// Physical memory as a TLM-2.0 target: a SparseMemory of fixed size with a
// fixed read and write latency, blocking and debug transport and DMI per
// 64 KiB block.
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "tlmmu/core/memory.h"

namespace tlmmu::sysc {

class MemoryModule : public sc_core::sc_module {
 public:
    tlm_utils::simple_target_socket<MemoryModule> in;

    MemoryModule(sc_core::sc_module_name name, uint64_t size_bytes,
                 sc_core::sc_time read_latency = sc_core::SC_ZERO_TIME,
                 sc_core::sc_time write_latency = sc_core::SC_ZERO_TIME);

    // The backing store, for loading images and building page tables.
    SparseMemory& storage() { return m_storage; }
    const SparseMemory& storage() const { return m_storage; }

    const sc_core::sc_time& read_latency() const { return m_read_latency; }
    const sc_core::sc_time& write_latency() const { return m_write_latency; }

 private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);

    SparseMemory m_storage;
    sc_core::sc_time m_read_latency;
    sc_core::sc_time m_write_latency;
};

}  // namespace tlmmu::sysc
