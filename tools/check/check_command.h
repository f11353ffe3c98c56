// `tlmmu check`: a run's JSON statistics against a golden file (docs/ci.md).
#pragma once

#include <string>
#include <vector>

namespace tlmmu::check {

// Exit status: 0 within tolerance (or golden updated), 1 regression, 2 bad input.
int run_check_command(const std::vector<std::string>& args);

}  // namespace tlmmu::check
