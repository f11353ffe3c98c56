#include "devices/devices.h"

#include <algorithm>
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

Clint::Clint(unsigned harts, unsigned timer_divider, unsigned ipi_send, unsigned ipi_latency)
    : m_state(harts ? harts : 1),
      m_divider(timer_divider ? timer_divider : 1),
      m_ipi_send(ipi_send),
      m_ipi_latency(ipi_latency) {}

int Clint::slot(uint64_t offset, unsigned len, bool& msip, bool& missing) const {
    missing = false;
    const uint64_t harts = m_state.size();
    if (offset < kMtimecmp) {
        msip = true;
        if (offset / 4 >= harts) missing = true;
        return offset / 4 < harts && offset % 4 + len <= 4 ? int(offset / 4) : -1;
    }
    if (offset < kMtime) {
        msip = false;
        const uint64_t i = (offset - kMtimecmp) / 8;
        if (i >= harts) missing = true;
        return i < harts && (offset - kMtimecmp) % 8 + len <= 8 ? int(i) : -1;
    }
    return -1;
}

bool Clint::read(uint64_t offset, uint8_t* data, unsigned len, uint64_t now) {
    uint64_t mtime = now / m_divider;
    if (register_access(offset, len, kMtime, 8, mtime, data, nullptr)) return true;
    bool msip = false, missing = false;
    const int i = slot(offset, len, msip, missing);
    if (missing) return false;  // the slot of a hart that does not exist
    if (i >= 0) {
        const TimerState& s = m_state[size_t(i)];
        uint64_t value = msip ? (s.msip ? 1 : 0) : s.mtimecmp;
        register_access(offset, len, msip ? kMsip + 4 * uint64_t(i) : kMtimecmp + 8 * uint64_t(i), msip ? 4 : 8,
                        value, data, nullptr);
        return true;
    }
    std::memset(data, 0, len);  // reserved registers read as zero
    return true;
}

uint64_t Clint::stall_cycles(uint64_t offset, bool write, uint64_t) {
    bool msip = false, missing = false;
    const int i = slot(offset, 4, msip, missing);
    return write && msip && i >= 0 && unsigned(i) != m_requester ? m_ipi_send : 0;
}

bool Clint::write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) {
    bool msip = false, missing = false;
    const int i = slot(offset, len, msip, missing);
    if (missing) return false;  // the slot of a hart that does not exist
    if (i < 0) return true;     // mtime (follows the core clock) and reserved offsets: ignored
    TimerState& s = m_state[size_t(i)];
    if (msip) {
        uint64_t value = s.msip ? 1 : 0;
        register_access(offset, len, kMsip + 4 * uint64_t(i), 4, value, nullptr, data);
        const bool set = value & 1;
        if (unsigned(i) != m_requester && set) {
            // An IPI: visible at the receiver ipi_latency after the write.
            s.msip_at = s.msip ? std::min(s.msip_at, now + m_ipi_latency) : now + m_ipi_latency;
            if (m_on_ipi) m_on_ipi(m_requester, unsigned(i));
        } else if (unsigned(i) == m_requester) {
            s.msip_at = 0;
        }
        s.msip = set;
    } else {
        register_access(offset, len, kMtimecmp + 8 * uint64_t(i), 8, s.mtimecmp, nullptr, data);
    }
    if (m_on_write) m_on_write(unsigned(i));
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

bool SwapDevice::read(uint64_t offset, uint8_t* data, unsigned len, uint64_t) {
    uint64_t value = 0;
    switch (offset & ~7ull) {
        case kSlot: value = m_slot; break;
        case kAddr: value = m_addr; break;
        case kStatus: value = m_status; break;
        case kSlots: value = m_slots; break;
        case kReads: value = m_reads; break;
        case kWrites: value = m_writes; break;
        case kBusyCycles: value = m_busy; break;
        case kCmd: break;
        default: return false;
    }
    return register_access(offset, len, offset & ~7ull, 8, value, data, nullptr);
}

bool SwapDevice::write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) {
    if (offset == kSlot && len == 8) return register_access(offset, len, kSlot, 8, m_slot, nullptr, data);
    if (offset == kAddr && len == 8) return register_access(offset, len, kAddr, 8, m_addr, nullptr, data);
    if (offset == kCmd && len == 8) {
        uint64_t cmd = 0;
        register_access(offset, len, kCmd, 8, cmd, nullptr, data);
        command(cmd, now);
        return true;
    }
    return false;
}

void SwapDevice::command(uint64_t cmd, uint64_t now) {
    if (cmd != 1 && cmd != 2) {
        m_status = 3;
        return;
    }
    if (m_slot >= m_slots) {
        m_status = 1;
        return;
    }
    if (m_addr < m_ram_base || m_addr - m_ram_base + kPageBytes > m_ram.size() || (m_addr & (kPageBytes - 1))) {
        m_status = 2;
        return;
    }
    if (m_store.size() <= m_slot) m_store.resize(m_slot + 1);
    std::vector<uint8_t>& page = m_store[m_slot];
    if (page.empty()) page.assign(kPageBytes, 0);
    if (cmd == 1) {
        m_ram.write(m_addr - m_ram_base, page.data(), kPageBytes);
        ++m_reads;
    } else {
        m_ram.read(m_addr - m_ram_base, page.data(), kPageBytes);
        ++m_writes;
    }
    const uint64_t cycles = m_latency + uint64_t(double(kPageBytes) / m_bytes_per_cycle + 0.5);
    m_done = std::max(m_done, now) + cycles;
    m_busy += cycles;
    m_status = 0;
}

}  // namespace tlmmu::platform
