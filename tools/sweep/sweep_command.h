// `tlmmu sweep SPEC`: runs the cross product of traces and configurations
// described by a JSON spec (docs/sweeps.md) and aggregates one CSV.
#pragma once

#include <string>
#include <vector>

namespace tlmmu::sweep {

// args are the words after `tlmmu sweep`. Returns the exit code: 0 all jobs
// succeeded, 1 a job failed (or the sweep was interrupted), 2 bad usage or spec.
int run_sweep_command(const std::vector<std::string>& args);

}  // namespace tlmmu::sweep
