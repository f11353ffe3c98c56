#include "tlmmu/sysc/memory.h"

#include <algorithm>

namespace tlmmu::sysc {

MemoryModule::MemoryModule(sc_core::sc_module_name name, uint64_t size_bytes, sc_core::sc_time read_latency,
                           sc_core::sc_time write_latency)
    : sc_module(name),
      in("in"),
      m_storage(size_bytes),
      m_read_latency(read_latency),
      m_write_latency(write_latency) {
    in.register_b_transport(this, &MemoryModule::b_transport);
    in.register_transport_dbg(this, &MemoryModule::transport_dbg);
    in.register_get_direct_mem_ptr(this, &MemoryModule::get_direct_mem_ptr);
}

void MemoryModule::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t address = trans.get_address();
    const unsigned length = trans.get_data_length();
    if (!m_storage.contains(address, length)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (trans.get_byte_enable_ptr()) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (trans.get_streaming_width() < length) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    switch (trans.get_command()) {
        case tlm::TLM_READ_COMMAND:
            m_storage.read(address, trans.get_data_ptr(), length);
            delay += m_read_latency;
            break;
        case tlm::TLM_WRITE_COMMAND:
            m_storage.write(address, trans.get_data_ptr(), length);
            delay += m_write_latency;
            break;
        case tlm::TLM_IGNORE_COMMAND:
            break;
    }
    trans.set_dmi_allowed(true);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// Copies as many bytes as lie inside memory, with no time and no latency.
unsigned int MemoryModule::transport_dbg(tlm::tlm_generic_payload& trans) {
    const uint64_t address = trans.get_address();
    if (address >= m_storage.size()) return 0;
    const unsigned length = unsigned(std::min<uint64_t>(trans.get_data_length(), m_storage.size() - address));
    switch (trans.get_command()) {
        case tlm::TLM_READ_COMMAND: m_storage.read(address, trans.get_data_ptr(), length); return length;
        case tlm::TLM_WRITE_COMMAND: m_storage.write(address, trans.get_data_ptr(), length); return length;
        case tlm::TLM_IGNORE_COMMAND: return 0;
    }
    return 0;
}

bool MemoryModule::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    uint64_t start = 0, end = 0;
    uint8_t* block = m_storage.block(trans.get_address(), start, end);
    if (!block) {  // beyond the end of memory: no DMI anywhere up there
        dmi.allow_none();
        dmi.set_start_address(m_storage.size());
        dmi.set_end_address(~0ull);
        return false;
    }
    dmi.set_dmi_ptr(block);
    dmi.set_start_address(start);
    dmi.set_end_address(end);
    dmi.set_read_latency(m_read_latency);
    dmi.set_write_latency(m_write_latency);
    dmi.allow_read_write();
    return true;
}

}  // namespace tlmmu::sysc
