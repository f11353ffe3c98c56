// Every group of settings tlmmu has, in the order the docs list them: what
// `tlmmu settings` prints and docs/configuration.md's table shows. A new
// group (cache.*, smp.*, param.*) is added here once it is declared.
#pragma once

#include <vector>

#include "tlmmu/settings/registry.h"

namespace tlmmu::settings_command {

std::vector<const settings::GroupBase*> catalogue();

}  // namespace tlmmu::settings_command
