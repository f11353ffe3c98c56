#include "devices/devices.h"

#include <cstring>
#include <ostream>

namespace tlmmu::platform {

bool Uart::read(uint64_t offset, uint8_t* data, unsigned len, uint64_t) {
    std::memset(data, 0, len);
    if (offset <= 5 && offset + len > 5) data[5 - offset] = 0x60;  // LSR: THR empty, transmitter empty
    return true;
}

bool Uart::write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t) {
    if (offset == 0) {  // THR: the low byte of whatever width was written
        m_out.put(char(data[0]));
        ++m_bytes;
        if (data[0] == '\n') m_out.flush();
    }
    (void)len;
    return true;
}

namespace {
// Reads or writes `len` bytes at `offset` of a register of `width` bytes at `reg_offset`.
bool register_access(uint64_t offset, unsigned len, uint64_t reg_offset, unsigned width, uint64_t& reg,
                     uint8_t* read_out, const uint8_t* write_in) {
    if (offset < reg_offset || offset + len > reg_offset + width) return false;
    uint8_t bytes[8];
    std::memcpy(bytes, &reg, 8);
    const uint64_t at = offset - reg_offset;
    if (read_out) std::memcpy(read_out, bytes + at, len);
    if (write_in) {
        std::memcpy(bytes + at, write_in, len);
        std::memcpy(&reg, bytes, 8);
    }
    return true;
}
}  // namespace

bool Clint::read(uint64_t offset, uint8_t* data, unsigned len, uint64_t now) {
    uint64_t msip = m_state.msip ? 1 : 0;
    uint64_t mtimecmp = m_state.mtimecmp;
    uint64_t mtime = now / m_divider;
    if (register_access(offset, len, kMsip, 4, msip, data, nullptr)) return true;
    if (register_access(offset, len, kMtimecmp, 8, mtimecmp, data, nullptr)) return true;
    if (register_access(offset, len, kMtime, 8, mtime, data, nullptr)) return true;
    std::memset(data, 0, len);  // reserved registers read as zero
    return true;
}

bool Clint::write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) {
    uint64_t msip = m_state.msip ? 1 : 0;
    uint64_t mtime = now / m_divider;
    if (register_access(offset, len, kMsip, 4, msip, nullptr, data)) {
        m_state.msip = msip & 1;
    } else {
        register_access(offset, len, kMtimecmp, 8, m_state.mtimecmp, nullptr, data);
        register_access(offset, len, kMtime, 8, mtime, nullptr, data);  // ignored: mtime follows the core clock
    }
    if (m_on_write) m_on_write();
    return true;
}

bool HostInterface::read(uint64_t offset, uint8_t* data, unsigned len, uint64_t) {
    return register_access(offset, len, 0, 8, m_value, data, nullptr);
}

bool HostInterface::write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t) {
    if (!register_access(offset, len, 0, 8, m_value, nullptr, data)) return false;
    if (m_value != 0 && m_on_exit) m_on_exit(m_value);
    return true;
}

}  // namespace tlmmu::platform
