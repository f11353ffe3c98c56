// `tlmmu convert IN OUT [--from FMT] [--to FMT] [--limit N]`: streams a trace
// into another format (native by default). The output appears only when complete.
#pragma once

#include <string>
#include <vector>

namespace tlmmu::convert {

// Exit status: 0 converted, 1 bad trace or I/O error, 2 usage error.
int run_convert_command(const std::vector<std::string>& args);

}  // namespace tlmmu::convert
