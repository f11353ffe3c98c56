// Command line shared by the co-simulation programs:
//   --seed N  --transactions N  --config NAME  --vcd FILE  --vcd-window N  --fault  --junit FILE
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlmmu::cosim {

struct Options {
    uint64_t seed = 1;
    uint64_t transactions = 100000;
    std::string config;        // RTL configuration (empty: the program's default)
    std::string vcd;           // waveform of the transactions before the first mismatch
    uint64_t vcd_window = 1000;  // transactions dumped before the mismatching one
    bool fault = false;        // use the build with the planted fault
    bool quiet = false;        // no coverage table
    std::string junit;         // JUnit XML of the run (one test case)
};

class UsageError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// Throws UsageError naming the offending argument.
Options parse_options(const std::vector<std::string>& args);
std::string options_help(const std::string& program, const std::string& configs);

}  // namespace tlmmu::cosim
