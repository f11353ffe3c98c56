#include <catch2/catch.hpp>

#include "tlmmu/machine/machine.h"

using namespace tlmmu;
using namespace tlmmu::machine;

TEST_CASE("a CPU count out of range is refused with the key and the reason") {
    SmpConfig c;
    c.cpus = 0;
    CHECK_THROWS_WITH(validate(c), Catch::Contains("smp.cpus = 0") && Catch::Contains("must be 1 to 64"));
    c.cpus = 65;
    CHECK_THROWS_WITH(validate(c), Catch::Contains("smp.cpus = 65"));
    c.cpus = 64;
    CHECK_NOTHROW(validate(c));
    c.cpus = 0;
    CHECK_THROWS_AS(SmpSystem(c), ConfigError);
}

TEST_CASE("smp settings are applied by key, and bad keys and values name the key") {
    SmpConfig c;
    CHECK(apply_smp_setting(c, "smp.cpus", "16"));
    CHECK(c.cpus == 16);
    CHECK(apply_smp_setting(c, "smp.ipi_latency", "0x100"));
    CHECK(c.ipi_latency == 256);
    CHECK(apply_smp_setting(c, "smp.invlpgb", "off"));
    CHECK_FALSE(c.invlpgb);
    CHECK_FALSE(apply_smp_setting(c, "l1d.latency", "1"));
    CHECK_THROWS_WITH(apply_smp_setting(c, "smp.colour", "1"), Catch::Contains("unknown setting 'smp.colour'"));
    CHECK_THROWS_WITH(apply_smp_setting(c, "smp.irq_entry", "-3"), Catch::Contains("smp.irq_entry: '-3' is not a number"));
    CHECK_THROWS_WITH(apply_smp_setting(c, "smp.invlpgb", "maybe"), Catch::Contains("smp.invlpgb"));
    c.irq_exit = 200000000;
    CHECK_THROWS_WITH(validate(c), Catch::Contains("smp.irq_exit"));
    c = SmpConfig();
    c.invlpgb_max_extra = 70000;
    CHECK_THROWS_WITH(validate(c), Catch::Contains("smp.invlpgb_max_extra"));
}

TEST_CASE("the dump reads back to the same settings") {
    SmpConfig a;
    a.cpus = 8;
    a.ack_latency = 77;
    a.invlpgb = false;
    SmpConfig b;
    const std::string text = dump_smp_config(a);
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        const std::string line = text.substr(pos, end - pos);
        const std::size_t eq = line.find(" = ");
        REQUIRE(eq != std::string::npos);
        CHECK(apply_smp_setting(b, line.substr(0, eq), line.substr(eq + 3)));
        pos = end + 1;
    }
    CHECK(dump_smp_config(b) == text);
    CHECK(b.cpus == 8);
    CHECK_FALSE(b.invlpgb);
}
