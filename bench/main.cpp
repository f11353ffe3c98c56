// tlmmu_bench: translations per second through the C++ core and through the
// TLM-2.0 sockets, each next to the bare memory model's b_transport round trip
// measured in the same run on the same addresses. See docs/benchmarks.md.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "driver.h"
#include "workload.h"

#ifdef TLMMU_BENCH_TLM
#include "tlm_paths.h"
#endif

namespace {

using namespace tlmmu;
using namespace tlmmu::bench;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The control operations of the bare core, as Workload::enable_paging uses them.
struct CoreControl {
    Mmu& mmu;
    bool efer(uint64_t v) { return mmu.write_efer(v).ok(); }
    bool cr4(uint64_t v) { return mmu.write_cr4(v).ok(); }
    bool cr3(uint64_t v) { return mmu.write_cr3(v).ok(); }
    bool cr0(uint64_t v) { return mmu.write_cr0(v).ok(); }
};

int finish(const Options& options, std::vector<Stream>& streams, const std::vector<Result>& results,
           const Report& report) {
    print_table(streams, results, options, report);
    if (!options.json.empty()) {
        std::string error;
        if (!write_json(options.json, streams, results, options, report, error)) {
            std::fprintf(stderr, "tlmmu_bench: %s\n", error.c_str());
            return 1;
        }
        std::printf("results written to %s\n", options.json.c_str());
    }
    for (const Result& r : results) {
        if (r.errors) {
            std::fprintf(stderr, "tlmmu_bench: %s/%s: %llu accesses failed\n", r.stream.c_str(), r.path.c_str(),
                         (unsigned long long)r.errors);
            return 1;
        }
    }
    return 0;
}

int run(int argc, char** argv) {
    Options options;
    if (const int status = parse_options(argc, argv, options); status >= 0) return status;
    std::string error;
    const auto setup_start = std::chrono::steady_clock::now();
    const MmuConfig& config = options.mmu;
    const unsigned latency_cycles = unsigned(options.memory_latency_ns / options.clock_ns + 0.5);
    Report report;
    report.machine = describe_machine();

#ifdef TLMMU_BENCH_TLM
    // One elaboration for every TLM measurement: the page tables live in the
    // storage of the memory model behind the MMU, which the core path reads too.
    TlmHarness tlm(config, options);
    SparseMemory& memory = tlm.translated_memory();
#else
    SparseMemory memory(Workload::kMemoryBytes);
    report.note = "built without the TLM paths (no tlmmu_systemc target, or TLMMU_BENCH_TLM=OFF): core path "
                  "only, no TLM path and no b_transport baseline";
#endif
    Workload workload(memory, options.size);
    CorePath core(config, memory, latency_cycles);
    if (!Workload::enable_paging(CoreControl{core.mmu()}, workload.cr3())) {
        std::fprintf(stderr, "tlmmu_bench: enabling paging in the core failed\n");
        return 1;
    }
    if (!workload.resolve(core.mmu(), error)) {
        std::fprintf(stderr, "tlmmu_bench: %s\n", error.c_str());
        return 1;
    }

    if (!options.only.empty()) {
        std::vector<Stream>& all = workload.streams();
        all.erase(std::remove_if(all.begin(), all.end(),
                                 [&](const Stream& s) {
                                     return std::find(options.only.begin(), options.only.end(), s.name) ==
                                            options.only.end();
                                 }),
                  all.end());
    }

    std::vector<Result> results;
#ifdef TLMMU_BENCH_TLM
    if (!tlm.prepare(workload, error)) {
        std::fprintf(stderr, "tlmmu_bench: %s\n", error.c_str());
        return 1;
    }
    report.tlm = true;
    report.setup_seconds = seconds_since(setup_start);
    const auto run_start = std::chrono::steady_clock::now();
    results = tlm.run(workload.streams(), core);
    report.run_seconds = seconds_since(run_start);
#else
    report.setup_seconds = seconds_since(setup_start);
    const auto run_start = std::chrono::steady_clock::now();
    results = run_all(workload.streams(), {&core}, options);
    report.run_seconds = seconds_since(run_start);
#endif
    return finish(options, workload.streams(), results, report);
}

}  // namespace

#ifdef TLMMU_BENCH_TLM
// The table and the JSON are the output: no SystemC banner before them unless
// the environment asks for one. Runs before the library's main().
static const int g_quiet_banner = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);

int sc_main(int argc, char** argv) { return run(argc, argv); }
#else
int main(int argc, char** argv) { return run(argc, argv); }
#endif
