#include "sysc/sysc_platform.h"

#include <iostream>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <tlm_utils/simple_target_socket.h>

#include "board.h"
#include "tlmmu/sysc/memory.h"

namespace tlmmu::platform {

namespace {

using sc_core::sc_time;

// A plain-C++ Device behind a TLM-2.0 target socket. The device sees the
// requester's time in cycles (timestamp plus annotated delay).
class DeviceTarget : public sc_core::sc_module {
 public:
    tlm_utils::simple_target_socket<DeviceTarget> in;

    DeviceTarget(sc_core::sc_module_name name, Device& device, sc_time period, unsigned latency_cycles)
        : sc_module(name), in("in"), m_device(device), m_period(period), m_latency(period * latency_cycles) {
        in.register_b_transport(this, &DeviceTarget::b_transport);
    }

 private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
        uint64_t now = uint64_t((sc_core::sc_time_stamp() + delay) / m_period + 0.5);
        const uint64_t stall = m_device.stall_cycles(trans.get_address(), trans.is_write(), now);
        now += stall;
        delay += m_period * double(stall);
        const unsigned len = trans.get_data_length();
        if (trans.get_byte_enable_ptr() || trans.get_streaming_width() != len || len == 0 || len > 8) {
            trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            return;
        }
        const bool ok = trans.is_write() ? m_device.write(trans.get_address(), trans.get_data_ptr(), len, now)
                                         : m_device.read(trans.get_address(), trans.get_data_ptr(), len, now);
        delay += m_latency;
        trans.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }

    Device& m_device;
    sc_time m_period;
    sc_time m_latency;
};

// Address decoding over the board's map: one initiator socket per region,
// addresses made region-relative on the way out and DMI ranges made absolute
// on the way back.
class Interconnect : public sc_core::sc_module {
 public:
    tlm_utils::simple_target_socket<Interconnect> in;
    std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket<Interconnect>>> out;

    Interconnect(sc_core::sc_module_name name, const AddressMap& map) : sc_module(name), in("in"), m_map(map) {
        in.register_b_transport(this, &Interconnect::b_transport);
        in.register_get_direct_mem_ptr(this, &Interconnect::get_direct_mem_ptr);
        for (const Region& r : map.regions())
            out.push_back(std::make_unique<tlm_utils::simple_initiator_socket<Interconnect>>(
                sc_core::sc_gen_unique_name(("to_" + r.name).c_str())));
    }

 private:
    int route(uint64_t pa, unsigned len) const {
        const std::vector<Region>& regions = m_map.regions();
        for (size_t i = 0; i < regions.size(); ++i)
            if (regions[i].contains(pa, len)) return int(i);
        return -1;
    }
    void b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
        const uint64_t pa = trans.get_address();
        const int i = route(pa, trans.get_data_length());
        if (i < 0) {
            trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        const Region& r = m_map.regions()[size_t(i)];
        trans.set_address(pa - r.base);
        (*out[size_t(i)])->b_transport(trans, delay);
        trans.set_address(pa);
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
        const uint64_t pa = trans.get_address();
        const int i = route(pa, 1);
        if (i < 0 || !m_map.regions()[size_t(i)].memory) return false;
        const Region& r = m_map.regions()[size_t(i)];
        trans.set_address(pa - r.base);
        const bool granted = (*out[size_t(i)])->get_direct_mem_ptr(trans, dmi);
        trans.set_address(pa);
        if (!granted) return false;
        dmi.set_start_address(dmi.get_start_address() + r.base);
        dmi.set_end_address(std::min<uint64_t>(dmi.get_end_address(), r.size - 1) + r.base);
        return true;
    }

    const AddressMap& m_map;
};

// The harts' side of the bus: DMI for RAM, b_transport for everything else,
// with temporal decoupling. One SC_THREAD runs the board's loop, which
// interleaves the harts exactly as the direct backend does (docs/platform.md),
// so both backends give the same figures. SystemC time follows the smallest
// hart clock: it is synchronised at quantum boundaries, and with one hart also
// on every device access (devices then see accesses in time order); each
// access carries its hart's clock as the annotated delay.
class HartModule : public sc_core::sc_module, public HartBus {
 public:
    tlm_utils::simple_initiator_socket<HartModule> out;

    HartModule(sc_core::sc_module_name name, uint64_t ram_base, sc_time period, unsigned harts)
        : sc_module(name), out("out"), m_ram_base(ram_base), m_period(period), m_sync_on_access(harts == 1) {
        SC_HAS_PROCESS(HartModule);
        SC_THREAD(main);
    }
    void attach(Board* board) { m_board = board; }
    const RunResult& result() const { return m_result; }

