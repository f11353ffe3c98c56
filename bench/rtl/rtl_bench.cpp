// rtl_bench: transactions per second of the RTL co-simulation next to the C++
// model alone and the Verilated RTL alone, on the same seeded stimulus in the
// same run (docs/rtl.md). Never asserts on timing.
//   rtl_bench [--quick] [--transactions N] [--seed N]
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "command_line.h"
#include "cosim_loop.h"
#include "psc_block.h"
#include "tlb_block.h"

extern "C" int sc_main(int argc, char** argv);

namespace {

using namespace tlmmu::cosim;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Row {
    std::string block, path;
    uint64_t transactions;
    double seconds;
};

void print(const Row& r, double model_rate) {
    const double rate = r.transactions / r.seconds;
    std::printf("%-16s %-8s %12llu %10.3f %12.3f %10.3f\n", r.block.c_str(), r.path.c_str(),
                (unsigned long long)r.transactions, r.seconds, rate / 1e6, rate / model_rate);
}

// The model alone, the RTL alone and the co-simulation of one configuration.
template <class Block, class Config>
bool measure(const std::string& label, const Config& config, uint64_t seed, uint64_t n, const Advance& advance,
             uint64_t& sink) {
    Row model{label, "model", n, 0};
    {
        typename Block::Stimulus stimulus(seed, config);
        typename Block::Reference reference(config);
        const auto t = Clock::now();
        for (uint64_t i = 0; i < n; ++i) {
            const auto r = reference.step(stimulus.next());
            sink += r.hit + r.dropped;
        }
        model.seconds = seconds_since(t);
    }
    Row rtl{label, "rtl", n, 0};
    {
        auto dut = config.make_dut(false);
        dut->reset();
        typename Block::Stimulus stimulus(seed, config);
        const auto t = Clock::now();
        {
            CycleBatch time(advance);
            for (uint64_t i = 0; i < n; ++i) {
                const auto r = dut->step(stimulus.next());
                time.add(1);
                sink += r.hit + r.dropped;
            }
        }
        rtl.seconds = seconds_since(t);
    }
    Options o;
    o.seed = seed;
    o.transactions = n;
    typename Block::Coverage coverage(config);
    const RunSummary s = run_cosim<Block>(o, config, std::cout, advance, coverage);
    Row cosim{label, "cosim", s.transactions, s.seconds};
    const double model_rate = n / model.seconds;
    print(model, model_rate);
    print(rtl, model_rate);
    print(cosim, model_rate);
    return !s.mismatch;
}

}  // namespace

int sc_main(int argc, char** argv) {
    uint64_t transactions = 1000000;
    uint64_t seed = 1;
    bool quick = false;
    tlmmu::tools::CommandLine cli("rtl_bench",
                                  "Co-simulation speed: each RTL block's model alone, the Verilated RTL alone and the\n"
                                  "co-simulation, in transactions per second, as ratios to the model in the same run.");
    cli.app().add_flag("--quick", quick, "50000 transactions (smoke test)");
    cli.count("--transactions", transactions, "transactions per block (default 1000000)");
    cli.count("--seed", seed, "stimulus seed (default 1)");
    if (const int status = cli.parse(argc, argv); status >= 0) return status;
    if (quick) transactions = 50000;
    return run_timed([&](const Advance& advance) {
        std::printf("%-16s %-8s %12s %10s %12s %10s\n", "block", "path", "transactions", "seconds", "M trans/s",
                    "vs model");
        uint64_t sink = 0;
        bool ok = true;
        for (const char* name : {"small", "setassoc", "split"})
            ok &= measure<TlbBlock>(std::string("tlb ") + name, *find_tlb_config(name, false), seed, transactions,
                                    advance, sink);
        for (const char* name : {"5level", "4level"})
            ok &= measure<PscBlock>(std::string("psc ") + name, *find_psc_config(name, false), seed, transactions,
                                    advance, sink);
        std::printf("(checksum %llu)\n", (unsigned long long)sink);
        if (!ok) std::cerr << "rtl_bench: the co-simulation reported a mismatch\n";
        return ok ? 0 : 1;
    });
}
