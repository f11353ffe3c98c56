// `tlmmu trace` as a user runs it: outputs, exit codes and error messages.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "native_traces.h"
#include "trace_command.h"

using namespace replay_test;
using tlmmu::trace_command::run_trace_command;

namespace {

struct Run {
    int status = 0;
    std::string out, err;
};

// Runs the command with stdout and stderr captured.
Run run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    Run r;
    r.status = run_trace_command(args);
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Fields of one CSV line (RFC 4180 quoting).
size_t csv_fields(const std::string& line) {
    size_t fields = 1;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) ++fields;
    }
    return fields;
}

const std::string kSynth = "synth:sequential,pages=64,passes=2,fetch=1";

}  // namespace

TEST_CASE("the summary table, JSON and CSV of a run") {
    const std::string json = temp_path("run.json"), csv = temp_path("run.csv");
    std::filesystem::remove(json);
    std::filesystem::remove(csv);
    const Run r = run({"--os", "memory=256m", "--set", "l1d.latency=2", "--json", json, "--csv", csv, kSynth});
    REQUIRE(r.status == 0);
    for (const char* row : {"l1i", "l1d", "l2", "MPKI", "walks", "walk references", "page faults", "flushes",
                            "latency", "paging-structure caches"})
        CHECK(r.out.find(row) != std::string::npos);
    const nlohmann::json j = nlohmann::json::parse(read_file(json));
    CHECK(j["tlmmu_trace"] == 1);
    CHECK(j["traces"][0] == kSynth);
    CHECK(j["accesses"] == 256);
    CHECK(j["instructions"] == 128);
    CHECK(j["mmu_config"]["l1d.latency"] == "2");
    CHECK(j["os"]["memory"] == std::to_string(256 << 20));
    CHECK(j["mpki"]["walks"].get<double>() > 0);
    CHECK(j["stats"]["latency_cycles"]["histogram"].size() > 1);
    CHECK(j["walk_references"]["reads"]["pt"].get<uint64_t>() > 0);
    CHECK(j["os_stats"]["demand_faults"] == 65);  // 64 data pages and the code page
    const std::string table = read_file(csv);
    const auto newline = table.find('\n');
    REQUIRE(newline != std::string::npos);
    const std::string header = table.substr(0, newline), row = table.substr(newline + 1);
    CHECK(csv_fields(header) == csv_fields(row));
    CHECK(row.find("\"" + kSynth + "\"") != std::string::npos);  // quoted: the spec holds commas
    CHECK(header.find("mpki.l2_misses") != std::string::npos);
    CHECK(header.find("os_stats.demand_faults") != std::string::npos);
}

TEST_CASE("the quiet option prints nothing on success") {
    const Run r = run({"--quiet", "--os", "memory=256m", kSynth});
    CHECK(r.status == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
}

TEST_CASE("a missing trace exits 1 naming the file and writes no output, leaving what was there") {
    const std::string json = temp_path("missing.json");
    std::ofstream(json) << "{\"older\": true}";
    const Run r = run({"--json", json, temp_path("no-such-trace.out")});
    CHECK(r.status == 1);
    CHECK(r.err.find("no-such-trace.out") != std::string::npos);
    std::ifstream in(json);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "{\"older\": true}");  // not the command's to delete
}

TEST_CASE("a corrupt trace exits 1 naming the file and the position") {
    const std::string path = temp_path("corrupt.lackey");
    std::ofstream(path) << "I  04000000,4\n L 10000000,8\n L zzzz,8\n";
    const Run r = run({"--format", "lackey", "--os", "memory=256m", path});
    CHECK(r.status == 1);
    CHECK(r.err.find("corrupt.lackey:3") != std::string::npos);
}

