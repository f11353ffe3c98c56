// A small virtual platform for the TLM tests: a processor stand-in (Cpu) ->
// MmuModule -> Probe -> MemoryModule, with page tables built in the memory.
//
// SystemC elaborates once per process, so every TEST_CASE runs in its own
// process (catch_discover_tests) and no test uses SECTIONs. A test may call
// Testbench::run several times: each call spawns its program as a new thread
// and simulates until nothing is left to do.
//
// Catch assertions inside a program must be the non-throwing kind (CHECK);
// REQUIRE belongs after run() returns.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "tlmmu/core/page_table_builder.h"
#include "tlmmu/sysc/extension.h"
#include "tlmmu/sysc/memory.h"
#include "tlmmu/sysc/mmu_module.h"

namespace tlmmu::test {

using sc_core::SC_NS;
using sc_core::sc_time;
using sysc::TranslationExtension;

inline sc_time ns(double v) { return sc_time(v, SC_NS); }

// What the initiator says about an access in the extension.
struct Request {
    bool with_extension = true;  // false: plain payload (explicit supervisor data access)
    bool user = false;
    bool fetch = false;
    bool implicit = false;
    bool debug = false;
};

struct Result {
    tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
    sc_time delay;               // what this access added to the local time
    TranslationExtension ext;    // response side, as the payload carried it back
    bool has_extension = false;  // the payload carried an extension after the call
    uint64_t value = 0;          // bytes read (first 8), little-endian

    bool ok() const { return status == tlm::TLM_OK_RESPONSE; }
};

// The processor stand-in: one initiator socket and the five-step loosely-timed
// loop with a quantum keeper. Every call is checked against the protocol:
// the target sets a response, annotated time never goes backwards.
class Cpu : public sc_core::sc_module {
 public:
    tlm_utils::simple_initiator_socket<Cpu> socket;
    tlm_utils::tlm_quantumkeeper qk;

    unsigned dmi_invalidations = 0;
    sc_dt::uint64 last_invalidated_start = 0, last_invalidated_end = 0;

    explicit Cpu(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
        socket.register_invalidate_direct_mem_ptr(this, &Cpu::invalidate_direct_mem_ptr);
        qk.reset();
    }

    // Absolute time of this initiator: simulation time plus its local offset.
    sc_time now() const { return sc_core::sc_time_stamp() + qk.get_local_time(); }

    Result transfer(tlm::tlm_command command, uint64_t va, unsigned char* data, unsigned length,
                    const Request& r = {}, unsigned char* byte_enable = nullptr, unsigned byte_enable_length = 0) {
        tlm::tlm_generic_payload trans;
        set_up(trans, command, va, data, length);
        trans.set_byte_enable_ptr(byte_enable);
        trans.set_byte_enable_length(byte_enable_length);
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        TranslationExtension ext;
        ext.user = r.user;
        ext.fetch = r.fetch;
        ext.implicit = r.implicit;
        ext.debug = r.debug;
        if (r.with_extension) trans.set_extension(&ext);

        const sc_time before_absolute = now();
        const sc_time before = qk.get_local_time();
        sc_time delay = before;
        socket->b_transport(trans, delay);
        CHECK(delay >= before);
        CHECK(trans.get_address() == va);  // the MMU hands the payload back as it got it
        CHECK(trans.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE);
        qk.set(delay);
        CHECK(now() >= before_absolute);
        if (qk.need_sync()) qk.sync();

        Result result;
        result.status = trans.get_response_status();
        result.delay = delay - before;
        if (const auto* carried = trans.get_extension<TranslationExtension>()) {
            result.ext = *carried;
            result.has_extension = true;
        }
        if (data) std::memcpy(&result.value, data, length < 8 ? length : 8);
        if (r.with_extension) trans.clear_extension(&ext);
        return result;
    }

    Result read(uint64_t va, unsigned length = 8, const Request& r = {}) {
        uint8_t buffer[8] = {};
        return transfer(tlm::TLM_READ_COMMAND, va, buffer, length, r);
    }
    Result write(uint64_t va, uint64_t value, unsigned length = 8, const Request& r = {}) {
        uint8_t buffer[8];
        std::memcpy(buffer, &value, sizeof buffer);
        return transfer(tlm::TLM_WRITE_COMMAND, va, buffer, length, r);
    }

    unsigned debug(tlm::tlm_command command, uint64_t va, unsigned char* data, unsigned length,
                   TranslationExtension* ext = nullptr) {
        tlm::tlm_generic_payload trans;
        set_up(trans, command, va, data, length);
        if (ext) trans.set_extension(ext);
        const unsigned n = socket->transport_dbg(trans);
        if (ext) trans.clear_extension(ext);
        return n;
    }

