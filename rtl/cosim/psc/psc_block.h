// Co-simulation of rtl/psc/psc.sv against the model's PagingStructureCache
// levels configured like the RTL (entries, ways, policy per level).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "coverage.h"
#include "events.h"
#include "rng.h"
#include "scoreboard.h"
#include "tlmmu/core/psc.h"

namespace tlmmu::cosim {

struct PscRequest {
    Event event;
    // OP_FILL: the entry of `level` used by a walk of event.va.
    unsigned level = 2;
    uint64_t table = 0;  // next table's physical address (4 KiB aligned)
    bool pcd = false, pwt = false;
    Rights rights;
};

struct PscResponse {
    bool hit = false;
    unsigned level = 0;  // deepest level that hit
    uint64_t table = 0;
    unsigned rights = 0;  // writable | user << 1 | nx << 2
    bool pcd = false, pwt = false;
    bool evicted = false;
    unsigned dropped = 0;
};

class PscDut {
 public:
    virtual ~PscDut() = default;
    virtual void reset() = 0;
    virtual PscResponse step(const PscRequest& r) = 0;
    virtual void start_trace(const std::string& path) = 0;
    virtual void stop_trace() = 0;
};

struct PscRtlConfig {
    struct Level {
        unsigned entries = 0, ways = 0;  // 0 entries: no cache for this level
    };
    std::string name;
    unsigned levels = 5;     // paging levels: 5 (LA57, 57-bit addresses) or 4 (48-bit)
    Level level[6];          // [2] PDE ... [5] PML5E
    ReplacementPolicy policy = ReplacementPolicy::tree_plru;
    bool fault = false;      // no planted fault is defined for this block
    std::unique_ptr<PscDut> (*make)(bool traceable) = nullptr;

    std::unique_ptr<PscDut> make_dut(bool traceable) const { return make(traceable); }
    PscLevelConfig level_config(unsigned l) const;
    uint64_t va_mask() const { return levels == 5 ? (1ull << 57) - 1 : (1ull << 48) - 1; }
};
const std::vector<PscRtlConfig>& psc_configs();
const PscRtlConfig* find_psc_config(const std::string& name, bool fault);
std::string psc_config_names();

class PscCoverage {
 public:
    explicit PscCoverage(const PscRtlConfig& c);
    void record(const PscRequest& r, const PscResponse& model);
    void print(std::ostream& out, const std::string& title) const { m_bins.print(out, title); }

 private:
    Coverage m_bins;
    unsigned m_op[kOps];
    unsigned m_hit[6], m_miss, m_fill[6], m_evicted;
    unsigned m_dropping[kOps];
};

struct PscBlock {
    using Request = PscRequest;
    using Response = PscResponse;
    using Coverage = PscCoverage;

    class Reference {
     public:
        explicit Reference(const PscRtlConfig& c);
        Response step(const Request& r);

     private:
        unsigned m_levels;
        uint64_t m_va_mask;
        std::vector<std::unique_ptr<PagingStructureCache>> m_caches;  // PDE first
        std::vector<PagingStructureCache*> m_enabled;
    };

    class Stimulus {
     public:
        Stimulus(uint64_t seed, const PscRtlConfig& c);
        Request next();

     private:
        uint64_t random_va();
        Rng m_rng;
        ControlState m_state;
        std::vector<unsigned> m_fill_levels;
        std::vector<uint64_t> m_index[6];  // pools of the PDE ... PML5E indexes
        RecentAddresses m_recent;
    };

    static void compare(Scoreboard& board, const Request& r, const Response& rtl, const Response& model);
    static std::string describe(const Request& r);
};

}  // namespace tlmmu::cosim
