// A cache hierarchy as a loosely-timed TLM-2.0 interconnect: physical-address
// transactions come in on `in` and go on to memory on `out`, which supplies
// and keeps the bytes; the annotated delay is the hierarchy's latency
// (tlmmu::cache::Hierarchy decides hits, misses and time). Put it between
// MmuModule::mem and memory so the walker's reads and the translated data
// share the caches. DMI is refused (docs/tlm.md "CacheModule").
#pragma once

#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "tlmmu/cache/cache.h"
#include "tlmmu/sysc/extension.h"

namespace tlmmu::sysc {

class CacheModule : public sc_core::sc_module {
 public:
    tlm_utils::simple_target_socket<CacheModule> in;     // physical addresses, from the MMU (or any initiator)
    tlm_utils::simple_initiator_socket<CacheModule> out; // to memory: the bytes, not the time

    // `config` is validated (throws tlmmu::ConfigError naming the key); its
    // `enabled` is not consulted: a module built is a module in use.
    // Latencies are cycles of `clock_period`.
    CacheModule(sc_core::sc_module_name name, const cache::CacheConfig& config,
                sc_core::sc_time clock_period = sc_core::sc_time(1, sc_core::SC_NS));

    // The model behind the sockets: statistics (per level and requester),
    // probes (contains, probe), flush_all.
    cache::Hierarchy& caches() { return m_caches; }
    const cache::Hierarchy& caches() const { return m_caches; }
    const sc_core::sc_time& clock_period() const { return m_clock_period; }

    // Who sent a transaction, as the statistics count it: a walker read or
    // write (TranslationExtension::page_walk) by its walk_level, a fetch
    // (TranslationExtension::fetch), else a load or a store by the command.
    static cache::Requester requester_of(const tlm::tlm_generic_payload& trans);

 private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    void memory_dmi_invalidated(sc_dt::uint64 start, sc_dt::uint64 end);

    cache::Hierarchy m_caches;
    sc_core::sc_time m_clock_period;
};

}  // namespace tlmmu::sysc
