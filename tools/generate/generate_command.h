// `tlmmu generate SPEC OUT.native`: writes a synthetic trace (synth: spec) as a
// native trace file, e.g. to feed other tools or to time decoding.
#pragma once

#include <string>
#include <vector>

namespace tlmmu::generate {

// args are the words after `tlmmu generate`. 0 success, 1 failure, 2 bad usage.
int run_generate_command(const std::vector<std::string>& args);

}  // namespace tlmmu::generate
