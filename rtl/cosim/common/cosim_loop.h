// The co-simulation loop shared by the blocks. A Block supplies
//   Block::Request, Block::Response
//   Block::Stimulus(seed)              Request next()
//   Block::Reference                   Response step(const Request&)
//   Block::Dut (from the configuration) Response step(const Request&), reset(),
//                                      start_trace(path), stop_trace()
//   Block::Coverage                    record(const Request&, const Response&), print(out)
//   static void compare(Scoreboard&, const Request&, const Response& rtl, const Response& model)
//   static std::string describe(const Request&)
// Each transaction: the stimulus makes a request, the RTL takes it in one
// clock cycle (the Verilated model evaluated directly; SystemC time advances
// by the cycles in batches), the model executes it, the scoreboard compares
// every transaction. On the first
// mismatch the run stops; with --vcd it is re-run from the start with the same
// seed and the cycles of the --vcd-window transactions before the mismatch
// and of the mismatching one are dumped.
#pragma once

#include <chrono>
#include <ostream>

#include "harness.h"
#include "options.h"
#include "scoreboard.h"

namespace tlmmu::cosim {

struct RunSummary {
    uint64_t transactions = 0;  // executed (the mismatching one included)
    bool mismatch = false;
    double seconds = 0;
};

template <class Block, class Config>
RunSummary run_cosim(const Options& o, const Config& config, std::ostream& out, const Advance& advance,
                     typename Block::Coverage& coverage) {
    RunSummary summary;
    Scoreboard board(out);
    const auto start = std::chrono::steady_clock::now();
    {
        auto dut = config.make_dut(!o.vcd.empty());
        dut->reset();
        typename Block::Reference reference(config);
        typename Block::Stimulus stimulus(o.seed, config);
        CycleBatch time(advance);
        for (uint64_t n = 0; n < o.transactions; ++n) {
            const typename Block::Request request = stimulus.next();
            const typename Block::Response rtl = dut->step(request);
            const typename Block::Response model = reference.step(request);
            time.add(1);
            ++summary.transactions;
            Block::compare(board, request, rtl, model);
            if (!board.check(n, [&] { return Block::describe(request); })) break;
            coverage.record(request, model);
        }
    }
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    summary.mismatch = board.failed();
    if (board.failed() && !o.vcd.empty()) {
        const uint64_t last = board.first_mismatch();
        const uint64_t first = last >= o.vcd_window ? last - o.vcd_window : 0;
        auto dut = config.make_dut(true);
        dut->reset();
        typename Block::Stimulus stimulus(o.seed, config);
        for (uint64_t n = 0; n <= last; ++n) {
            if (n == first) dut->start_trace(o.vcd);
            dut->step(stimulus.next());
        }
        dut->stop_trace();
        out << "waveform of transactions " << first << ".." << last << " (one clock cycle each) written to " << o.vcd
            << "\n";
    } else if (!o.vcd.empty()) {
        out << "no mismatch: no waveform written\n";
    }
    return summary;
}

}  // namespace tlmmu::cosim
