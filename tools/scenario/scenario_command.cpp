#include "scenario_command.h"

#include <iostream>

#include "scenario_runner.h"
#include "tlmmu/core/config.h"

namespace tlmmu::scenario {

namespace {

const char* const kUsage =
    "usage: tlmmu scenario [--verbose] [--config FILE]... FILE...\n"
    "\n"
    "Runs each scenario file on a fresh MMU model and prints PASS or FAIL per file,\n"
    "then 'N passed, M failed'. The format is described in docs/scenarios.md.\n"
    "\n"
    "  -v, --verbose      trace every statement and its outcome\n"
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
    bool options_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (options_done || a.empty() || a[0] != '-' || a == "-") {
            files.push_back(a);
        } else if (a == "--") {
            options_done = true;
        } else if (a == "-v" || a == "--verbose") {
            options.verbose = true;
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
    for (const std::string& file : files) {
        const RunResult r = run_scenario_file(file, options, std::cout);
        std::cout << (r.passed() ? "PASS " : "FAIL ") << file << "\n";
        ++(r.passed() ? passed : failed);
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed ? 1 : 0;
}

}  // namespace tlmmu::scenario
