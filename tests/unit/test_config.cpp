#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "tlmmu/core/config.h"

using namespace tlmmu;

namespace {
// Each test runs in its own process, in parallel: the pid keeps files apart.
std::string temp_path(const std::string& name) {
    return "/tmp/tlmmu_unit_" + std::to_string(getpid()) + "_" + name;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = temp_path(name);
    std::ofstream(path) << text;
    return path;
}

std::string load_error(const std::string& text) {
    MmuConfig c = MmuConfig::skylake();
    try {
        load_config_file(c, write_temp("bad.cfg", text));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("the default configuration is valid and describes a Skylake-like hierarchy") {
    const MmuConfig c = MmuConfig::skylake();
    REQUIRE_NOTHROW(validate(c));
    CHECK(c.l1d.arrays[0].entries() == 64);
    CHECK(c.l2.arrays[0].entries() == 1536);
}

TEST_CASE("a configuration file round-trips through dump_config") {
    MmuConfig c = MmuConfig::skylake();
    apply_setting(c, "l2.arrays", "4k+2m:64x8:random 1g:2x2:plru");
    apply_setting(c, "psc.pd", "none");
    apply_setting(c, "cost.invlpg", "123");
    MmuConfig back = MmuConfig::skylake();
    load_config_file(back, write_temp("roundtrip.cfg", dump_config(c)));
    CHECK(dump_config(back) == dump_config(c));
    CHECK(back.psc[2].ways == 0);
    CHECK(back.costs.invlpg == 123);
}

TEST_CASE("invalid geometry is refused with the reason") {
    CHECK_THAT(load_error("l1d.arrays = 4k:12x4\n"), Catch::Contains("power of two"));
    CHECK_THAT(load_error("l1d.arrays = 4k:16x0\n"), Catch::Contains("ways must be at least 1"));
    CHECK_THAT(load_error("l2.arrays = 4k+2m:128x12:plru\n"), Catch::Contains("pseudo-LRU needs a power-of-two"));
    CHECK_THAT(load_error("l1d.arrays = 4k:16x4 4k+2m:8x4\n"), Catch::Contains("held by two arrays"));
    CHECK_THAT(load_error("psc.pd = 3x4\n"), Catch::Contains("psc.pd"));
    CHECK_THAT(load_error("maxphyaddr = 60\n"), Catch::Contains("between 32 and 52"));
}

TEST_CASE("oversized structures are refused with the limit and the structure named") {
    CHECK_THAT(load_error("l1d.arrays = 4k:4194304x64:lru\n"), Catch::Contains("l1d.arrays[0]: at most 65536 sets"));
    CHECK_THAT(load_error("l2.arrays = 4k:65536x8:lru\n"), Catch::Contains("l2.arrays[0]: at most 262144 entries"));
    CHECK_THAT(load_error("psc.pd = 1073741824x4\n"), Catch::Contains("psc.pd: at most 65536 sets"));
}

TEST_CASE("syntax errors name the file and line") {
    CHECK_THAT(load_error("# comment\n\nl1d.latency = 1\nl1d.policy = lru\n"),
               Catch::Contains("bad.cfg:4:") && Catch::Contains("unknown setting 'l1d.policy'"));
    CHECK_THAT(load_error("l1d.arrays = 4k:16x4:mru\n"), Catch::Contains(":1:") && Catch::Contains("unknown replacement policy 'mru'"));
    CHECK_THAT(load_error("l1d.latency = fast\n"), Catch::Contains(":1:") && Catch::Contains("expected a number"));
    CHECK_THAT(load_error("just words\n"), Catch::Contains(":1:") && Catch::Contains("expected 'key = value'"));
    MmuConfig c;
    CHECK_THROWS_WITH(load_config_file(c, "/nonexistent/x.cfg"), Catch::Contains("/nonexistent/x.cfg"));
}

TEST_CASE("random garbage in a configuration file is rejected with a location, never a crash") {
    const std::string alphabet = "l1d2i.arrays=latency:x+4k2m1g psc.pd none lru plru random 0x#\t-99999999999999999999";
    uint64_t state = 7;
    auto next = [&] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return unsigned(state >> 33);
    };
    for (int file = 0; file < 300; ++file) {
        std::string text;
        const unsigned lines = 1 + next() % 4;
        for (unsigned l = 0; l < lines; ++l) {
            const unsigned len = next() % 40;
            for (unsigned c = 0; c < len; ++c) text += alphabet[next() % alphabet.size()];
            text += '\n';
        }
        MmuConfig c = MmuConfig::skylake();
        try {
            load_config_file(c, write_temp("fuzz.cfg", text));
            validate(c);  // whatever was accepted must be a valid configuration
        } catch (const ConfigError& e) {
            INFO(text);
            CHECK_THAT(e.what(), Catch::StartsWith(temp_path("fuzz.cfg") + ":"));
        }
    }
}