TEST_CASE("configuration errors exit 1 naming the key") {
    Run r = run({"--os", "pcid=sometimes", kSynth});
    CHECK(r.status == 1);
    CHECK(r.err.find("pcid") != std::string::npos);
    r = run({"--set", "l9.latency=3", kSynth});
    CHECK(r.status == 1);
    CHECK(r.err.find("l9.latency") != std::string::npos);
    r = run({"--os", "memory=32m", "synth:sequential,pages=20000"});  // more pages than memory
    CHECK(r.status == 1);
    CHECK(r.err.find("memory") != std::string::npos);
    r = run({"synth:sequential,pagez=3"});
    CHECK(r.status == 1);
    CHECK(r.err.find("pagez") != std::string::npos);
}

TEST_CASE("the data caches are on by default, reported, and switched off with --set cache.enabled=off") {
    const std::string json = temp_path("caches.json");
    Run r = run({"--os", "memory=256m", "--json", json, kSynth});
    REQUIRE(r.status == 0);
    CHECK(r.out.find("where walk references hit") != std::string::npos);
    nlohmann::json j = nlohmann::json::parse(read_file(json));
    CHECK(j["cache"]["enabled"] == true);
    CHECK(j["cache"]["config"]["l1d.sets"] == "64");
    CHECK(j["cache"]["walk_served_by"]["pt"]["memory"].get<uint64_t>() > 0);
    uint64_t loads = 0;
    for (const auto& level : j["cache"]["data_served_by"]["load"]) loads += level.get<uint64_t>();
    CHECK(loads == j["loads"].get<uint64_t>());
    CHECK(j["stats"]["walk_latency_cycles"]["count"] == j["stats"]["walks"]["count"]);

    r = run({"--os", "memory=256m", "--set", "cache.enabled=off", "--set", "cache.l2.ways=2", "--json", json, kSynth});
    REQUIRE(r.status == 0);
    CHECK(r.out.find("where walk references hit") == std::string::npos);
    CHECK(r.out.find("data caches off") != std::string::npos);
    j = nlohmann::json::parse(read_file(json));
    CHECK(j["cache"]["enabled"] == false);
    CHECK(j["cache"]["config"]["l2.ways"] == "2");

    r = run({"--set", "cache.l1d.sets=48", kSynth});
    CHECK(r.status == 1);
    CHECK(r.err.find("cache.l1d.sets") != std::string::npos);
    r = run({"--set", "cache.inclusive=on", "--set", "cache.l1d.sets=8192", kSynth});  // L1D above a smaller L2
    CHECK(r.status == 1);
    CHECK(r.err.find("cache.l1d.sets: an inclusive hierarchy") != std::string::npos);
}

TEST_CASE("usage errors exit 2") {
    CHECK(run({}).status == 2);
    CHECK(run({"--frobnicate", kSynth}).status == 2);
    CHECK(run({"--limit"}).status == 2);
    const Run r = run({"--format", "bogus", kSynth});
    CHECK(r.status == 2);
    CHECK(r.err.find("bogus") != std::string::npos);
    CHECK(run({"--help"}).status == 0);
}

TEST_CASE("the interleave option takes auto, schedule or quantum, and the JSON records it") {
    const Run bad = run({"--interleave", "sometimes", kSynth});
    CHECK(bad.status == 2);
    CHECK(bad.err.find("sometimes") != std::string::npos);
    const std::string json_path = temp_path("interleave.json");
    REQUIRE(run({"--quiet", "--interleave", "quantum", "--json", json_path, kSynth}).status == 0);
    const nlohmann::json j = nlohmann::json::parse(read_file(json_path));
    CHECK(j["interleave"] == "quantum");
    CHECK(j["unfetched_instructions"] == 0);
    // A directory without a schedule file cannot be interleaved by one.
    const std::string dir = temp_path("no-schedule");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/t.zip") << "x";  // a thread file; the schedule is looked for first
    const Run missing = run({"--quiet", "--interleave", "schedule", dir});
    CHECK(missing.status == 1);
    CHECK(missing.err.find("needs a schedule file") != std::string::npos);
}
