// `tlmmu experiments`: runs the experiment firmware on the platform and
// reports what it measured inside the guest (docs/experiments.md).
#pragma once

#include <string>
#include <vector>

#include "platform.h"
#include "results.h"

namespace tlmmu::experiments {

// The firmware built with the project (firmware/), or "" if it was not built.
std::string default_firmware_path();

struct SuiteRun {
    platform::RunResult run;
    std::string uart;  // everything the guest printed
};

// Runs `firmware` on the platform (direct backend unless options say otherwise).
SuiteRun run_suite(const std::string& firmware, const platform::PlatformOptions& options);

int run_experiments_command(const std::vector<std::string>& args);

}  // namespace tlmmu::experiments
