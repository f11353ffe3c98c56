// The one number rule and the shared text helpers (docs/configuration.md, "Values").
#include <catch2/catch.hpp>

#include "tlmmu/settings/parse.h"

using namespace tlmmu;
using namespace tlmmu::settings;

namespace {
uint64_t number(const std::string& text) {
    uint64_t v = 0;
    REQUIRE(parse_unsigned(text, v));
    return v;
}
bool is_number(const std::string& text) {
    uint64_t v = 0;
    return parse_unsigned(text, v);
}
}  // namespace

TEST_CASE("numbers: decimal, hex and binary-multiple suffixes, one rule") {
    CHECK(number("0") == 0);
    CHECK(number("4096") == 4096);
    CHECK(number("010") == 10);  // leading zeros stay decimal
    CHECK(number("0x1000") == 4096);
    CHECK(number("0XfF") == 255);
    CHECK(number("4k") == 4096);
    CHECK(number("4K") == 4096);
    CHECK(number("4KiB") == 4096);
    CHECK(number("256m") == 256ull << 20);
    CHECK(number("256MiB") == 256ull << 20);
    CHECK(number("1g") == 1ull << 30);
    CHECK(number("1GiB") == 1ull << 30);
    CHECK(number("2t") == 2ull << 40);
    CHECK(number("18446744073709551615") == ~0ull);
}

TEST_CASE("numbers: what is refused") {
    for (const char* bad : {"", "-1", "+1", "1.5", "abc", "0x", "0x10k", "12x", "4kb", "4 k", "1e3",
                            "18446744073709551616", "16777216t", "0x10000000000000000"})
        CHECK_FALSE(is_number(bad));
    CHECK_THROWS_WITH(unsigned_value("os.quantum", "abc"),
                      Catch::Contains("os.quantum") && Catch::Contains("'abc' is not a number"));
}

TEST_CASE("switches, reals, trim and KEY=VALUE") {
    CHECK(switch_value("k", "On"));
    CHECK(switch_value("k", "yes"));
    CHECK_FALSE(switch_value("k", "0"));
    CHECK_THROWS_AS(switch_value("k", "maybe"), ConfigError);
    CHECK(real_value("k", "2.5") == 2.5);
    CHECK_THROWS_AS(real_value("k", "-1"), ConfigError);
    CHECK_THROWS_AS(real_value("k", "2GHz"), ConfigError);
    CHECK(trim(" \t a b \r\n") == "a b");
    std::string key, value;
    CHECK(split_assignment(" l1d.arrays = 4k:16x4 2m:8x4 ", key, value));
    CHECK(key == "l1d.arrays");
    CHECK(value == "4k:16x4 2m:8x4");
    CHECK_FALSE(split_assignment("novalue", key, value));
    CHECK_FALSE(split_assignment("=3", key, value));
}

TEST_CASE("the nearest key for a typo, none for nonsense") {
    const std::vector<std::string> keys = {"l1d.latency", "l1i.latency", "os.quantum", "memory.latency"};
    CHECK(nearest("l1d.latncy", keys) == "l1d.latency");
    CHECK(nearest("os.quantun", keys) == "os.quantum");
    CHECK(nearest("memory.latecy", keys) == "memory.latency");
    CHECK(nearest("colour", keys).empty());
}

TEST_CASE("quoted: input in messages is escaped and cut, never raw") {
    CHECK(quoted("l1d.arrays") == "'l1d.arrays'");
    CHECK(quoted(std::string("a\x01\x1b[31m\xff", 8)) == "'a\\x01\\x1b[31m\\xff'");
    CHECK(quoted(std::string(1, '\0')) == "'\\x00'");
    CHECK(quoted(std::string(100, 'x')) == "'" + std::string(60, 'x') + "'...");
    CHECK(quoted("abcdef", 3) == "'abc'...");
    CHECK(quoted("") == "''");
}
