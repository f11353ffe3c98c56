// walker_cosim, and every tlmmu_add_rtl_cosim program of KIND walker:
// co-simulates a Verilated page walker against the model's walker on seeded
// random walks; see docs/rtl-walker.md and docs/rtl-interface.md.
#include "walker_block.h"

// Declared extern "C" by <systemc>, which this file does not include.
extern "C" int sc_main(int argc, char** argv);

int sc_main(int argc, char** argv) { return tlmmu::cosim::walker::walker_cosim_main(argc, argv); }
