#include "scenario_command.h"

#include <chrono>
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "junit.h"
#include "command_line.h"
#include "scenario_runner.h"
#include "tlmmu/core/config.h"

namespace tlmmu::scenario {

int run_scenario_command(const std::vector<std::string>& args) {
    RunOptions options;
    std::vector<std::string> files;
    bool print_stats = false;
    std::string json_path, junit_path;
    tools::CommandLine cli("tlmmu scenario",
                           "Runs each scenario file on a fresh MMU model and prints PASS or FAIL per file,\n"
                           "then 'N passed, M failed'. The format is described in docs/scenarios.md.\n"
                           "--config and --set start from the built-in Skylake-like configuration; the\n"
                           "files' own 'config' lines apply on top.\n"
                           "\n"
                           "Exit status: 0 when every file passed, 1 when one failed, 2 on bad usage or a bad\n"
                           "configuration.");
    cli.exit_statuses(2, 2);  // 1 means a scenario failed
    cli.settings(settings::Target().bind(mmu_settings(), options.config), "-c,--config");
    cli.app().add_flag("-v,--verbose", options.verbose, "trace every statement and its outcome");
    cli.app().add_flag("--stats", print_stats, "print the model's statistics after each file");
    cli.json(json_path, "write each file's statistics to FILE, one JSON object keyed by file");
    cli.junit(junit_path, "one test case per scenario file");
    cli.app().add_option("FILE", files, "scenario files");
    if (const int status = cli.parse(args); status >= 0) return status;
    if (files.empty()) return cli.usage_error("no scenario files given");

    unsigned passed = 0, failed = 0;
    std::string json = "{";
    tools::JunitSuite suite{"tlmmu scenario", {}};
    for (const std::string& file : files) {
        std::ostringstream diagnostics;
        const auto started = std::chrono::steady_clock::now();
        const RunResult r = run_scenario_file(file, options, diagnostics);
        // Errors and failed expectations go to stderr; a passing file's
        // diagnostics are only the --verbose trace, which belongs on stdout.
        (r.passed() ? std::cout : std::cerr) << diagnostics.str() << std::flush;
        std::cout << (r.passed() ? "PASS " : "FAIL ") << file << "\n";
        tools::JunitCase tc;
        tc.name = file;
        tc.classname = "scenario";
        tc.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (!r.passed()) {
            tc.outcome = r.errors ? tools::JunitCase::Outcome::error : tools::JunitCase::Outcome::failure;
            tc.message = std::to_string(r.failures) + " failed expectations, " + std::to_string(r.errors) + " errors";
            tc.detail = diagnostics.str();
        }
        suite.cases.push_back(tc);
        ++(r.passed() ? passed : failed);
        if (r.stats && print_stats) std::cout << stats_summary(*r.stats);
        if (r.stats && !json_path.empty()) {
            if (json.size() > 1) json += ",";
            json += "\n" + nlohmann::json(file).dump() + ": " + stats_to_json(*r.stats, -1);
        }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    if (!json_path.empty() && !tools::write_file_atomically(json_path, json + "\n}\n")) {
        std::cerr << "tlmmu scenario: cannot write " << json_path << "\n";
        return 2;
    }
    if (!junit_path.empty() && !tools::write_junit(junit_path, {suite})) {
        std::cerr << "tlmmu scenario: cannot write " << junit_path << "\n";
        return 2;
    }
    return failed ? 1 : 0;
}

}  // namespace tlmmu::scenario
