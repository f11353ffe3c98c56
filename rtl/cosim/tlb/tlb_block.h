// Co-simulation of rtl/tlb/tlb.sv against the model's TlbLevel configured
// with the same organisation (a main array holding 4K pages and every size
// without an array of its own, optional 2M and 1G arrays) and the RTL's
// replacement policy.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "coverage.h"
#include "events.h"
#include "rng.h"
#include "scoreboard.h"
#include "tlmmu/core/tlb.h"

namespace tlmmu::cosim {

struct TlbRequest {
    Event event;  // op, va, pcid and the control fields
    // OP_FILL: the page mapping (pa_base, size, global, dirty, pkey, rights).
    uint64_t pa_base = 0;
    PageSize size = PageSize::k4;
    bool global = false;
    bool dirty = false;
    uint8_t pkey = 0;
    Rights rights;
};

struct TlbResponse {
    bool hit = false;
    uint64_t pa = 0;
    unsigned size = 0;
    bool global = false;
    bool dirty = false;
    unsigned rights = 0;  // tlmmu_pkg::rights_t: writable | user << 1 | nx << 2
    unsigned pkey = 0;
    bool evicted = false;
    unsigned dropped = 0;
    bool global_other_pcid = false;  // model only, for coverage: a global entry of another PCID hit
};

unsigned pack_rights(const Rights& r);

class TlbDut {
 public:
    virtual ~TlbDut() = default;
    virtual void reset() = 0;
    virtual TlbResponse step(const TlbRequest& r) = 0;
    virtual void start_trace(const std::string& path) = 0;
    virtual void stop_trace() = 0;
};

// One Verilated build of tlb.sv (its parameters are fixed when verilating).
struct TlbRtlConfig {
    std::string name;
    unsigned entries = 0, ways = 0;          // the main array: 4K and the sizes without one of their own
    unsigned entries_2m = 0, ways_2m = 0;    // a separate 2M array (0 entries: none)
    unsigned entries_1g = 0, ways_1g = 0;    // a separate 1G array
    ReplacementPolicy policy = ReplacementPolicy::tree_plru;
    bool fault = false;  // built with +define+PLANT_FAULT_INVPCID3_GLOBAL
    std::unique_ptr<TlbDut> (*make)(bool traceable) = nullptr;

    std::unique_ptr<TlbDut> make_dut(bool traceable) const { return make(traceable); }
    TlbLevelConfig level_config() const;
};
const std::vector<TlbRtlConfig>& tlb_configs();
// The build named `name` (with the planted fault when `fault`); nullptr if none.
const TlbRtlConfig* find_tlb_config(const std::string& name, bool fault);
std::string tlb_config_names();

class TlbCoverage {
 public:
    explicit TlbCoverage(const TlbRtlConfig& c);
    void record(const TlbRequest& r, const TlbResponse& model);
    void print(std::ostream& out, const std::string& title) const { m_bins.print(out, title); }

 private:
    Coverage m_bins;
    unsigned m_op[kOps];
    unsigned m_hit[kPageSizes], m_miss, m_global_hit_other_pcid;
    unsigned m_fill[kPageSizes], m_fill_global, m_evicted;
    unsigned m_dropping[kOps];
    unsigned m_cr4_all, m_cr4_pcid, m_cr4_none, m_cr3_noflush;
};

struct TlbBlock {
    using Request = TlbRequest;
    using Response = TlbResponse;
    using Coverage = TlbCoverage;

    class Reference {
     public:
        explicit Reference(const TlbRtlConfig& c) : m_level(c.level_config(), 1) {}
        Response step(const Request& r);

     private:
        TlbLevel m_level;
    };

    // Seeded random transactions over small pools of pages and PCIDs.
    class Stimulus {
     public:
        Stimulus(uint64_t seed, const TlbRtlConfig& c);
        Request next();

     private:
        uint64_t random_va();
        Rng m_rng;
        ControlState m_state;
        std::vector<uint64_t> m_hi, m_mid, m_lo;  // pools of VA bits 56:30, 29:21, 20:12
        RecentAddresses m_recent;  // recently filled addresses, looked up again
    };

    static void compare(Scoreboard& board, const Request& r, const Response& rtl, const Response& model);
    static std::string describe(const Request& r);
};

}  // namespace tlmmu::cosim
