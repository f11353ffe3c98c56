// tlb_cosim, and every tlmmu_add_rtl_cosim program of KIND tlb: co-simulates a
// Verilated TLB against the model's TlbLevel on seeded random transactions;
// see docs/rtl.md and docs/rtl-interface.md.
#include "cosim_main.h"
#include "tlb_block.h"

// Declared extern "C" by <systemc>, which this file does not include.
extern "C" int sc_main(int argc, char** argv);

int sc_main(int argc, char** argv) {
    using namespace tlmmu::cosim;
    // The default configuration is the first build added.
    return cosim_main<TlbBlock, TlbRtlConfig>(argc, argv, "tlb", tlb_configs().front().name, find_tlb_config,
                                              tlb_config_names());
}
