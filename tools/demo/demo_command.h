#pragma once

#include <string>
#include <vector>

namespace tlmmu::demo {

// `tlmmu demo [options]`: the default job (also run by `tlmmu` with no arguments).
int run_demo_command(const std::vector<std::string>& args);

}  // namespace tlmmu::demo
