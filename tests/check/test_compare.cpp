// The comparison engine of `tlmmu check`: paths and patterns, tolerance
// files, and which metric moves fail.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <sstream>

#include "compare.h"

using namespace tlmmu::check;
using nlohmann::json;

namespace {

Tolerances tolerances(const std::string& text) {
    std::istringstream in(text);
    return parse_tolerances(in, "t.tol");
}

const Row& row(const Comparison& c, const std::string& path) {
    for (const Row& r : c.rows)
        if (r.path == path) return r;
    FAIL("no row " << path);
    return c.rows.front();
}

const json kGolden = json::parse(R"({"l1d": {"hits": 1000, "misses": 10, "latency": {"mean": 2.5}},
                                     "l2": {"hits": 200, "misses": 0}, "name": "skylake",
                                     "files": {"tests/a.scn": {"walks": 4}}, "bins": [3, 4]})");

}  // namespace

TEST_CASE("paths name leaves and bracket keys holding dots") {
    std::vector<std::string> paths;
    for (const Metric& m : flatten(kGolden)) paths.push_back(path_text(m.path));
    CHECK(paths == std::vector<std::string>{"bins.0", "bins.1", "files.[tests/a.scn].walks", "l1d.hits",
                                            "l1d.latency.mean", "l1d.misses", "l2.hits", "l2.misses", "name"});
    CHECK(parse_path("files.[tests/a.scn].walks") == Path{"files", "tests/a.scn", "walks"});
    CHECK_THROWS_AS(parse_path("a..b"), std::invalid_argument);
    CHECK_THROWS_AS(parse_path("a.[b"), std::invalid_argument);
}

TEST_CASE("'*' stays within a segment, '**' spans any number of them") {
    const Path p{"files", "tests/a.scn", "walks"};
    CHECK(matches(parse_path("files.*.walks"), p));
    CHECK(matches(parse_path("**.walks"), p));
    CHECK(matches(parse_path("**"), p));
    CHECK(matches(parse_path("files.**"), p));
    CHECK_FALSE(matches(parse_path("*.walks"), p));
    CHECK(matches(parse_path("l*.hits"), Path{"l1d", "hits"}));
    CHECK_FALSE(matches(parse_path("l*.hits"), Path{"l1d", "misses"}));
}

TEST_CASE("an unchanged run passes and an exact metric that moves fails") {
    const Tolerances t = tolerances("");
    CHECK(compare(kGolden, kGolden, t).failed() == 0);
    json run = kGolden;
    run["l1d"]["misses"] = 11;
    const Comparison c = compare(kGolden, run, t);
    CHECK(c.failed() == 1);
    CHECK(row(c, "l1d.misses").status == Row::Status::regressed);
    CHECK(row(c, "l1d.misses").change == "+1 (+10%)");
}

TEST_CASE("relative and absolute tolerances: just inside passes and just outside fails") {
    const Tolerances t = tolerances("l1d.hits relative 2%\nl1d.latency.mean absolute 0.25\n**.misses relative 0.1\n");
    json run = kGolden;
    run["l1d"]["hits"] = 1020;
    run["l1d"]["latency"]["mean"] = 2.75;
    run["l1d"]["misses"] = 9;
    Comparison c = compare(kGolden, run, t);
    CHECK(c.failed() == 0);
    CHECK(row(c, "l1d.hits").status == Row::Status::within);
    run["l1d"]["hits"] = 1021;
    run["l1d"]["latency"]["mean"] = 2.76;
    run["l2"]["misses"] = 1;  // relative to a golden 0: any change is too much
    c = compare(kGolden, run, t);
    CHECK(row(c, "l1d.hits").status == Row::Status::regressed);
    CHECK(row(c, "l1d.latency.mean").status == Row::Status::regressed);
    CHECK(row(c, "l2.misses").status == Row::Status::regressed);
    CHECK(c.failed() == 3);
}

TEST_CASE("the first matching rule decides, ignore skips and a default applies to the rest") {
    const Tolerances t = tolerances("default relative 50%\nl2.hits exact\nl*.hits ignore\nname ignore\n");
    json run = kGolden;
    run["l2"]["hits"] = 201;
    run["l1d"]["hits"] = 5;
    run["l1d"]["misses"] = 14;
    run["name"] = "zen";
    const Comparison c = compare(kGolden, run, t);
    CHECK(row(c, "l2.hits").status == Row::Status::regressed);
    CHECK(row(c, "l1d.hits").status == Row::Status::ignored);
    CHECK(row(c, "l1d.misses").status == Row::Status::within);
    CHECK(row(c, "name").status == Row::Status::ignored);
    CHECK(c.failed() == 1);
}

TEST_CASE("metrics that vanish or appear fail and strings compare exactly") {
    json run = kGolden;
    run["l1d"].erase("misses");
    run["l1d"]["fills"] = 3;
    run["name"] = "zen";
    const Comparison c = compare(kGolden, run, tolerances("default relative 100%\n"));
    CHECK(row(c, "l1d.misses").status == Row::Status::missing_in_run);
    CHECK(row(c, "l1d.fills").status == Row::Status::not_in_golden);
    CHECK(row(c, "name").status == Row::Status::regressed);
    CHECK(c.failed() == 3);
    const std::string text = table(c, false);
    CHECK(text.find("l1d.misses") != std::string::npos);
    CHECK(text.find("MISSING") != std::string::npos);
    CHECK(markdown(c, "g.json", "r.json").find("**NEW**") != std::string::npos);
}

TEST_CASE("malformed tolerance files are refused naming the line") {
    auto error = [](const std::string& text) {
        try {
            tolerances(text);
        } catch (const CheckError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(error("# comment\nl1d.hits\n") == "t.tol:2: expected 'PATTERN exact|absolute N|relative N%|ignore', got 'l1d.hits'");
    CHECK(error("l1d.hits close\n") == "t.tol:1: unknown tolerance 'close' (exact, absolute N, relative N%, ignore)");
    CHECK(error("l1d.hits relative -3%\n").find("t.tol:1: bad amount '-3%'") == 0);
    CHECK(error("l1d.hits absolute 3%\n") == "t.tol:1: '%' belongs to a relative tolerance");
    CHECK(error("l1d.hits exact 3\n") == "t.tol:1: exact takes no amount, got '3'");
    CHECK(error("default exact\n\ndefault ignore\n") == "t.tol:3: a second 'default' line");
    CHECK(error("l1d..hits exact\n").find("t.tol:1: bad metric pattern") == 0);
}

TEST_CASE("a rule selecting no metric is refused with the nearest metric") {
    const std::vector<Metric> metrics = flatten(kGolden);
    auto error = [&](const std::string& text) {
        try {
            check_rules_select(tolerances(text), metrics);
        } catch (const CheckError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(error("l1d.hits exact\n**.misses exact\nfiles.*.walks exact\n") == "accepted");
    CHECK(error("l1d.hits exact\nl1d.hitz exact\n") == "t.tol:2: no metric 'l1d.hitz' (nearest: l1d.hits)");
    CHECK(error("**.mises relative 1%\n") == "t.tol:1: no metric '**.mises' (nearest: **.misses)");
    CHECK(error("l3.*.hits exact\n").find("t.tol:1: no metric 'l3.*.hits' (nearest: ") == 0);
}
