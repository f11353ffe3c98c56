#include "scenario_command.h"

#include <chrono>
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "junit.h"
#include "scenario_runner.h"
#include "tlmmu/core/config.h"

namespace tlmmu::scenario {

namespace {

const char* const kUsage =
    "usage: tlmmu scenario [--verbose] [--stats] [--json FILE] [--junit FILE] [--config FILE]... FILE...\n"
    "\n"
    "Runs each scenario file on a fresh MMU model and prints PASS or FAIL per file,\n"
    "then 'N passed, M failed'. The format is described in docs/scenarios.md.\n"
    "\n"
    "  -v, --verbose      trace every statement and its outcome\n"
    "      --stats        print the model's statistics after each file\n"
    "      --json FILE    write each file's statistics to FILE, one JSON object keyed by file\n"
    "      --junit FILE   write JUnit XML to FILE, one test case per scenario file\n"
    "  -c, --config FILE  start from this configuration instead of the built-in\n"
    "                     Skylake-like one (key = value lines, docs/configuration.md);\n"
    "                     the files' own 'config' lines apply on top\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 when every file passed, 1 when one failed, 2 on bad usage.\n";

}  // namespace

int run_scenario_command(const std::vector<std::string>& args) {
    RunOptions options;
    std::vector<std::string> files;
    bool print_stats = false;
    std::string json_path, junit_path;
    bool options_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (options_done || a.empty() || a[0] != '-' || a == "-") {
            files.push_back(a);
        } else if (a == "--") {
            options_done = true;
        } else if (a == "-v" || a == "--verbose") {
            options.verbose = true;
        } else if (a == "--stats") {
            print_stats = true;
        } else if (a == "--json") {
            if (i + 1 >= args.size()) {
                std::cerr << "tlmmu scenario: --json needs a file\n" << kUsage;
                return 2;
            }
            json_path = args[++i];
        } else if (a == "--junit") {
            if (i + 1 >= args.size()) {
                std::cerr << "tlmmu scenario: --junit needs a file\n" << kUsage;
                return 2;
            }
            junit_path = args[++i];
        } else if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "-c" || a == "--config" || a.rfind("--config=", 0) == 0) {
            std::string path;
            if (a.rfind("--config=", 0) == 0) {
                path = a.substr(9);
            } else if (i + 1 < args.size()) {
                path = args[++i];
            } else {
                std::cerr << "tlmmu scenario: " << a << " needs a file\n" << kUsage;
                return 2;
            }
            try {
                load_config_file(options.config, path);
            } catch (const ConfigError& e) {
                std::cerr << "tlmmu scenario: " << e.what() << "\n";
                return 2;
            }
        } else {
            std::cerr << "tlmmu scenario: unknown option '" << a << "'\n" << kUsage;
            return 2;
        }
    }
    if (files.empty()) {
        std::cerr << "tlmmu scenario: no scenario files given\n" << kUsage;
        return 2;
    }

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
