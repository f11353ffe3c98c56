// The registry: every group's keys, defaults, errors and dumps.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <set>

#include "catalogue.h"
#include "platform.h"
#include "tlmmu/core/config.h"
#include "tlmmu/os/os_model.h"
#include "tlmmu/synth/synthetic.h"

using namespace tlmmu;

namespace {

std::string temp_file(const std::string& name, const std::string& text) {
    const std::string path = "settings-test-" + name;
    std::ofstream(path) << text;
    return path;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every key is declared once, lower case, with a doc line") {
    std::set<std::string> keys;
    for (const settings::GroupBase* g : settings_command::catalogue())
        for (const settings::Setting& s : g->settings()) {
            INFO(s.key);
            CHECK(s.key == settings::lower(s.key));
            if (s.shared) continue;
            CHECK_FALSE(s.doc.empty());
            CHECK(keys.insert(s.key).second);
            for (const std::string& a : s.aliases) CHECK(keys.insert(a).second);
        }
    CHECK(keys.count("memory.latency"));
    CHECK(keys.count("l1d.arrays"));
    CHECK(keys.count("os.pcid"));
    CHECK(keys.count("platform.ram_bytes"));
    CHECK(keys.count("synth.pages"));
}

TEST_CASE("memory.latency: one key, one default, stored by every driver") {
    os::OsConfig os_config;
    platform::PlatformOptions platform_options;
    settings::MemoryConfig memory;
    settings::Target target;
    target.bind(os::os_settings_group(), os_config)
        .bind(platform::platform_settings(), platform_options)
        .bind(settings::memory_settings(), memory);
    const auto values = target.values();
    CHECK(std::count_if(values.begin(), values.end(), [](const auto& kv) { return kv.first == "memory.latency"; }) == 1);
    CHECK(os_config.memory_latency == memory.latency);
    CHECK(platform_options.memory_latency == memory.latency);
    target.apply("memory.latency", "35");
    CHECK(os_config.memory_latency == 35);
    CHECK(platform_options.memory_latency == 35);
    CHECK(memory.latency == 35);
}

TEST_CASE("a typo is refused with the nearest key the command knows") {
    MmuConfig mmu = MmuConfig::skylake();
    os::OsConfig os_config;
    settings::Target target;
    target.bind(mmu_settings(), mmu).bind(os::os_settings_group(), os_config);
    CHECK_THAT(error_of([&] { target.apply("l1d.latncy", "2"); }),
               Catch::Contains("unknown setting 'l1d.latncy'") && Catch::Contains("did you mean 'l1d.latency'"));
    CHECK_THAT(error_of([&] { target.apply("os.quantun", "2"); }), Catch::Contains("did you mean 'os.quantum'"));
    // A platform key is not a setting of a command without the platform.
    CHECK_THAT(error_of([&] { target.apply("platform.ram_bytes", "1g"); }), Catch::Contains("unknown setting"));
    CHECK_THAT(error_of([&] { target.apply("os.pcid", "sometimes"); }),
               Catch::Contains("os.pcid") && Catch::Contains("off, on, noflush"));
    CHECK_THAT(error_of([&] { target.apply("os.memory", "1000"); }), Catch::Contains("os.memory") && Catch::Contains("out of range"));
    CHECK_THAT(error_of([&] { target.apply_assignment("os.kpti"); }), Catch::Contains("expected KEY=VALUE"));
}

TEST_CASE("a configuration file names FILE:LINE and may hold any bound group") {
    MmuConfig mmu = MmuConfig::skylake();
    os::OsConfig os_config;
    settings::Target target;
    target.bind(mmu_settings(), mmu).bind(os::os_settings_group(), os_config);
    const std::string good = temp_file("good.cfg", "# comment\nl2.latency = 9\n\nos.pcid = OFF  # case-insensitive\nmemory.latency=0x20\n");
    target.load_file(good);
    CHECK(mmu.l2.latency == 9);
    CHECK(os_config.pcid == os::PcidMode::off);
    CHECK(os_config.memory_latency == 32);
    const std::string bad = temp_file("bad.cfg", "l2.latency = 9\nos.kpti = perhaps\n");
    CHECK_THAT(error_of([&] { target.load_file(bad); }), Catch::Contains(bad + ":2: os.kpti"));
    std::remove(good.c_str());
    std::remove(bad.c_str());
}

TEST_CASE("a cross-field validation error names the file line that set the key") {
    MmuConfig mmu = MmuConfig::skylake();
    settings::Target target;
    target.bind(mmu_settings(), mmu);
    // Each value parses; the second l1d.arrays line holds 2M twice, which only validate() sees.
    const std::string path = temp_file("cross.cfg", "l2.latency = 9\nl1d.arrays = 4k:16x4:lru\n# comment\n"
                                                    "l1d.arrays = 4k+2m:16x4:lru 2m:8x4:lru\nl1d.latency = 1\n");
    target.load_file(path);
    const std::string message = error_of([&] { target.validate(); });
    CHECK_THAT(message, Catch::StartsWith(path + ":4: l1d.arrays[1]: page size"));
    // A key set again afterwards (a flag after --config) is no longer the file's.
    target.apply("l1d.arrays", "4k:16x4:lru 2m:16x4:lru 2m:8x4:lru");
    CHECK_THAT(error_of([&] { target.validate(); }), Catch::StartsWith("l1d.arrays[2]: page size"));
    // The key named must be the whole key: psc.pd is not psc.pdpt.
    MmuConfig mmu2 = MmuConfig::skylake();
    settings::Target target2;
    target2.bind(mmu_settings(), mmu2);
    const std::string psc = temp_file("psc.cfg", "psc.pd = 8x4:lru\npsc.pdpt = 3x4:lru\n");
    target2.load_file(psc);
    CHECK_THAT(error_of([&] { target2.validate(); }), Catch::StartsWith(psc + ":2: psc.pdpt"));
    std::remove(path.c_str());
    std::remove(psc.c_str());
}

TEST_CASE("the dump of every group reads back to the same values") {
    MmuConfig mmu = MmuConfig::skylake();
    os::OsConfig os_config;
    platform::PlatformOptions platform_options;
    settings::Target target;
    target.bind(mmu_settings(), mmu).bind(os::os_settings_group(), os_config).bind(platform::platform_settings(), platform_options);
    target.apply("l1d.arrays", "4k:32x4:random 2m+1g:4x4");
    target.apply("psc.pd", "none");
    target.apply("os.page_size", "2m");
    target.apply("os.kpti", "on");
    target.apply("platform.clock_ghz", "2.5");
    target.apply("platform.fetch", "instruction");
    const std::string dump = target.dump();

    MmuConfig mmu2 = MmuConfig::skylake();
    os::OsConfig os2;
    platform::PlatformOptions platform2;
    settings::Target again;
    again.bind(mmu_settings(), mmu2).bind(os::os_settings_group(), os2).bind(platform::platform_settings(), platform2);
    const std::string path = temp_file("dump.cfg", dump);
    again.load_file(path);
    again.validate();
    CHECK(again.dump() == dump);
    CHECK(dump_config(mmu2) == dump_config(mmu));
    CHECK(platform2.clock_ghz == 2.5);
    std::remove(path.c_str());
}

TEST_CASE("the docs table lists every declared key with its default") {
    const std::string table = settings::markdown_table(settings_command::catalogue());
    for (const settings::GroupBase* g : settings_command::catalogue())
        for (const settings::Setting& s : g->settings())
            if (!s.shared) CHECK_THAT(table, Catch::Contains("| `" + s.key + "`"));
    CHECK_THAT(table, Catch::Contains("| `l2.latency` | integer | `8` | cycles |"));
    CHECK_THAT(table, Catch::Contains("| `memory.latency` | integer | `20` | cycles |"));
}

TEST_CASE("synth: spec keys go through the registry and the one number rule") {
    const synth::SyntheticSpec s = synth::parse_synthetic_spec("synth:random,pages=4k,accesses=0x100,size=4,write_percent=25");
    CHECK(s.pages == 4096);
    CHECK(s.accesses == 256);
    CHECK(s.size == 4);
    CHECK(s.write_percent == 25);
    CHECK_THAT(error_of([] { synth::parse_synthetic_spec("synth:random,pages=4,accesses=1,write_percent=101"); }),
               Catch::Contains("key 'write_percent'") && Catch::Contains("0..100"));
}
