// The experiment firmware run on the platform: the latencies it measures from
// inside the guest must be the ones the MMU model is configured with, and the
// context-switch and range-flush results must show what the architecture
// implies. Tolerance of a plateau: 5% of the expected value + 0.1 cycles (the
// measured loops include a few stack and counter accesses, and the page count
// at a plateau's edge is avoided).
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "experiment_catalogue.h"
#include "experiments_command.h"

using namespace tlmmu;
using namespace tlmmu::experiments;

namespace {

constexpr unsigned BUDDY_MAX_ORDER_FOR_TEST = 10;  // firmware/kernel/buddy.h

struct Run {
    platform::PlatformOptions options;
    platform::RunResult run;
    Results results;
};

Run execute(const std::vector<std::string>& mmu_settings, const std::map<std::string, std::string>& platform_settings,
            const std::vector<std::string>& only = {}) {
    Run r;
    r.options.backend = platform::Backend::direct;
    r.options.cache.enabled = false;  // the plateaus are counted in memory.latency
    for (const std::string& s : mmu_settings) {
        const auto eq = s.find('=');
        apply_setting(r.options.mmu, s.substr(0, eq), s.substr(eq + 1));
    }
    for (const auto& [key, value] : platform_settings) r.options.set(key, value);
    std::vector<std::string> chosen = only;
    if (chosen.empty())  // the single-CPU suite; the shootdown experiment has tests of its own
        for (const std::string& name : chosen_experiments({}))
            if (name != kShootdowns) chosen.push_back(name);
    r.options.guest_params = guest_parameters(GuestParams{}, chosen);
    const SuiteRun s = run_suite(TLMMU_FIRMWARE_ELF, r.options);
    r.run = s.run;
    INFO(s.run.message << "\n" << s.uart.substr(s.uart.size() > 2000 ? s.uart.size() - 2000 : 0));
    REQUIRE(s.run.passed());
    r.results = compute_results(parse_records(s.uart));
    return r;
}

// The default platform: run once for all test cases of this process.
const Run& default_run() {
    static const Run r = execute({}, {});
    return r;
}

const WorkingSetPoint& point(const Results& r, const std::string& page, const std::string& layout, unsigned pages,
                             unsigned levels = 4) {
    for (const WorkingSetPoint& p : r.working_set)
        if (p.page == page && p.layout == layout && p.pages == pages && p.levels == levels) return p;
    FAIL("no working-set point " << page << " " << layout << " " << pages << " (" << levels << "-level)");
    throw;
}

// Plateaus the configuration implies: L1 hit; L1 miss + L2 hit; L1 + L2 miss,
// PSC lookup, then `reads` page-table reads of memory.latency each.
struct Plateaus {
    double l1, l2, pde_walk, pml4e_walk, full_walk, full_walk_5level;
};

Plateaus expected(const platform::PlatformOptions& o) {
    const double l1 = o.mmu.l1d.latency, l2 = l1 + o.mmu.l2.latency;
    const double walk = l2 + o.mmu.psc_latency;
    return {l1,
            l2,
            walk + 1.0 * o.memory_latency,
            walk + 3.0 * o.memory_latency,
            walk + 4.0 * o.memory_latency,
            walk + 5.0 * o.memory_latency};
}

void check_plateau(const Results& r, const std::string& page, const std::string& layout, unsigned pages, double want,
                   unsigned levels = 4) {
    const double got = point(r, page, layout, pages, levels).xlat_cycles;
    INFO(levels << "-level " << page << " " << layout << " " << pages << " pages: measured " << got
                << " cycles, configured " << want);
    CHECK(std::abs(got - want) <= 0.05 * want + 0.1);
}

void check_all_plateaus(const Run& run) {
    const Plateaus e = expected(run.options);
    const Results& r = run.results;
    CHECK(r.calibration.l1d_hit_cycles == Approx(run.options.mmu.l1d.latency).margin(0.05));
    CHECK(r.calibration.l1i_hit_cycles == Approx(run.options.mmu.l1i.latency).margin(0.05));
    check_plateau(r, "4k", "dense", 1, e.l1);
    check_plateau(r, "4k", "dense", 32, e.l1);
    check_plateau(r, "4k", "dense", 256, e.l2);
    check_plateau(r, "4k", "dense", 1024, e.l2);
    check_plateau(r, "4k", "dense", 4096, e.pde_walk);
    check_plateau(r, "4k", "dense", 8192, e.pde_walk);
    check_plateau(r, "4k", "per-gib", 1024, e.l2);
    check_plateau(r, "4k", "per-gib", 2048, e.pml4e_walk);
    check_plateau(r, "4k", "scattered", 2048, e.full_walk);
    check_plateau(r, "2m", "dense", 16, e.l1);
    check_plateau(r, "2m", "dense", 256, e.l2);
    check_plateau(r, "2m", "dense", 4096, e.pde_walk);
    check_plateau(r, "1g", "dense", 1, e.l1);
    check_plateau(r, "1g", "dense", 16, e.l2);
    check_plateau(r, "1g", "dense", 64, e.pde_walk);  // one PDPTE read after a PML4E-cache hit
    // 5-level paging (CR4.LA57): the PDE cache still serves dense pages; pages
    // in different PML5 slots walk all five levels.
    check_plateau(r, "4k", "dense", 1024, e.l2, 5);
    check_plateau(r, "4k", "dense", 4096, e.pde_walk, 5);
    check_plateau(r, "4k", "scattered", 2048, e.full_walk_5level, 5);
}

const ContextSwitchPoint& cs(const Results& r, const std::string& mode, bool global) {
    for (const ContextSwitchPoint& p : r.context_switch)
        if (p.mode == mode && p.global_kernel == global) return p;
    FAIL("no context-switch point " << mode << (global ? " global" : " non-global"));
    throw;
}

}  // namespace