    // A device mapped over a page of RAM (tohost) answers for that page, so
    // DMI is asked for page by page until RAM grants a region covering the
    // whole block. The hart itself keeps such a page's data accesses off DMI
    // (exclude_from_dmi), exactly as the direct backend does.
    uint8_t* dmi_block(uint64_t block_offset) override {
        const uint64_t block = m_ram_base + block_offset;
        for (uint64_t pa = block; pa < block + 0x10000; pa += 0x1000) {
            tlm::tlm_generic_payload trans;
            tlm::tlm_dmi dmi;
            trans.set_address(pa);
            trans.set_command(tlm::TLM_WRITE_COMMAND);
            if (!out->get_direct_mem_ptr(trans, dmi) || !dmi.is_read_write_allowed()) continue;
            if (block < dmi.get_start_address() || block + 0xffff > dmi.get_end_address()) continue;
            return dmi.get_dmi_ptr() + (block - dmi.get_start_address());
        }
        return nullptr;
    }

    bool io_access(bool write, uint64_t pa, uint8_t* data, unsigned len, uint64_t now, uint64_t& latency) override {
        tlm::tlm_generic_payload trans;
        trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        trans.set_address(pa);
        trans.set_data_ptr(data);
        trans.set_data_length(len);
        trans.set_streaming_width(len);
        trans.set_byte_enable_ptr(nullptr);
        trans.set_dmi_allowed(false);
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        // The loosely-timed pattern: local time from the keeper, b_transport, back to the keeper.
        m_keeper.set(m_period * double(now - m_synced));
        sc_time delay = m_keeper.get_local_time();
        const sc_time local = delay;
        out->b_transport(trans, delay);
        const uint64_t added = uint64_t((delay - local) / m_period + 0.5);
        latency += added;
        if (m_sync_on_access) {
            m_keeper.set(delay);
            m_keeper.sync();  // on every device access: devices see accesses in time order
            m_synced = now + added;
        }
        return trans.is_response_ok();
    }

 private:
    void main() {
        m_keeper.reset();
        // The board calls this at quantum boundaries (quantum_cycles) with the smallest hart clock.
        m_result = m_board->run([this](uint64_t cycles) {
            if (cycles < m_synced) return;
            m_keeper.set(m_period * double(cycles - m_synced));
            m_keeper.sync();
            m_synced = cycles;
        });
        // Returning leaves no pending event: sc_start() returns (no sc_stop, no report).
    }

    uint64_t m_ram_base;
    sc_time m_period;
    bool m_sync_on_access;  // one hart: SystemC time is its clock
    Board* m_board = nullptr;
    tlm_utils::tlm_quantumkeeper m_keeper;
    uint64_t m_synced = 0;  // the cycle count SystemC time has caught up with
    RunResult m_result;
};

bool g_elaborated = false;

}  // namespace

RunResult run_elf_systemc(const std::string& path, const PlatformOptions& options, std::ostream& uart) {
    if (g_elaborated) {
        RunResult r;
        r.stop = StopReason::error;
        r.message = "the systemc backend runs one ELF per process (SystemC elaborates once)";
        return r;
    }
    g_elaborated = true;
    const sc_time period(1.0 / options.clock_ghz, sc_core::SC_NS);
    tlm::tlm_global_quantum::instance().set(period * double(options.quantum_cycles));
    // Elaboration: RAM, the hart, the board, then the devices and the interconnect from the address map.
    auto memory = std::make_unique<tlmmu::sysc::MemoryModule>("ram", options.ram_bytes);
    auto hart = std::make_unique<HartModule>("hart", options.ram_base, period, options.smp.cpus);
    Board board(options, memory->storage(), *hart, uart);
    hart->attach(&board);
    const ElfImage image = load_elf_file(path, board.load_regions());
    board.load(image);
    std::vector<std::unique_ptr<DeviceTarget>> targets;
    auto bus = std::make_unique<Interconnect>("bus", board.address_map());
    hart->out.bind(bus->in);
    const std::vector<Region>& regions = board.address_map().regions();
    for (size_t i = 0; i < regions.size(); ++i) {
        if (regions[i].memory) {
            bus->out[i]->bind(memory->in);
        } else {
            targets.push_back(std::make_unique<DeviceTarget>(regions[i].name.c_str(), *regions[i].device, period,
                                                             options.device_latency));
            bus->out[i]->bind(targets.back()->in);
        }
    }
    sc_core::sc_start();
    RunResult result = hart->result();
    return result;
}

}  // namespace tlmmu::platform

// libsystemc.so references sc_main. Programs that have their own main() and
// drive SystemC through run_elf (the `tlmmu` tool) get this weak placeholder;
// a program's own sc_main overrides it.
__attribute__((weak)) int sc_main(int, char*[]) {
    std::cerr << "sc_main: this program drives SystemC through tlmmu::platform::run_elf\n";
    return 1;
}
