// The demo's plateaus must follow from the configured latencies, not from
// numbers written into the demo.
#include <catch2/catch.hpp>

#include "core_measurements.h"

using namespace tlmmu;
using namespace tlmmu::demo;

namespace {
const WorkingSetPoint& point(const Results& r, PageSize size, Layout layout, unsigned pages) {
    for (const WorkingSetPoint& p : r.working_set)
        if (p.page_size == size && p.layout == layout && p.pages == pages) return p;
    FAIL("no working-set point " << pages);
    throw;
}
}  // namespace

TEST_CASE("working-set plateaus equal the configured latencies") {
    MmuConfig c = MmuConfig::skylake();
    apply_setting(c, "l1d.latency", "2");
    apply_setting(c, "l2.latency", "13");
    apply_setting(c, "psc.latency", "3");
    const unsigned mem = 37;
    const Results r = run_all(c, mem, true);
    const double l1 = 2, l2 = l1 + 13, walk = l2 + 3;
    const double tolerance = 0.01;  // 1%: the first page of each new PD region walks deeper

    CHECK(point(r, PageSize::k4, Layout::dense, 1).mean_cycles == Approx(l1).epsilon(tolerance));
    CHECK(point(r, PageSize::k4, Layout::dense, 64).l1_fraction == 1.0);
    CHECK(point(r, PageSize::k4, Layout::dense, 1024).mean_cycles == Approx(l2).epsilon(tolerance));
    CHECK(point(r, PageSize::k4, Layout::dense, 8192).mean_cycles == Approx(walk + mem).epsilon(tolerance));
    CHECK(point(r, PageSize::k4, Layout::per_gib, 2048).mean_cycles == Approx(walk + 3 * mem).epsilon(tolerance));
    CHECK(point(r, PageSize::k4, Layout::scattered, 2048).mean_cycles == Approx(walk + 4 * mem).epsilon(tolerance));
    CHECK(point(r, PageSize::k4, Layout::scattered, 2048).reads_per_walk == Approx(4.0));
    CHECK(point(r, PageSize::m2, Layout::dense, 32).mean_cycles == Approx(l1));
    CHECK(point(r, PageSize::m2, Layout::dense, 2048).walk_fraction == 1.0);
    CHECK(point(r, PageSize::g1, Layout::dense, 1).mean_cycles == Approx(l1));
}

TEST_CASE("context switches: the no-flush hint keeps the TLB, global kernel pages survive a flush") {
    const Results r = run_all(MmuConfig::skylake(), 20, true);
    for (const ContextSwitchPoint& p : r.context_switch) {
        INFO(p.mode << (p.global_kernel ? " global" : " non-global"));
        if (p.mode == "pcid-noflush") CHECK(p.walks_per_switch == 0.0);
        else if (p.global_kernel) CHECK(p.walks_per_switch == 64.0);  // user pages only
        else CHECK(p.walks_per_switch == 80.0);                        // user + kernel pages
        CHECK(p.switch_cycles == MmuConfig::skylake().costs.mov_cr3);
    }
}

TEST_CASE("range flush: one INVLPG is cheaper than a full flush, 512 are not") {
    const Results r = run_all(MmuConfig::skylake(), 20, true);
    REQUIRE(r.range_flush.front().pages == 1);
    CHECK(r.range_flush.front().invlpg_cycles < r.range_flush.front().full_flush_cycles);
    CHECK(r.range_flush.back().invlpg_cycles > r.range_flush.back().full_flush_cycles);
    CHECK(r.range_flush_crossover > 1);
}
