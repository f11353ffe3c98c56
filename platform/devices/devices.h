// The platform's devices as plain C++ register files: a 16550-like UART, a
// CLINT-style timer and the riscv-tests tohost/fromhost exit device. The
// SystemC platform wraps each in a TLM-2.0 target (sysc/device_target.h); the
// direct platform calls them through the same AddressMap.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "cpu/hart.h"
#include "tlmmu/core/memory.h"

namespace tlmmu::platform {

// A memory-mapped device. `offset` is relative to the device's base; `now` is
// the requester's time in core cycles. False: the access is refused (bus error).
class Device {
 public:
    virtual ~Device() = default;
    virtual bool read(uint64_t offset, uint8_t* data, unsigned len, uint64_t now) = 0;
    virtual bool write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) = 0;
    // Cycles the requester waits before the access takes effect (a register
    // that blocks until the device is done); both backends add them to the
    // access's latency (the SystemC target to its annotated delay).
    virtual uint64_t stall_cycles(uint64_t offset, bool write, uint64_t now) {
        (void)offset, (void)write, (void)now;
        return 0;
    }
};

// Byte writes to THR (offset 0) print; LSR (offset 5) reads "transmitter
// empty"; the other registers read 0 and ignore writes.
class Uart : public Device {
 public:
    static constexpr uint64_t kBase = 0x10000000, kSize = 0x100;
    explicit Uart(std::ostream& out) : m_out(out) {}
    bool read(uint64_t offset, uint8_t* data, unsigned len, uint64_t now) override;
    bool write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) override;
    uint64_t bytes_written() const { return m_bytes; }

 private:
    std::ostream& m_out;
    uint64_t m_bytes = 0;
};

// The SiFive CLINT / ACLINT layout, one hart per slot: msip[i] at +4*i (bit
// 0), mtimecmp[i] at +0x4000 + 8*i, mtime at +0xBFF8. mtime is the
// requester's cycle count divided by the timer divider; writes to it are
// ignored. The slot of a hart that does not exist is a bus error (an access
// fault in the guest). A hart's own msip changes at once; setting another
// hart's msip is an inter-processor interrupt: it costs the writer
// `ipi_send` cycles and becomes visible at the receiver `ipi_latency` cycles
// after the write (docs/platform.md). Other offsets read 0, writes ignored.
class Clint : public Device {
 public:
    static constexpr uint64_t kBase = 0x02000000, kSize = 0x10000;
    static constexpr uint64_t kMsip = 0, kMtimecmp = 0x4000, kMtime = 0xBFF8;
    Clint(unsigned harts, unsigned timer_divider, unsigned ipi_send = 0, unsigned ipi_latency = 0);
    bool read(uint64_t offset, uint8_t* data, unsigned len, uint64_t now) override;
    bool write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) override;
    uint64_t stall_cycles(uint64_t offset, bool write, uint64_t now) override;
    const TimerState& state(unsigned hart) const { return m_state.at(hart); }
    unsigned harts() const { return unsigned(m_state.size()); }
    // The hart whose accesses come next (the platform runs one hart at a time).
    void set_requester(unsigned hart) { m_requester = hart; }
    // Called after a write with the hart whose registers it changed (it re-evaluates interrupts).
    void on_write(std::function<void(unsigned hart)> callback) { m_on_write = std::move(callback); }
    // Called for every msip set by another hart: an IPI from `from` to `to`.
    void on_ipi(std::function<void(unsigned from, unsigned to)> callback) { m_on_ipi = std::move(callback); }

 private:
    // The hart whose msip (`msip`) or mtimecmp register holds `offset`; -1 for none.
    int slot(uint64_t offset, unsigned len, bool& msip, bool& missing) const;
    std::vector<TimerState> m_state;
    unsigned m_divider, m_ipi_send, m_ipi_latency;
    unsigned m_requester = 0;
    std::function<void(unsigned)> m_on_write;
    std::function<void(unsigned, unsigned)> m_on_ipi;
};

// The tohost doubleword (8 bytes at +0). Writing a non-zero value calls the
// exit callback: bit 0 set asks to exit with code value >> 1 (riscv-tests
// convention); other values are HTIF requests this platform does not serve.
// fromhost stays ordinary RAM: the "p" environment never reads it.
class HostInterface : public Device {
 public:
    static constexpr uint64_t kSize = 8;
    bool read(uint64_t offset, uint8_t* data, unsigned len, uint64_t now) override;
    bool write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) override;
    void on_exit(std::function<void(uint64_t value)> callback) { m_on_exit = std::move(callback); }

 private:
    uint64_t m_value = 0;
    std::function<void(uint64_t)> m_on_exit;
};

