// The platform's parts wired the same way by both backends: RAM (a
// SparseMemory owned by the caller: the SystemC MemoryModule's, or a plain
// one), the machine of N CPUs (one Mmu each) on one walk port onto RAM, the
// harts, the devices and the address map, and the run loop that interleaves
// the harts deterministically. The backend supplies the HartBus (TLM sockets
// or direct calls) and a sync hook called at quantum boundaries.
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
#include "tlmmu/machine/machine.h"

namespace tlmmu::platform {

class Board {
 public:
    // Throws ConfigError if options.mmu is invalid.
    Board(const PlatformOptions& options, SparseMemory& ram, HartBus& bus, std::ostream& uart);

    // The regions an ELF may load into.
    std::vector<LoadRegion> load_regions() const { return {{m_options.ram_base, m_options.ram_bytes}}; }
    // Copies the segments into RAM (fresh, zeroed RAM: call once per board),
    // maps tohost, resets every hart at the entry.
    void load(const ElfImage& image);

    // Runs to the guest's exit or a limit, the harts interleaved
    // deterministically (docs/platform.md). `sync(cycles)` is called at
    // quantum boundaries with the simulated time (the smallest hart clock).
    RunResult run(const std::function<void(uint64_t cycles)>& sync);

    const PlatformOptions& options() const { return m_options; }
    const AddressMap& address_map() const { return m_map; }
    SparseMemory& ram() { return m_ram; }
    // Hart 0 and its Mmu (the only ones with one CPU).
    Mmu& mmu() { return m_machine.cpu(0).mmu; }
    Hart& hart() { return *m_harts[0]; }
    Hart& hart(unsigned i) { return *m_harts.at(i); }
    unsigned harts() const { return unsigned(m_harts.size()); }
    machine::Machine& machine() { return m_machine; }
    Clint& clint() { return m_clint; }
    // The data caches; null with cache.enabled=off.
    const cache::Hierarchy* caches() const { return m_caches.get(); }
    uint64_t tohost_address() const { return m_tohost; }

 private:
    static MmuConfig configured_mmu(const PlatformOptions& options);
    HartTiming timing(const PlatformOptions& options) const;
    // The hart to run next: the smallest clock (a sleeping hart's wake-up
    // time), ties by index; -1 if no hart can run.
    int next_hart(uint64_t max_cycles) const;
    std::string hart_states() const;  // for a limit's message: who waits, who is silent
    void collect(RunResult& result) const;

    PlatformOptions m_options;
    SparseMemory& m_ram;
    RamWalkPort m_walk_port;
    std::unique_ptr<cache::Hierarchy> m_caches;               // options.cache.enabled
    std::unique_ptr<cache::CachedWalkPort> m_cached_walk_port;  // over m_walk_port
    machine::Machine m_machine;
    Uart m_uart;
    Clint m_clint;
    HostInterface m_host;
    SwapDevice m_swap;
    RamDevice m_ram_device;
    AddressMap m_map;
    HartShared m_shared;
    std::vector<std::unique_ptr<Hart>> m_harts;
    unsigned m_current = 0;  // the hart running now
    std::vector<uint64_t> m_slice_stores;  // per hart: stores before its last slice
    std::vector<uint64_t> m_slice_instructions;
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
