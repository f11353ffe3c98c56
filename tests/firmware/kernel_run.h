// Runs chosen experiments of the firmware with parameters, as
// `tlmmu experiments --only ... --param ...` does, and keeps what it printed.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "experiment_catalogue.h"
#include "experiments_command.h"

namespace tlmmu::experiments::test {

struct KernelRun {
    SuiteRun suite;
    Results results;
};

inline SuiteRun run_raw(const std::vector<std::string>& only, const std::map<std::string, std::string>& params,
                        const std::map<std::string, std::string>& platform_settings = {}) {
    platform::PlatformOptions options;
    options.backend = platform::Backend::direct;
    for (const auto& [key, value] : platform_settings) options.set(key, value);
    GuestParams p;
    for (const auto& [key, value] : params) apply_param(p, key, value);
    return run_experiments(TLMMU_FIRMWARE_ELF, options, p, chosen_experiments(only));
}

inline KernelRun run_kernel(const std::vector<std::string>& only, const std::map<std::string, std::string>& params = {},
                            const std::map<std::string, std::string>& platform_settings = {}) {
    KernelRun k;
    k.suite = run_raw(only, params, platform_settings);
    INFO(k.suite.run.message << "\n" << k.suite.uart.substr(k.suite.uart.size() > 3000 ? k.suite.uart.size() - 3000 : 0));
    REQUIRE(k.suite.run.passed());
    k.results = compute_results(parse_records(k.suite.uart));
    return k;
}

}  // namespace tlmmu::experiments::test
