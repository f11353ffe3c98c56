// Reports of a replay: the readable summary table, the JSON object of
// `tlmmu trace --json` and its one-row CSV form.
#pragma once

#include <string>

#include "tlmmu/replay/replay.h"

namespace tlmmu::replay {

// `format` is what the command line asked for ("auto" or a format name).
std::string result_json(const ReplayResult& result, const ReplayOptions& options, const std::string& format,
                        int indent = 2);
// One header line and one row: every scalar field of the JSON object,
// flattened with dotted names (the latency histogram left out).
std::string result_csv(const std::string& json);
// The readable summary; `options` says whether the data caches were on.
std::string result_summary(const ReplayResult& result, const ReplayOptions& options);

}  // namespace tlmmu::replay
