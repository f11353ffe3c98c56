// `tlmmu settings`: every setting of the registry, its type, default, unit,
// allowed values and meaning (docs/configuration.md is generated from it).
#pragma once

#include <string>
#include <vector>

namespace tlmmu::settings_command {

int run_settings_command(const std::vector<std::string>& args);

}  // namespace tlmmu::settings_command
