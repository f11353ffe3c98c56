// The machine counters `expect-smp` can name, as flat dotted paths
// ("ipis_received", "dropped_by_invlpgb.l2", "clock"), for one CPU.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tlmmu/machine/machine.h"

namespace tlmmu::scenario {

// Every counter of CPU `cpu` under its path, in a stable order.
std::vector<std::pair<std::string, uint64_t>> flatten_smp_stats(const machine::Machine& m, unsigned cpu);

bool is_smp_stat_path(const std::string& path);
std::string smp_stat_path_list();  // for error messages

}  // namespace tlmmu::scenario
