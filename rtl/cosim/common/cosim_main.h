// The body of a block's co-simulation program: parses the options, finds the
// Verilated build, runs the loop in the SystemC harness, prints coverage and
// a summary line "<block> <config>: N transactions, M mismatches, ...".
// Exit status: 0 no mismatch, 1 mismatch, 2 usage or run error.
#pragma once

#include <iostream>
#include <string>
#include <vector>

#include "cosim_loop.h"
#include "junit.h"

namespace tlmmu::cosim {

template <class Block, class Config, class Find>
int cosim_main(int argc, char** argv, const std::string& block, const std::string& default_config, Find find,
               const std::string& config_names) {
    const std::string program = block + "_cosim";
    Options o;
    if (const int status = parse_options(argc, argv, program, config_names, o); status >= 0) return status;
    if (o.config.empty()) o.config = default_config;
    const Config* config = find(o.config, o.fault);
    if (!config) {
        std::cerr << program << ": no " << (o.fault ? "planted-fault build of the " : "") << "configuration '"
                  << o.config << "'; available: " << config_names << "\n";
        return 2;
    }
    return run_timed([&](const Advance& advance) {
        typename Block::Coverage coverage(*config);
        RunSummary s;
        try {
            s = run_cosim<Block>(o, *config, std::cout, advance, coverage);
        } catch (const std::exception& e) {
            std::cerr << program << ": " << e.what() << "\n";
            return 2;
        }
        if (!o.quiet) coverage.print(std::cout, block + " " + config->name + (o.fault ? " (planted fault)" : ""));
        std::cout << block << " " << config->name << ": " << s.transactions << " transactions, "
                  << (s.mismatch ? 1 : 0) << " mismatches, seed " << o.seed << ", " << s.seconds << " s\n"
                  << std::flush;
        if (!o.junit.empty()) {
            tools::JunitCase tc;
            tc.name = block + " " + config->name + (o.fault ? " (planted fault)" : "") + ", seed " +
                      std::to_string(o.seed) + ", " + std::to_string(o.transactions) + " transactions";
            tc.classname = "cosim." + block;
            tc.seconds = s.seconds;
            if (s.mismatch) {
                tc.outcome = tools::JunitCase::Outcome::failure;
                tc.message = "first mismatch at transaction " + std::to_string(s.transactions - 1);
            }
            if (!tools::write_junit(o.junit, {{program, {tc}}})) {
                std::cerr << program << ": cannot write " << o.junit << "\n";
                return 2;
            }
        }
        return s.mismatch ? 1 : 0;
    });
}

}  // namespace tlmmu::cosim