// A swap disk: a block device of 4 KiB slots that copies pages between
// its store and guest RAM (DMA). The guest writes SLOT and ADDR, then CMD
// (1: read the slot into RAM, 2: write the RAM page to the slot); a transfer
// takes `latency` cycles plus 4096 / `bytes_per_cycle`, queued after the
// previous one. Reading STATUS blocks (stall_cycles) until every transfer is
// done and returns 0, or an error code: 1 a slot out of range, 2 a page
// outside RAM, 3 an unknown command. The copy happens when the command is
// written; only the time is deferred (nothing else touches those pages
// meanwhile in this platform).
class SwapDevice : public Device {
 public:
    static constexpr uint64_t kBase = 0x10001000, kSize = 0x100;
    static constexpr uint64_t kSlot = 0x00, kAddr = 0x08, kCmd = 0x10, kStatus = 0x18, kSlots = 0x20, kReads = 0x28,
                              kWrites = 0x30, kBusyCycles = 0x38;
    static constexpr uint64_t kPageBytes = 4096;
    SwapDevice(SparseMemory& ram, uint64_t ram_base, uint64_t slots, unsigned latency, double bytes_per_cycle)
        : m_ram(ram), m_ram_base(ram_base), m_slots(slots), m_latency(latency), m_bytes_per_cycle(bytes_per_cycle) {}
    bool read(uint64_t offset, uint8_t* data, unsigned len, uint64_t now) override;
    bool write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t now) override;
    uint64_t stall_cycles(uint64_t offset, bool write, uint64_t now) override {
        return !write && offset == kStatus && m_done > now ? m_done - now : 0;
    }
    uint64_t reads() const { return m_reads; }
    uint64_t writes() const { return m_writes; }

 private:
    void command(uint64_t cmd, uint64_t now);
    SparseMemory& m_ram;
    uint64_t m_ram_base, m_slots;
    unsigned m_latency;
    double m_bytes_per_cycle;
    std::vector<std::vector<uint8_t>> m_store;  // per slot, allocated when first written
    uint64_t m_slot = 0, m_addr = 0, m_status = 0, m_done = 0;
    uint64_t m_reads = 0, m_writes = 0, m_busy = 0;
};

// RAM seen as a device: the non-DMI path (the tohost page, page-crossing device checks).
class RamDevice : public Device {
 public:
    explicit RamDevice(SparseMemory& memory) : m_memory(memory) {}
    bool read(uint64_t offset, uint8_t* data, unsigned len, uint64_t) override { return m_memory.read(offset, data, len); }
    bool write(uint64_t offset, const uint8_t* data, unsigned len, uint64_t) override {
        return m_memory.write(offset, data, len);
    }

 private:
    SparseMemory& m_memory;
};

// Address decoding: the first region holding the whole access wins, so the
// tohost/fromhost words are listed before the RAM that surrounds them.
struct Region {
    std::string name;
    uint64_t base = 0;
    uint64_t size = 0;
    Device* device = nullptr;
    bool memory = false;  // RAM reached without DMI: no device latency
    bool contains(uint64_t pa, unsigned len) const { return pa >= base && pa - base < size && len <= size - (pa - base); }
};

class AddressMap {
 public:
    void add(std::string name, uint64_t base, uint64_t size, Device* device, bool memory = false) {
        m_regions.push_back({std::move(name), base, size, device, memory});
    }
    // The region holding [pa, pa + len), or null (a bus error).
    const Region* find(uint64_t pa, unsigned len) const {
        for (const Region& r : m_regions)
            if (r.contains(pa, len)) return &r;
        return nullptr;
    }
    const std::vector<Region>& regions() const { return m_regions; }

 private:
    std::vector<Region> m_regions;
};

// The walker's port onto RAM at ram_base (a page-table read outside RAM is a
// bus error), with a fixed latency per entry access.
class RamWalkPort : public PhysicalAccess {
 public:
    RamWalkPort(SparseMemory& memory, uint64_t ram_base, unsigned latency)
        : m_port(memory, latency), m_base(ram_base), m_size(memory.size()) {}
    bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) override {
        if (step.pa - m_base >= m_size) return false;
        return m_port.read_entry(in_ram(step), value, cycles);
    }
    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override {
        if (step.pa - m_base >= m_size) return false;
        return m_port.locked_set_bits(in_ram(step), expected, bits, observed, cycles);
    }
    bool debug_read_entry(uint64_t pa, uint64_t& value) override {
        if (pa - m_base >= m_size) return false;
        return m_port.debug_read_entry(pa - m_base, value);
    }

 private:
    WalkStep in_ram(WalkStep step) const {
        step.pa -= m_base;
        return step;
    }
    DirectPhysicalAccess m_port;
    uint64_t m_base, m_size;
};

}  // namespace tlmmu::platform
