// Parameters from the command line: names checked against the catalogue
// before the guest boots, values against the registry's ranges, and what the
// firmware then runs follows them.
#include "kernel_run.h"

using namespace tlmmu;
using namespace tlmmu::experiments;
using namespace tlmmu::experiments::test;

TEST_CASE("unknown experiments and parameters are refused with the valid names", "[parameters]") {
    try {
        parse_only("working_set,vmaloc");
        FAIL("an unknown experiment was accepted");
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        CHECK(m.find("unknown experiment 'vmaloc'") != std::string::npos);
        CHECK(m.find("did you mean 'vmalloc'") != std::string::npos);
        for (const ExperimentInfo& x : experiment_catalogue()) CHECK(m.find(x.name) != std::string::npos);
    }
    CHECK_THROWS_AS(parse_only(" , "), ConfigError);
    GuestParams p;
    try {
        apply_param(p, "context_switch.proc", "3");
        FAIL("an unknown parameter was accepted");
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        CHECK(m.find("did you mean 'context_switch.procs'") != std::string::npos);
        CHECK(m.find("param.vmalloc.lazy_max_pages") != std::string::npos);
    }
    CHECK_THROWS_WITH(apply_param(p, "param.context_switch.procs", "9"), Catch::Contains("out of range"));
    CHECK_THROWS_WITH(apply_param(p, "vmalloc.max_size", "12k"), Catch::Contains("power of two"));
    // Rules between parameters hold once all are set, whatever their order.
    GuestParams q;
    apply_param(q, "reclaim.low_pages", "8");
    apply_param(q, "reclaim.high_pages", "16");
    CHECK_NOTHROW(guest_parameters(q, {}));
    apply_param(q, "reclaim.high_pages", "2");
    CHECK_THROWS_WITH(guest_parameters(q, {}), Catch::Contains("must be at least param.reclaim.low_pages"));
    apply_param(p, "param.context_switch.procs", "2");
    apply_param(p, "vmalloc.max_size", "64k");
    CHECK(p.cs_procs == 2);
    CHECK(p.vmalloc_max_size == 65536);
}

TEST_CASE("--only keeps the catalogue order and the block says what runs", "[parameters]") {
    CHECK(parse_only("vmalloc, working_set") == std::vector<std::string>{"working_set", "vmalloc"});
    const std::vector<platform::GuestParameter> block = guest_parameters(GuestParams{}, {"vmalloc"});
    std::map<std::string, uint64_t> entries;
    for (const platform::GuestParameter& g : block) entries[g.key] = g.value;
    CHECK(entries.at("run.vmalloc") == 1);
    CHECK(entries.at("run.working_set") == 0);
    CHECK(entries.at("context_switch.procs") == 4);  // every parameter, defaults included
    CHECK(entries.size() == experiment_catalogue().size() + param_settings().settings().size());
    CHECK(platform::encode_parameter_block(block, 3840).size() == 16 + 48 * block.size());
    CHECK_THROWS_AS(platform::encode_parameter_block(block, 100), ConfigError);
}

TEST_CASE("--list names every experiment and every parameter with its default and range", "[parameters]") {
    const std::string text = list_text();
    for (const ExperimentInfo& x : experiment_catalogue()) CHECK(text.find("\n  " + x.name) != std::string::npos);
    for (const settings::Setting& s : param_settings().settings()) {
        INFO(s.key);
        CHECK(text.find(s.key + " = " + s.default_text) != std::string::npos);
    }
}

TEST_CASE("parameters reach the firmware at boot; only the chosen experiments run", "[parameters]") {
    const KernelRun k = run_kernel({"context_switch", "range_flush"},
                                   {{"context_switch.procs", "2"}, {"context_switch.user_pages", "16"},
                                    {"context_switch.switches", "20"}, {"range_flush.resident", "64"}});
    const Results& r = k.results;
    CHECK(r.working_set.empty());
    CHECK(r.buddy.empty());
    CHECK(r.tables.empty());
    REQUIRE(r.context_switch.size() == 6);
    for (const ContextSwitchPoint& p : r.context_switch) {
        CHECK(p.procs == 2);
        CHECK(p.user_pages == 16);
        CHECK(p.switches == 20);
    }
    REQUIRE(!r.range_flush.empty());
    CHECK(r.range_flush.back().pages == 64);  // the counts above the resident set are skipped
    for (const RangeFlushPoint& p : r.range_flush) CHECK(p.resident == 64);
    REQUIRE(r.phases.size() == 2);
    CHECK(r.phases[0].name == "context_switch");
    // The JSON leaves out what did not run.
    const std::string json = to_json(r);
    CHECK(json.find("\"context_switch\"") != std::string::npos);
    CHECK(json.find("\"working_set\"") == std::string::npos);
    CHECK(json.find("\"calibration\"") == std::string::npos);
    CHECK(json.find("\"page_fault\"") == std::string::npos);
    CHECK(json.find("\"vmalloc\"") == std::string::npos);
}

TEST_CASE("the firmware stops with a clear message when no parameter block was written", "[parameters]") {
    platform::PlatformOptions options;
    const SuiteRun s = run_suite(TLMMU_FIRMWARE_ELF, options);
    CHECK_FALSE(s.run.passed());
    CHECK(s.uart.find("no parameter block") != std::string::npos);
    CHECK(s.uart.find("@done status=panic") != std::string::npos);
}
