// The platform's parts wired the same way by both backends: RAM (a
// SparseMemory owned by the caller: the SystemC MemoryModule's, or a plain
// one), the MMU with its walk port onto RAM, the hart, the devices and the
// address map. The backend supplies the HartBus (TLM sockets or direct calls)
// and a sync hook called at every quantum boundary.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>

#include "cpu/hart.h"
#include "tlmmu/cache/walk_port.h"
#include "devices/devices.h"
#include "elf/elf_loader.h"
#include "platform.h"

namespace tlmmu::platform {

class Board {
 public:
    // Throws ConfigError if options.mmu is invalid.
    Board(const PlatformOptions& options, SparseMemory& ram, HartBus& bus, std::ostream& uart);

    // The regions an ELF may load into.
    std::vector<LoadRegion> load_regions() const { return {{m_options.ram_base, m_options.ram_bytes}}; }
    // Copies the segments into RAM (fresh, zeroed RAM: call once per board),
    // maps tohost, resets the hart at the entry.
    void load(const ElfImage& image);

    // Runs to the guest's exit or a limit. `sync(cycles)` is called at every
    // quantum boundary with the hart's cycle count.
    RunResult run(const std::function<void(uint64_t cycles)>& sync);

    const PlatformOptions& options() const { return m_options; }
    const AddressMap& address_map() const { return m_map; }
    SparseMemory& ram() { return m_ram; }
    Mmu& mmu() { return m_mmu; }
    Hart& hart() { return m_hart; }
    // The data caches; null with cache.enabled=off.
    const cache::Hierarchy* caches() const { return m_caches.get(); }
    uint64_t tohost_address() const { return m_tohost; }

 private:
    static MmuConfig configured_mmu(const PlatformOptions& options);
    HartTiming timing(const PlatformOptions& options) const;

    PlatformOptions m_options;
    SparseMemory& m_ram;
    RamWalkPort m_walk_port;
    std::unique_ptr<cache::Hierarchy> m_caches;               // options.cache.enabled
    std::unique_ptr<cache::CachedWalkPort> m_cached_walk_port;  // over m_walk_port
    Mmu m_mmu;
    Uart m_uart;
    Clint m_clint;
    HostInterface m_host;
    SwapDevice m_swap;
    RamDevice m_ram_device;
    AddressMap m_map;
    Hart m_hart;
    uint64_t m_tohost = 0;
    std::optional<uint64_t> m_exit_value;
};

// The direct backend's bus: address decoding over the board's AddressMap and
// DMI straight into the SparseMemory.
class DirectBus : public HartBus {
 public:
    void attach(Board* board) { m_board = board; }
    uint8_t* dmi_block(uint64_t block_offset) override {
        uint64_t start, end;
        return m_board->ram().block(block_offset, start, end);
    }
    bool io_access(bool write, uint64_t pa, uint8_t* data, unsigned len, uint64_t now, uint64_t& latency) override {
        const Region* r = m_board->address_map().find(pa, len);
        if (!r) return false;
        if (!r->memory) latency += m_board->options().device_latency;
        const uint64_t stall = r->device->stall_cycles(pa - r->base, write, now);
        latency += stall;
        now += stall;
        return write ? r->device->write(pa - r->base, data, len, now) : r->device->read(pa - r->base, data, len, now);
    }

 private:
    Board* m_board = nullptr;
};

}  // namespace tlmmu::platform
