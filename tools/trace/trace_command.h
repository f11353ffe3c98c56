#pragma once

#include <string>
#include <vector>

namespace tlmmu::trace_command {

// `tlmmu trace [options] TRACE...`: replays traces through the MMU model with
// the OS model of docs/os-model.md. Exit 0 on success, 1 on a trace or
// configuration error, 2 on a usage error.
int run_trace_command(const std::vector<std::string>& args);

}  // namespace tlmmu::trace_command
