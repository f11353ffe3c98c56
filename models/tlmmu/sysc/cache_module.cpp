#include "tlmmu/sysc/cache_module.h"

#include <algorithm>

namespace tlmmu::sysc {

using sc_core::sc_time;
using tlm::tlm_generic_payload;

CacheModule::CacheModule(sc_core::sc_module_name name, const cache::CacheConfig& config, sc_time clock_period)
    : sc_module(name), in("in"), out("out"), m_caches(config), m_clock_period(clock_period) {
    if (clock_period == sc_core::SC_ZERO_TIME)
        SC_REPORT_ERROR("tlmmu/sysc/CacheModule", "clock_period must be greater than zero");
    in.register_b_transport(this, &CacheModule::b_transport);
    in.register_transport_dbg(this, &CacheModule::transport_dbg);
    in.register_get_direct_mem_ptr(this, &CacheModule::get_direct_mem_ptr);
    out.register_invalidate_direct_mem_ptr(this, &CacheModule::memory_dmi_invalidated);
}

cache::Requester CacheModule::requester_of(const tlm_generic_payload& trans) {
    const TranslationExtension* ext = trans.get_extension<TranslationExtension>();
    if (ext && ext->page_walk && ext->walk_level >= 1 && ext->walk_level <= 5)
        return cache::walk_requester(int(ext->walk_level));
    if (ext && ext->fetch && trans.is_read()) return cache::Requester::fetch;
    return trans.is_write() ? cache::Requester::store : cache::Requester::load;
}

// The bytes move through `out` at the caller's time; the time is the
// hierarchy's: every line the access touches is looked up (the walker's
// entering at cache.walker_entry, fetches at the L1I), and the access costs
// its slowest line. What the target behind `out` annotates is not added
// (cache.dram_latency is the memory's time); time it spends in wait() counts
// towards the hierarchy's latency, as the MMU counts its walks' waits.
void CacheModule::b_transport(tlm_generic_payload& trans, sc_time& delay) {
    const TranslationExtension* ext = trans.get_extension<TranslationExtension>();
    const sc_time start = sc_core::sc_time_stamp() + delay;
    sc_time target_delay = delay;
    out->b_transport(trans, target_delay);
    trans.set_dmi_allowed(false);  // a DMI pointer would bypass the caches' timing
    const sc_time now = sc_core::sc_time_stamp();
    const bool counted = trans.is_response_ok() && trans.get_command() != tlm::TLM_IGNORE_COMMAND && !(ext && ext->debug) &&
                         trans.get_data_length() > 0;
    uint64_t cycles = 0;
    if (counted) {
        const cache::Requester who = requester_of(trans);
        const bool walk = ext && ext->page_walk;
        const uint32_t entry = walk ? m_caches.config().walker_entry : 0;
        const uint64_t line = m_caches.config().line_bytes;
        const uint64_t first = trans.get_address() / line;
        const uint64_t last = (trans.get_address() + trans.get_data_length() - 1) / line;
        for (uint64_t l = first; l <= last; ++l)
            cycles = std::max<uint64_t>(cycles, m_caches.access(l * line, who, trans.is_write(), entry));
    }
    const sc_time done = start + sc_time::from_value(m_clock_period.value() * cycles);
    delay = done > now ? done - now : sc_core::SC_ZERO_TIME;
}

// No cache state, no statistics, no time: straight through.
unsigned int CacheModule::transport_dbg(tlm_generic_payload& trans) { return out->transport_dbg(trans); }

// Refused everywhere: an access through a DMI pointer would reach memory
// without a lookup, so neither its time nor the lines it would bring in (or
// evict) would be right. Initiators fall back to b_transport.
bool CacheModule::get_direct_mem_ptr(tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.allow_none();
    dmi.set_start_address(0);
    dmi.set_end_address(~sc_dt::uint64(0));
    return false;
}

// Nothing above holds a region from this module.
void CacheModule::memory_dmi_invalidated(sc_dt::uint64, sc_dt::uint64) {}

}  // namespace tlmmu::sysc
