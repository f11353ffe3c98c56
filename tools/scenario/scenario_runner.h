// Runs scenario files (docs/scenarios.md) against the MMU core: each file on
// a fresh model with its own memory, page tables and configuration.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "tlmmu/core/config.h"
#include "tlmmu/core/stats.h"

namespace tlmmu::scenario {

struct RunOptions {
    MmuConfig config = MmuConfig::skylake();  // what the file's `config` lines start from
    bool verbose = false;                     // trace every statement and its outcome
};

// What one file found. A failed expectation does not stop the file; an error
// (malformed file, a statement that cannot be carried out) does.
struct RunResult {
    unsigned failures = 0;
    unsigned errors = 0;
    std::optional<MmuStats> stats;  // the model's counters at the end of a file that ran to its end
    bool passed() const { return failures == 0 && errors == 0; }
};

// Runs the scenario at `path`. Diagnostics go to `out`, one per line:
//   FILE:LINE: expected X, got Y
//   FILE:LINE: error: REASON
RunResult run_scenario_file(const std::string& path, const RunOptions& options, std::ostream& out);

// The same for scenario text from a stream; `name` stands for the file name.
RunResult run_scenario(const std::string& name, std::istream& in, const RunOptions& options, std::ostream& out);

}  // namespace tlmmu::scenario
