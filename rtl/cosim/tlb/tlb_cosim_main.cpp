// tlb_cosim: co-simulates rtl/tlb/tlb.sv (Verilated) against the model's
// TlbLevel on seeded random transactions; see docs/rtl.md.
#include "cosim_main.h"
#include "tlb_block.h"

// Declared extern "C" by <systemc>, which this file does not include.
extern "C" int sc_main(int argc, char** argv);

int sc_main(int argc, char** argv) {
    using namespace tlmmu::cosim;
    return cosim_main<TlbBlock, TlbRtlConfig>(argc, argv, "tlb", "small", find_tlb_config, tlb_config_names());
}