    bool dmi(uint64_t va, tlm::tlm_dmi& dmi, tlm::tlm_command command = tlm::TLM_READ_COMMAND,
             const Request& r = {}) {
        tlm::tlm_generic_payload trans;
        trans.set_command(command);
        trans.set_address(va);
        TranslationExtension ext;
        ext.user = r.user;
        ext.fetch = r.fetch;
        if (r.with_extension) trans.set_extension(&ext);
        const bool granted = socket->get_direct_mem_ptr(trans, dmi);
        if (r.with_extension) trans.clear_extension(&ext);
        return granted;
    }

 private:
    // A plain access of `length` bytes at `va`, one beat (streaming width = length).
    static void set_up(tlm::tlm_generic_payload& trans, tlm::tlm_command command, uint64_t va, unsigned char* data,
                       unsigned length) {
        trans.set_command(command);
        trans.set_address(va);
        trans.set_data_ptr(data);
        trans.set_data_length(length);
        trans.set_streaming_width(length);
    }

    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
        ++dmi_invalidations;
        last_invalidated_start = start;
        last_invalidated_end = end;
    }
};

// Runs `program` in a new SystemC thread until the simulation is idle, then
// brings the initiator's local time into simulation time.
inline void simulate(Cpu& cpu, std::function<void()> program) {
    sc_core::sc_spawn_options thread;
    thread.set_stack_size(1 << 20);  // room for Catch's assertion machinery (and sanitizers)
    sc_core::sc_spawn(
        [&cpu, program] {
            program();
            cpu.qk.sync();
        },
        nullptr, &thread);
    sc_core::sc_start();
}

// Between MmuModule and memory: logs every transaction, can hold page-walk
// reads in a wait() (to let other processes run mid-walk), and can carry out
// byte-enabled writes itself (MemoryModule refuses byte enables).
class Probe : public sc_core::sc_module {
 public:
    tlm_utils::simple_target_socket<Probe> in;
    tlm_utils::simple_initiator_socket<Probe> out;

    struct Record {
        tlm::tlm_command command;
        uint64_t address;
        unsigned length;
        bool debug_transport;
        bool page_walk, locked;
        std::vector<unsigned char> byte_enable;  // empty: none
        sc_time issued_at;                       // simulation time + annotated delay on arrival
    };
    std::vector<Record> log;
    sc_time hold_walk_reads = sc_core::SC_ZERO_TIME;
    SparseMemory* byte_enable_memory = nullptr;
    // Blocking transactions reach memory in time order: page-walk reads at
    // the time the walk gets to them, data after its translation. (DMI
    // requests carry no time, so their walks start at simulation time.)
    bool check_time_order = true;

    explicit Probe(sc_core::sc_module_name name) : sc_module(name), in("in"), out("out") {
        in.register_b_transport(this, &Probe::b_transport);
        in.register_transport_dbg(this, &Probe::transport_dbg);
        in.register_get_direct_mem_ptr(this, &Probe::get_direct_mem_ptr);
        out.register_invalidate_direct_mem_ptr(this, &Probe::invalidate_direct_mem_ptr);
    }

    // Data accesses only (no page-table accesses, no debug transport).
    std::vector<Record> data_accesses() const {
        std::vector<Record> r;
        for (const Record& x : log)
            if (!x.page_walk && !x.debug_transport) r.push_back(x);
        return r;
    }
    unsigned count(bool debug_transport) const {
        unsigned n = 0;
        for (const Record& x : log) n += x.debug_transport == debug_transport;
        return n;
    }

    // Memory withdraws its DMI regions, as a remapping memory map would.
    void invalidate_memory_dmi() { in->invalidate_direct_mem_ptr(0, ~0ull); }

 private:
    Record note(const tlm::tlm_generic_payload& trans, bool debug_transport) {
        const auto* ext = trans.get_extension<TranslationExtension>();
        Record r{trans.get_command(), trans.get_address(), trans.get_data_length(), debug_transport,
                 ext && ext->page_walk, ext && ext->locked, {}, sc_core::sc_time_stamp()};
        if (trans.get_byte_enable_ptr())
            r.byte_enable.assign(trans.get_byte_enable_ptr(),
                                 trans.get_byte_enable_ptr() + trans.get_byte_enable_length());
        log.push_back(r);
        return r;
    }

