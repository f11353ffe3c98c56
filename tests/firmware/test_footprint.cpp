// The working set's data-footprint axis: walk latency climbs as the data read
// between translations evicts the page-table lines, level by level, and stays
// flat with the caches off.
#include <cmath>

#include "kernel_run.h"
#include "tlmmu/cache/cache.h"
#include "tlmmu/core/config.h"

using namespace tlmmu;
using namespace tlmmu::experiments;
using namespace tlmmu::experiments::test;

namespace {

const KernelRun& footprint_run(bool caches) {
    static const KernelRun on = run_kernel({"footprint"}, {}, {{"cache.enabled", "on"}});
    static const KernelRun off = run_kernel({"footprint"}, {}, {{"cache.enabled", "off"}});
    return caches ? on : off;
}

double walk_cycles(const Table& t, const std::string& page, double bytes, const std::string& column = "walk_cycles") {
    for (size_t i = 0; i < t.rows.size(); ++i)
        if (t.words[i][t.column("page")] == page && t.rows[i][t.column("footprint_bytes")] == bytes)
            return t.rows[i][t.column(column)];
    FAIL("no " << page << " row for " << bytes << " bytes");
    return 0;
}

}  // namespace

TEST_CASE("footprint: every load walks one entry; walk latency climbs with the footprint, in the caches' steps", "[kernel]") {
    const Table* t = footprint_run(true).results.table("footprint");
    REQUIRE(t);
    REQUIRE(t->rows.size() == 14);  // 0, 16K ... 16M for 4K and 2M pages
    const MmuConfig m = MmuConfig::skylake();
    const cache::CacheConfig c;
    const double lookups = m.l1d.latency + m.l2.latency + m.psc_latency;
    // Eight entries share a line: the first walk to a line in a pass pays
    // where the line comes from, the other seven an L1D hit.
    auto expected = [&](double first_read) {
        return lookups + c.levels[0].latency + (first_read - c.levels[0].latency) / 8;
    };
    for (const char* page : {"4k", "2m"}) {
        INFO(page << " pages");
        for (size_t i = 0; i < t->rows.size(); ++i) {
            if (t->words[i][t->column("page")] != page) continue;
            CHECK(t->rows[i][t->column("walks_per_load")] > 0.99);
            CHECK(t->rows[i][t->column("reads_per_walk")] == Approx(1.0).margin(0.01));
        }
        CHECK(walk_cycles(*t, page, 0) == Approx(lookups + c.levels[0].latency).margin(0.2));  // all in L1D
        CHECK(walk_cycles(*t, page, 1 << 20) == Approx(expected(c.levels[2].latency)).margin(0.5));  // first from the LLC
        CHECK(walk_cycles(*t, page, 16 << 20) ==
              Approx(expected(c.levels[2].latency + c.dram_latency)).margin(1.0));  // first from DRAM
        double previous = 0;
        for (double bytes : {0.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0}) {
            const double w = walk_cycles(*t, page, bytes);
            CHECK(w >= previous - 0.2);
            previous = w;
        }
    }
}

TEST_CASE("footprint: with the caches off every walk costs memory.latency, whatever the footprint", "[kernel]") {
    const Table* t = footprint_run(false).results.table("footprint");
    REQUIRE(t);
    const MmuConfig m = MmuConfig::skylake();
    const double flat = m.l1d.latency + m.l2.latency + m.psc_latency + 20;  // memory.latency 20
    for (size_t i = 0; i < t->rows.size(); ++i) CHECK(t->rows[i][t->column("walk_cycles")] == Approx(flat).margin(0.2));
}

TEST_CASE("footprint: the comparison run becomes a caches-off column beside the caches-on one", "[kernel]") {
    Results main = footprint_run(true).results;
    footprint_with_and_without(main, true, footprint_run(false).results);
    const Table* t = main.table("footprint");
    REQUIRE(t);
    CHECK_THROWS_AS(t->column("walk_cycles"), std::out_of_range);
    const double cached_small = walk_cycles(*t, "4k", 0, "walk_cycles_caches_on");
    const double flat_small = walk_cycles(*t, "4k", 0, "walk_cycles_caches_off");
    const double cached_large = walk_cycles(*t, "4k", 16 << 20, "walk_cycles_caches_on");
    const double flat_large = walk_cycles(*t, "4k", 16 << 20, "walk_cycles_caches_off");
    CHECK(cached_small < flat_small);  // the flat latency is too high while the lines are cached
    CHECK(cached_large > flat_large);  // and too low once they come from DRAM
    CHECK(footprint_script(main).find("caches off") != std::string::npos);
}
