// The core-only measurement set of `tlmmu demo` (the MMU model alone, no
// platform or firmware): measurements an architect asks of
// an MMU model first, run on the model with its configured latencies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tlmmu/core/config.h"
#include "tlmmu/core/paging.h"

namespace tlmmu::demo {

// How the pages of a working set are laid out in the linear address space,
// which decides what the paging-structure caches can do for the walks.
enum class Layout {
    dense,      // contiguous pages: walks share PDEs, the PDE cache serves them
    per_gib,    // one 4K page per 1 GiB: each needs its own PDE and PDPTE
    scattered,  // consecutive pages in different PML4 slots: full walks
};
const char* to_string(Layout l);

struct WorkingSetPoint {
    PageSize page_size;
    Layout layout;
    unsigned pages;
    double mean_cycles;  // translation latency per access, steady state
    double l1_fraction, l2_fraction, walk_fraction;
    double reads_per_walk;
};

struct ContextSwitchPoint {
    std::string mode;          // "pcid-off", "pcid-on", "pcid-noflush"
    bool global_kernel;        // kernel pages mapped global with CR4.PGE
    double switch_cycles;      // the CR3 write itself
    double refill_cycles;      // translation cycles of the accesses after it
    double walks_per_switch;
};

struct RangeFlushPoint {
    unsigned pages;            // pages whose mappings changed
    double invlpg_cycles;      // one INVLPG per page + the re-touch
    double full_flush_cycles;  // one CR3 reload + the re-touch
};

struct Results {
    std::vector<WorkingSetPoint> working_set;
    std::vector<ContextSwitchPoint> context_switch;
    std::vector<RangeFlushPoint> range_flush;
    unsigned range_flush_crossover = 0;  // smallest sampled page count where a full flush is cheaper
    // The sampled page count just before it (INVLPG still cheaper): the true
    // crossover lies above this. Quick runs sample few counts, so the two can be far apart.
    unsigned range_flush_invlpg_cheaper_at = 0;
    unsigned memory_latency = 0;
};

Results run_all(const MmuConfig& config, unsigned memory_latency, bool quick);

std::string report(const Results& results);
std::string to_json(const Results& results);

}  // namespace tlmmu::demo
