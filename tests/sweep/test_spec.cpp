// Sweep specs as data: parsing, the order of the cross product, job ids.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <set>

#include "sweep_results.h"
#include "sweep_spec.h"

using namespace tlmmu::sweep;

namespace {

const char* const kSpec = R"({
  "traces": ["synth:sequential,pages=8", ["a.trace", "/abs/b.trace"]],
  "base": {"set": {"l1d.latency": 2}, "os": {"quantum": 1000}, "limit": 50},
  "axes": [
    {"set": "l2.arrays", "name": "l2", "values": ["4k+2m:64x12:lru", "4k+2m:128x12:lru"]},
    {"os": "pcid", "values": ["off", "on", "noflush"]}
  ]
})";

std::string error_of(const std::string& text) {
    try {
        parse_spec(text, "dir/spec.json");
    } catch (const SpecError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("the cross product runs traces outermost and the last axis fastest") {
    const SweepSpec spec = parse_spec(kSpec, "/work/sweeps/spec.json");
    const auto jobs = expand_jobs(spec);
    REQUIRE(jobs.size() == 2 * 2 * 3);
    const char* pcids[] = {"off", "on", "noflush"};
    for (size_t i = 0; i < jobs.size(); ++i) {
        CHECK(jobs[i].index == i);
        CHECK(jobs[i].parameters[0].second == (i < 6 ? "synth:sequential,pages=8" : "a.trace + /abs/b.trace"));
        CHECK(jobs[i].parameters[1].second == (i % 6 < 3 ? "4k+2m:64x12:lru" : "4k+2m:128x12:lru"));
        CHECK(jobs[i].parameters[2] == std::make_pair(std::string("os.pcid"), std::string(pcids[i % 3])));
    }
    // The command line: base options, axis options, then the traces (relative paths
    // resolved against the spec's directory).
    CHECK(jobs[7].arguments == std::vector<std::string>{"trace", "--quiet", "--limit", "50", "--set", "l1d.latency=2",
                                                        "--os", "quantum=1000", "--set", "l2.arrays=4k+2m:64x12:lru",
                                                        "--os", "pcid=on"});
    CHECK(jobs[7].traces == std::vector<std::string>{"/work/sweeps/a.trace", "/abs/b.trace"});
}

TEST_CASE("job ids are unique, readable and depend only on what the job computes") {
    const auto jobs = expand_jobs(parse_spec(kSpec, "/work/sweeps/spec.json"));
    std::set<std::string> ids;
    for (const Job& j : jobs) ids.insert(j.id);
    CHECK(ids.size() == jobs.size());
    CHECK(jobs[0].id.rfind("sequential-", 0) == 0);
    CHECK(jobs[6].id.rfind("a_trace-", 0) == 0);
    // Another location of the spec, an extra axis value: the existing jobs keep their ids.
    std::string more = kSpec;
    more.replace(more.find("\"noflush\""), 9, "\"noflush\", \"bogus\"");
    const auto moved = expand_jobs(parse_spec(more, "/elsewhere/spec.json"));
    REQUIRE(moved.size() == 16);
    CHECK(moved[0].id == jobs[0].id);
    CHECK(moved[4].id == jobs[3].id);
    // A different base setting changes every id.
    std::string other = kSpec;
    other.replace(other.find("\"quantum\": 1000"), 15, "\"quantum\": 2000");
    CHECK(expand_jobs(parse_spec(other, "/work/sweeps/spec.json"))[0].id != jobs[0].id);
}

TEST_CASE("a spec without axes is one job per trace") {
    const auto jobs = expand_jobs(parse_spec(R"({"traces": ["x", "y"]})", "s.json"));
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[1].arguments == std::vector<std::string>{"trace", "--quiet"});
}

TEST_CASE("spec errors name the file and the key") {
    CHECK(error_of(R"({"traces": ["x"], "axes": [{"set": "k", "values": ["a", "a"]}]})") ==
          "dir/spec.json: key 'axes[0].values': value 'a' is listed twice");
    CHECK(error_of(R"({"traces": ["x"], "axes": [{"os": "pcid", "values": [1]}, {"os": "pcid", "values": [2]}]})") ==
          "dir/spec.json: key 'axes[1]': column name 'os.pcid' is used twice (give the axis a \"name\")");
    CHECK(error_of(R"({"traces": ["x"], "base": {"colour": 1}})") ==
          "dir/spec.json: key 'base.colour': unknown key (known: set, os, format, config, limit)");
    CHECK(error_of(R"({"traces": [["x", 3]]})") ==
          "dir/spec.json: key 'traces[0]': a trace group lists strings (paths or synth: specs)");
    CHECK(error_of("[1, 2]") == "dir/spec.json: the spec must be a JSON object");
    CHECK_THAT(error_of("{\n\"traces\": [\"x\",]\n}"), Catch::StartsWith("dir/spec.json: parse error at line 2"));
}

TEST_CASE("TLB array values give the entries column") {
    CHECK(array_entries("4k+2m:128x12:lru 1g:4x4:lru") == 1552);
    CHECK(array_entries("4k:16x4") == 64);
    CHECK(array_entries("none") == 0);
    CHECK(array_entries("noflush") == -1);
    CHECK(array_entries("4k:16y4") == -1);
    CHECK(array_entries("") == -1);
}

TEST_CASE("a data-cache axis runs each trace with the caches on and off") {
    const SweepSpec spec = parse_spec(R"({"traces": ["synth:random,pages=64,accesses=100"],
        "axes": [{"set": "cache.enabled", "name": "cache", "values": ["on", "off"]}]})",
                                      "spec.json");
    CHECK_NOTHROW(check_values_and_traces(spec));
    const auto jobs = expand_jobs(spec);
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[1].parameters[1] == std::make_pair(std::string("cache"), std::string("off")));
    CHECK(jobs[1].arguments.back() == "cache.enabled=off");

    const SweepSpec bad = parse_spec(R"({"traces": ["synth:random,pages=64,accesses=100"],
        "axes": [{"set": "cache.l1d.sets", "values": [64, 48]}]})",
                                     "spec.json");
    try {
        check_values_and_traces(bad);
        FAIL("a cache geometry that is not a power of two was accepted");
    } catch (const SpecError& e) {
        CHECK(std::string(e.what()).find("axes.cache.l1d.sets: cache.l1d.sets: '48' is not a power of two") !=
              std::string::npos);
    }
}