TEST_CASE("the firmware runs every experiment to completion on the default platform", "[platform]") {
    const Run& run = default_run();
    CHECK(run.run.exit_code == 0);
    CHECK(run.results.ram_bytes == run.options.ram_bytes);
    CHECK(run.results.working_set.size() == 42);
    CHECK(run.results.context_switch.size() == 6);
    CHECK(run.results.buddy.size() == 11);
    CHECK(run.results.slab.size() == 12);
    // The whole suite stays small enough to run in a few seconds.
    CHECK(run.run.instructions < 200000000u);
}

TEST_CASE("measured translation plateaus match the Skylake-like configuration", "[platform]") {
    check_all_plateaus(default_run());
    // Also what each plateau is made of.
    const Results& r = default_run().results;
    CHECK(point(r, "4k", "dense", 8192).reads_per_walk == Approx(1.0).margin(0.01));
    CHECK(point(r, "4k", "per-gib", 2048).reads_per_walk == Approx(3.0).margin(0.01));
    CHECK(point(r, "4k", "scattered", 2048).reads_per_walk == Approx(4.0).margin(0.01));
    CHECK(point(r, "4k", "scattered", 2048, 5).reads_per_walk == Approx(5.0).margin(0.01));
    CHECK(point(r, "4k", "dense", 256).l2_fraction > 0.99);
}

TEST_CASE("measured plateaus follow a changed configuration", "[platform]") {
    const Run run = execute({"l2.latency=20", "l1d.latency=2"}, {{"memory.latency", "35"}}, {"working_set"});
    const Plateaus e = expected(run.options);
    REQUIRE(e.full_walk == Approx(2 + 20 + 1 + 4 * 35));
    check_all_plateaus(run);
}

TEST_CASE("context-switch refill is ordered: no-flush < PCIDs on <= PCIDs off; global kernel pages help", "[platform]") {
    const Results& r = default_run().results;
    for (bool global : {false, true}) {
        INFO((global ? "global" : "non-global") << " kernel pages");
        const ContextSwitchPoint &off = cs(r, "pcid-off", global), &on = cs(r, "pcid-on", global),
                                 &noflush = cs(r, "pcid-noflush", global);
        CHECK(noflush.walks < on.walks);
        CHECK(on.walks <= off.walks);
        CHECK(noflush.refill_xlat_cycles < on.refill_xlat_cycles);
        CHECK(on.refill_xlat_cycles <= off.refill_xlat_cycles * 1.02);
        // Without the hint every user page of the slice walks again.
        CHECK(off.walks >= off.user_pages);
        CHECK(noflush.walks < 1.0);
    }
    // Global kernel pages survive a CR3 write without PCIDs: fewer walks.
    CHECK(cs(r, "pcid-off", true).walks + cs(r, "pcid-off", true).kernel_pages <= cs(r, "pcid-off", false).walks);
}

TEST_CASE("the INVLPG / full-flush crossover is found and consistent", "[platform]") {
    const Results& r = default_run().results;
    REQUIRE(r.range_flush_crossover > 1);
    REQUIRE(r.range_flush_crossover < 512);
    // INVPCID costs less per page than INVLPG in the default model (100 against 250 cycles).
    CHECK(r.invpcid_crossover > r.range_flush_crossover);
    for (const RangeFlushPoint& p : r.range_flush) CHECK(p.invpcid_cycles < p.invlpg_cycles);
    for (const RangeFlushPoint& p : r.range_flush) {
        INFO(p.pages << " pages");
        if (p.pages < r.range_flush_crossover) CHECK(p.invlpg_cycles <= p.full_cycles);
        else CHECK(p.full_cycles < p.invlpg_cycles);
        CHECK(p.invlpg_walks == p.pages);       // exactly the invalidated pages walk again
        CHECK(p.invpcid_walks == p.pages);
        CHECK(p.full_walks == p.resident);      // every resident page walks again
    }
}

TEST_CASE("the guest allocators behave under the experiments", "[platform]") {
    const Results& r = default_run().results;
    CHECK(r.fault.faults == r.fault.pages);
    CHECK(r.fault.pages_taken >= r.fault.pages);
    CHECK(r.fault.cycles_per_fault > r.fault.handler_cycles_per_fault);
    CHECK(r.fragmentation.consistent);
    CHECK(r.fragmentation.merged_back);
    CHECK(r.fragmentation.orders.size() == 11);
    // A 4 MiB block is never available while blocks are live in the region.
    CHECK(r.fragmentation.orders.back().frag_index >= 0);
    for (const BuddyPoint& b : r.buddy) {
        CHECK(b.alloc_cycles > 0);
        // From a single 4 MiB block: 10 - order splits, as many merges back.
        CHECK(b.cold_splits == BUDDY_MAX_ORDER_FOR_TEST - b.order);
        CHECK(b.cold_merges == b.cold_splits);
    }
    // Cold costs grow with the number of splits.
    CHECK(r.buddy.front().cold_alloc_cycles > r.buddy.back().cold_alloc_cycles);
    for (const SlabPoint& s : r.slab) CHECK(s.alloc_cycles > 0);
}
