// `tlmmu scenario`: runs scenario files and reports PASS/FAIL per file.
#pragma once

#include <string>
#include <vector>

namespace tlmmu::scenario {

// args are the words after `tlmmu scenario`. Returns the process exit code:
// 0 all passed, 1 some failed, 2 bad usage.
int run_scenario_command(const std::vector<std::string>& args);

}  // namespace tlmmu::scenario
