// psc_cosim: co-simulates rtl/psc/psc.sv (Verilated) against the model's
// PagingStructureCache levels on seeded random transactions; see docs/rtl.md.
#include "cosim_main.h"
#include "psc_block.h"

// Declared extern "C" by <systemc>, which this file does not include.
extern "C" int sc_main(int argc, char** argv);

int sc_main(int argc, char** argv) {
    using namespace tlmmu::cosim;
    // The default configuration is the first build added.
    return cosim_main<PscBlock, PscRtlConfig>(argc, argv, "psc", psc_configs().front().name, find_psc_config,
                                              psc_config_names());
}
