#include "tlm_paths.h"

#include <cstring>

namespace tlmmu::bench {

using sc_core::sc_time;
using sc_core::SC_NS;

namespace {
volatile uint64_t g_sink;
}

// ---------------------------------------------------------------------------
// Initiator

Initiator::Initiator(sc_core::sc_module_name name)
    : sc_module(name), to_mmu("to_mmu"), to_memory("to_memory"), m_dmi(kDmiSlots) {
    m_trans.set_extension(&m_ext);
    to_mmu.register_invalidate_direct_mem_ptr(this, &Initiator::invalidate_direct_mem_ptr);
    SC_HAS_PROCESS(Initiator);
    SC_THREAD(thread);
    set_stack_size(8u << 20);  // the driver and the core path run on this thread's stack
}

// The payload frees the extensions it still holds: take ours back first.
Initiator::~Initiator() { m_trans.clear_extension(&m_ext); }

void Initiator::thread() {
    m_qk.reset();
    if (m_job) m_job();
}

Timing Initiator::read_loop(tlm_utils::simple_initiator_socket<Initiator>& socket,
                            const std::vector<uint64_t>& addresses, uint64_t count, uint64_t& errors) {
    uint64_t data = 0, sink = 0;
    m_trans.set_command(tlm::TLM_READ_COMMAND);
    m_trans.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
    m_trans.set_data_length(sizeof data);
    m_trans.set_streaming_width(sizeof data);
    m_trans.set_byte_enable_ptr(nullptr);
    m_trans.set_byte_enable_length(0);
    m_trans.set_dmi_allowed(false);
    const uint64_t* address = addresses.data();
    const size_t n = addresses.size();
    size_t i = 0;

    const Stopwatch watch;
    for (uint64_t k = 0; k < count; ++k) {
        m_trans.set_address(address[i]);
        m_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        if (++i == n) i = 0;
        sc_time delay = m_qk.get_local_time();
        socket->b_transport(m_trans, delay);
        m_qk.set(delay);
        if (m_qk.need_sync()) m_qk.sync();
        errors += !m_trans.is_response_ok();
        sink += data;
    }
    const Timing time = watch.elapsed();

    m_qk.sync();  // the next measurement starts at a quantum boundary
    g_sink = g_sink + sink;
    return time;
}

void Initiator::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    for (DmiRegion& r : m_dmi)
        if (r.start <= end && start <= r.end) r = DmiRegion();
}

void Initiator::request_dmi(uint64_t va) {
    ++m_dmi_requests;
    tlm::tlm_generic_payload request;
    request.set_command(tlm::TLM_READ_COMMAND);
    request.set_address(va);
    tlm::tlm_dmi dmi;
    if (!to_mmu->get_direct_mem_ptr(request, dmi) || !dmi.is_read_allowed()) return;
    if (va < dmi.get_start_address() || va > dmi.get_end_address()) return;
    DmiRegion& r = m_dmi[(va >> 12) & (kDmiSlots - 1)];
    r.start = dmi.get_start_address();
    r.end = dmi.get_end_address();
    r.ptr = dmi.get_dmi_ptr();
    r.latency = dmi.get_read_latency();
}

Timing Initiator::read_loop_dmi(const std::vector<uint64_t>& addresses, uint64_t count, uint64_t& errors) {
    uint64_t data = 0, sink = 0;
    m_trans.set_command(tlm::TLM_READ_COMMAND);
    m_trans.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
    m_trans.set_data_length(sizeof data);
    m_trans.set_streaming_width(sizeof data);
    m_trans.set_byte_enable_ptr(nullptr);
    m_trans.set_byte_enable_length(0);
    const uint64_t* address = addresses.data();
    const size_t n = addresses.size();
    size_t i = 0;

    const Stopwatch watch;
    for (uint64_t k = 0; k < count; ++k) {
        const uint64_t va = address[i];
        if (++i == n) i = 0;
        const DmiRegion& r = m_dmi[(va >> 12) & (kDmiSlots - 1)];
        if (va >= r.start && va + (sizeof data - 1) <= r.end) {
            std::memcpy(&data, r.ptr + (va - r.start), sizeof data);
            m_qk.inc(r.latency);
        } else {
            m_trans.set_address(va);
            m_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            m_trans.set_dmi_allowed(false);
            sc_time delay = m_qk.get_local_time();
            to_mmu->b_transport(m_trans, delay);
            m_qk.set(delay);
            errors += !m_trans.is_response_ok();
            if (m_trans.is_response_ok() && m_trans.is_dmi_allowed()) request_dmi(va);
        }
        if (m_qk.need_sync()) m_qk.sync();
        sink += data;
    }
    const Timing time = watch.elapsed();

    m_qk.sync();
    g_sink = g_sink + sink;
    return time;
}

