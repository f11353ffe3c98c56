// The counters `expect-stat` can name, as flat dotted paths
// ("l1d.invalidations.invlpg", "psc.pd.hits", "walk.fills_suppressed").
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tlmmu/core/stats.h"

namespace tlmmu::scenario {

// Every counter of `stats` under its path, in a stable order.
std::vector<std::pair<std::string, uint64_t>> flatten_stats(const MmuStats& stats);

// Whether `path` names a counter.
bool is_stat_path(const std::string& path);

}  // namespace tlmmu::scenario
