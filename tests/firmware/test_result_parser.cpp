// The host's reading of the firmware's result lines (tools/experiments).
#include <catch2/catch.hpp>

#include "results.h"

using namespace tlmmu::experiments;

TEST_CASE("result lines are parsed into records; human text is skipped", "[parser]") {
    const auto records = parse_records(
        "tlmmu firmware: booting\n"
        "@info ram_bytes=536870912 free_pages=10\n"
        "@exp ws page=4k layout=dense pages=64 accesses=256\r\n"
        "@done status=ok cycles=5 instret=3\n");
    REQUIRE(records.size() == 3);
    CHECK(records[0].kind == "info");
    CHECK(records[0].number("ram_bytes") == 536870912u);
    CHECK(records[1].kind == "ws");
    CHECK(records[1].word("layout") == "dense");
    CHECK(records[1].number("accesses") == 256);
    CHECK(records[1].line == 3);
    CHECK(records[2].kind == "done");
}

TEST_CASE("malformed result lines are refused with their line number", "[parser]") {
    CHECK_THROWS_WITH(parse_records("text\n@exp ws pages\n"), Catch::Contains("line 2") && Catch::Contains("key=value"));
    CHECK_THROWS_WITH(parse_records("@exp\n"), Catch::Contains("line 1"));
    CHECK_THROWS_WITH(parse_records("@bogus a=1\n"), Catch::Contains("unknown machine line"));
    const auto records = parse_records("@exp ws pages=12x\n");
    CHECK_THROWS_WITH(records[0].number("pages"), Catch::Contains("line 1") && Catch::Contains("not an unsigned"));
    CHECK_THROWS_WITH(records[0].number("accesses"), Catch::Contains("missing 'accesses'"));
}

TEST_CASE("an incomplete or failed guest run is refused", "[parser]") {
    const std::string calib =
        "@exp calib_fetch accesses=0 cycles=700 instret=400 l1i_hits=100 l1i_misses=0 l1d_hits=0 l1d_misses=0"
        " l2_hits=0 l2_misses=0 walks=0 walk_refs=0 psc_hits=0 page_faults=0 flushes=0 dropped=0 xlat_cycles=100\n"
        "@exp calib accesses=100 cycles=900 instret=500 l1i_hits=100 l1i_misses=0 l1d_hits=100 l1d_misses=0"
        " l2_hits=0 l2_misses=0 walks=0 walk_refs=0 psc_hits=0 page_faults=0 flushes=0 dropped=0 xlat_cycles=200\n";
    CHECK_THROWS_WITH(compute_results(parse_records("@exp ws page=4k layout=dense pages=1 accesses=1\n")),
                      Catch::Contains("no calibration lines"));
    CHECK_THROWS_WITH(compute_results(parse_records("")), Catch::Contains("did not finish"));
    CHECK_THROWS_WITH(compute_results(parse_records(calib)), Catch::Contains("did not finish"));
    CHECK_THROWS_WITH(compute_results(parse_records(calib + "@done status=panic cycles=1 instret=1\n")),
                      Catch::Contains("status panic"));
    const Results r = compute_results(parse_records(calib + "@done status=ok cycles=1 instret=1\n"));
    CHECK(r.calibration.l1i_hit_cycles == Approx(1.0));
    CHECK(r.calibration.l1d_hit_cycles == Approx(1.0));
    CHECK(r.calibration.cycles_per_access == Approx(9.0));
}