// ---------------------------------------------------------------------------
// Paths

// (c) The same initiator reading the stream's physical addresses straight
// from a memory model.
class TlmHarness::BaselinePath : public Path {
 public:
    explicit BaselinePath(Initiator& cpu) : m_cpu(cpu) {}
    const char* name() const override { return "baseline"; }
    bool translates() const override { return false; }
    RunResult run(const Stream& stream, uint64_t count) override {
        RunResult r;
        r.accesses = count;
        r.time = m_cpu.read_loop(m_cpu.to_memory, stream.pa, count, r.errors);
        return r;
    }

 private:
    Initiator& m_cpu;
};

// (b) The stream's linear addresses through MmuModule into the memory model.
class TlmHarness::TranslatedPath : public Path {
 public:
    TranslatedPath(Initiator& cpu, sysc::MmuModule& mmu) : m_cpu(cpu), m_mmu(mmu) {}
    const char* name() const override { return "tlm"; }
    RunResult run(const Stream& stream, uint64_t count) override {
        const Counters before = Counters::of(m_mmu.core().stats());
        RunResult r;
        r.accesses = count;
        r.time = m_cpu.read_loop(m_cpu.to_mmu, stream.va, count, r.errors);
        r.counters = Counters::of(m_mmu.core().stats()) - before;
        return r;
    }

 private:
    Initiator& m_cpu;
    sysc::MmuModule& m_mmu;
};

// (d) The TLM path as an initiator that caches the DMI regions the MMU hands
// out per translated page: after the first access to a page, its reads skip
// the MMU (no TLB lookup, no counters) until the MMU invalidates the region.
class TlmHarness::DmiPath : public Path {
 public:
    DmiPath(Initiator& cpu, sysc::MmuModule& mmu) : m_cpu(cpu), m_mmu(mmu) {}
    const char* name() const override { return "tlm-dmi"; }
    RunResult run(const Stream& stream, uint64_t count) override {
        const Counters before = Counters::of(m_mmu.core().stats());
        RunResult r;
        r.accesses = count;
        r.time = m_cpu.read_loop_dmi(stream.va, count, r.errors);
        r.counters = Counters::of(m_mmu.core().stats()) - before;
        return r;
    }

 private:
    Initiator& m_cpu;
    sysc::MmuModule& m_mmu;
};

// ---------------------------------------------------------------------------
// Harness

TlmHarness::TlmHarness(const MmuConfig& config, const Options& options)
    : m_options(options),
      m_cpu("cpu"),
      m_mmu("mmu", config, sc_time(options.clock_ns, SC_NS)),
      m_memory("memory", Workload::kMemoryBytes, sc_time(options.memory_latency_ns, SC_NS),
               sc_time(options.memory_latency_ns, SC_NS)),
      m_bare_memory("bare_memory", Workload::kMemoryBytes, sc_time(options.memory_latency_ns, SC_NS),
                    sc_time(options.memory_latency_ns, SC_NS)) {
    m_cpu.to_mmu.bind(m_mmu.in);
    m_mmu.mem.bind(m_memory.in);
    m_cpu.to_memory.bind(m_bare_memory.in);
    tlm::tlm_global_quantum::instance().set(sc_time(options.quantum_ns, SC_NS));
}

TlmHarness::~TlmHarness() = default;

bool TlmHarness::prepare(const Workload& workload, std::string& error) {
    struct Control {
        sysc::MmuModule& mmu;
        sc_time delay = sc_core::SC_ZERO_TIME;
        bool efer(uint64_t v) { return mmu.write_efer(v, delay).ok(); }
        bool cr4(uint64_t v) { return mmu.write_cr4(v, delay).ok(); }
        bool cr3(uint64_t v) { return mmu.write_cr3(v, delay).ok(); }
        bool cr0(uint64_t v) { return mmu.write_cr0(v, delay).ok(); }
    };
    if (!Workload::enable_paging(Control{m_mmu}, workload.cr3())) {
        error = "enabling paging in the MMU module failed";
        return false;
    }
    for (uint64_t frame = 0; frame < Workload::kDataFrames; ++frame) {
        const uint64_t pa = Workload::kDataBase + frame * 4096;
        m_memory.storage().write64(pa, pa);
        m_bare_memory.storage().write64(pa, pa);
    }
    return true;
}

std::vector<Result> TlmHarness::run(const std::vector<Stream>& streams, CorePath& core) {
    BaselinePath baseline(m_cpu);
    TranslatedPath tlm(m_cpu, m_mmu);
    DmiPath dmi(m_cpu, m_mmu);
    std::vector<Result> results;
    m_cpu.set_job([&] { results = run_all(streams, {&baseline, &core, &tlm, &dmi}, m_options); });
    sc_core::sc_start();
    return results;
}

}  // namespace tlmmu::bench
