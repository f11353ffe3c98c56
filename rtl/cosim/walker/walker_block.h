// Co-simulation of a page walker (rtl/walker/walker.sv, or a user's walker
// with the same port list, docs/rtl-interface.md) against the model's walker.
// The program body (options, stimulus, memory transactor, scoreboard,
// coverage, first-mismatch report, waveform window, JUnit) is walker_cosim_main;
// the Verilated builds come from the table tlmmu_add_rtl_cosim(KIND walker)
// generates (walker_duts.cpp.in), each behind WalkerDut.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tlmmu::cosim::walker {

// The walker's inputs (clk and rst are driven by the DUT wrapper). The walk's
// address, start and control state change only between walks: whoever
// changes them increments `walk`, and the wrapper copies them to the ports
// only then, not every cycle.
struct WalkerInputs {
    uint64_t walk = 0;
    bool req_valid = false;
    uint64_t req_va = 0;
    uint8_t req_type = 0;
    bool req_user = false, req_implicit = false;
    bool req_start_valid = false;
    uint8_t req_start_level = 0;
    uint64_t req_start_table = 0;
    bool req_start_w = false, req_start_u = false, req_start_nx = false;
    uint64_t cr3 = 0;
    bool la57 = false, cr0_wp = false, cr4_smep = false, cr4_smap = false, cr4_pke = false, cr4_pge = false,
         efer_nxe = false, eflags_ac = false;
    uint32_t pkru = 0;
    bool mem_req_ready = false;
    bool mem_resp_valid = false;
    uint64_t mem_resp_data = 0;
    bool mem_resp_err = false;
    bool res_ready = false;
};

// Its outputs, as they stand after a clock cycle.
struct WalkerOutputs {
    bool req_ready = false;
    bool mem_req_valid = false, mem_req_cas = false;
    uint64_t mem_req_addr = 0, mem_req_cmp = 0, mem_req_wdata = 0;
    bool res_valid = false;
    uint8_t res_fault = 0, res_error_code = 0;
    uint64_t res_fault_addr = 0, res_pa = 0;
    uint8_t res_size = 0;
    bool res_w = false, res_u = false, res_nx = false;
    uint8_t res_pkey = 0;
    bool res_global = false, res_dirty = false;
};

class WalkerDut {
 public:
    virtual ~WalkerDut() = default;
    // Holds rst for two cycles; `out` gets the outputs after it.
    virtual void reset(WalkerOutputs& out) = 0;
    // One clock cycle: `in` is sampled at the rising edge; `out` gets the
    // outputs after it.
    virtual void tick(const WalkerInputs& in, WalkerOutputs& out) = 0;
    virtual void start_trace(const std::string& path) = 0;
    virtual void stop_trace() = 0;
};

// One Verilated build (parameters are fixed when verilating) and how the
// model is configured to match it.
struct WalkerRtlConfig {
    std::string name;
    unsigned maxphyaddr = 46;     // MAXPHYADDR
    bool gb_pages = true;         // GB_PAGES: 1 GiB pages supported
    unsigned restart_limit = 8;   // RESTART_LIMIT: walks before a bus fault
    bool fault = false;           // a build with a planted bug (--fault)
    std::unique_ptr<WalkerDut> (*make)(bool traceable) = nullptr;

    std::unique_ptr<WalkerDut> make_dut(bool traceable) const { return make(traceable); }
};
const std::vector<WalkerRtlConfig>& walker_configs();
// The build named `name` (with the planted bug when `fault`); nullptr if none.
const WalkerRtlConfig* find_walker_config(const std::string& name, bool fault);
std::string walker_config_names();

// The whole program: exit status 0 no mismatch, 1 mismatch (or
// --require-coverage unmet), 2 usage error, 3 internal error.
int walker_cosim_main(int argc, char** argv);

}  // namespace tlmmu::cosim::walker
