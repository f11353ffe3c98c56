#include "tlm_paths.h"

namespace tlmmu::bench {

using sc_core::sc_time;
using sc_core::SC_NS;

namespace {
volatile uint64_t g_sink;
}

// ---------------------------------------------------------------------------
// Initiator

Initiator::Initiator(sc_core::sc_module_name name) : sc_module(name), to_mmu("to_mmu"), to_memory("to_memory") {
    m_trans.set_extension(&m_ext);
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
    std::vector<Result> results;
    m_cpu.set_job([&] { results = run_all(streams, {&baseline, &core, &tlm}, m_options); });
    sc_core::sc_start();
    return results;
}

}  // namespace tlmmu::bench
