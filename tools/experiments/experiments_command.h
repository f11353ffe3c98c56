// `tlmmu experiments`: runs the experiment firmware on the platform and
// reports what it measured inside the guest (docs/experiments.md).
#pragma once

#include <string>
#include <vector>

#include "experiment_catalogue.h"
#include "platform.h"
#include "results.h"

namespace tlmmu::experiments {

// The firmware built with the project (firmware/), or "" if it was not built.
std::string default_firmware_path();

struct SuiteRun {
    platform::RunResult run;
    std::string uart;  // everything the guest printed
    std::string label; // which run it was, for messages ("" or " (the shootdown run on N harts)")
};

// Runs `firmware` on the platform (direct backend unless options say otherwise).
SuiteRun run_suite(const std::string& firmware, const platform::PlatformOptions& options);

// The experiments to run: `only`, or every default one when it is empty.
std::vector<std::string> chosen_experiments(const std::vector<std::string>& only);
// Runs `chosen` (catalogue names): the shootdown experiment on a platform of
// its own with param.shootdowns.max_cpus harts, the others on `options` as
// given. The UART outputs are concatenated; `run` is the failing run's result
// (or the last one), with instructions, cycles and wall time summed over the
// runs. Throws ConfigError for parameters that break a rule.
SuiteRun run_experiments(const std::string& firmware, const platform::PlatformOptions& options,
                         const GuestParams& params, const std::vector<std::string>& chosen);

int run_experiments_command(const std::vector<std::string>& args);

}  // namespace tlmmu::experiments