    void b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
        note(trans, false);
        log.back().issued_at += delay;
        const Record& r = log.back();
        if (check_time_order) {
            CHECK(r.issued_at >= m_last_issue);
            m_last_issue = r.issued_at;
        }
        if (r.page_walk && r.command == tlm::TLM_READ_COMMAND && hold_walk_reads != sc_core::SC_ZERO_TIME)
            wait(hold_walk_reads);
        if (byte_enable_memory && !r.byte_enable.empty() && r.command == tlm::TLM_WRITE_COMMAND) {
            for (unsigned i = 0; i < r.length; ++i)
                if (r.byte_enable[i % r.byte_enable.size()])
                    byte_enable_memory->write(r.address + i, trans.get_data_ptr() + i, 1);
            trans.set_response_status(tlm::TLM_OK_RESPONSE);
            return;
        }
        const sc_time before = delay;
        out->b_transport(trans, delay);
        CHECK(delay >= before);
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans) {
        note(trans, true);
        return out->transport_dbg(trans);
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
        return out->get_direct_mem_ptr(trans, dmi);
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
        in->invalidate_direct_mem_ptr(start, end);
    }

    sc_time m_last_issue;
};

struct TestbenchOptions {
    MmuConfig config = MmuConfig::skylake();
    sc_time clock_period = ns(1);
    uint64_t memory_bytes = 64ull << 20;
    sc_time read_latency = ns(20);
    sc_time write_latency = ns(30);
};

// Page-table frames are allocated upwards from here; data pages live elsewhere.
constexpr uint64_t kTableRegion = 0x100000;
// The addresses the tests map: a linear page, its frame, a second frame, and a
// linear address left unmapped.
constexpr uint64_t kVa = 0x7000'0000;
constexpr uint64_t kPa = 0x30'0000;
constexpr uint64_t kSecondPa = 0x50'0000;
constexpr uint64_t kUnmapped = 0x7100'0000;

class Testbench {
 public:
    explicit Testbench(const TestbenchOptions& options = {})
        : cpu("cpu"),
          mmu("mmu", options.config, options.clock_period),
          probe("probe"),
          memory("memory", options.memory_bytes, options.read_latency, options.write_latency),
          builder(memory.storage(), [this] { return allocate_table(); }),
          options(options) {
        // A second test case in the same process would elaborate again.
        REQUIRE(sc_core::sc_get_status() == sc_core::SC_ELABORATION);
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
        cpu.qk.reset();
        cpu.socket.bind(mmu.in);
        mmu.mem.bind(probe.in);
        probe.out.bind(memory.in);
        root = builder.new_root();
    }

    // Maps a page; P is added. Tables get RW|US so that the leaf decides.
    void map(uint64_t va, uint64_t pa, uint64_t flags = pte::RW | pte::US, PageSize size = PageSize::k4) {
        builder.map(root, va, pa, size, flags);
    }

    // Long mode, 4-level paging, CR0.WP, EFER.NXE, CR3 = root, through the
    // module's control operations (their time goes nowhere: setup).
    void boot(uint64_t extra_cr4 = 0) {
        sc_time delay;
        REQUIRE(mmu.write_efer(efer::LME | efer::NXE, delay).ok());
        REQUIRE(mmu.write_cr4(cr4::PAE | extra_cr4, delay).ok());
        REQUIRE(mmu.write_cr3(root, delay).ok());
        REQUIRE(mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP, delay).ok());
    }

    void run(std::function<void()> program) { simulate(cpu, std::move(program)); }

    uint64_t entry(uint64_t va, unsigned level = 1) const {
        return builder.read(builder.entry_address(root, va, level));
    }
    uint64_t stored64(uint64_t pa) {
        uint64_t v = 0;
        memory.storage().read64(pa, v);
        return v;
    }
    const TlbEntry* l1d_entry(uint64_t va) const {
        return mmu.core().l1d().peek(va & mmu.core().geometry().va_mask(), mmu.core().current_pcid());
    }
    const TlbEntry* l2_entry(uint64_t va) const {
        return mmu.core().l2().peek(va & mmu.core().geometry().va_mask(), mmu.core().current_pcid());
    }

    Cpu cpu;
    sysc::MmuModule mmu;
    Probe probe;
    sysc::MemoryModule memory;
    PageTableBuilder builder;
    const TestbenchOptions options;
    uint64_t root = 0;

 private:
    uint64_t allocate_table() {
        const uint64_t frame = m_next_table;
        m_next_table += 4096;
        return frame;
    }
    uint64_t m_next_table = kTableRegion;
};

}  // namespace tlmmu::test
