// Command line shared by the co-simulation programs:
//   --seed N  --transactions N  --config NAME  --vcd FILE  --vcd-window N  --fault  --junit FILE
#pragma once

#include <cstdint>
#include <string>

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

// The command line (tlmmu's option layer): -1 to go on, else the exit status
// (0 after --help; 2 after an error, printed). `configs` lists the RTL
// configurations for the help text.
int parse_options(int argc, char** argv, const std::string& program, const std::string& configs, Options& options);

}  // namespace tlmmu::cosim
