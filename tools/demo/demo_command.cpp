// `tlmmu demo`: the default job. Runs the built-in experiments on the default
// (or a given) configuration, prints the report and writes the figures as JSON.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "demo_command.h"
#include "core_measurements.h"
#include "tlmmu/core/config.h"

namespace tlmmu::demo {

namespace {
const char* kUsage =
    "usage: tlmmu demo [--config FILE] [--memory-latency CYCLES] [--json FILE] [--quick]\n"
    "  Runs the built-in experiments: translation latency against working set for 4K, 2M and 1G\n"
    "  pages, context-switch cost with PCIDs off/on/no-flush and global kernel pages, and the\n"
    "  INVLPG-per-page against full-flush crossover. Writes the figures to FILE (default\n"
    "  out/demo.json).\n";

}  // namespace

int run_demo_command(const std::vector<std::string>& args) {
    MmuConfig config = MmuConfig::skylake();
    unsigned memory_latency = 20;
    std::string json_path = "out/demo.json";
    bool quick = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
            return args[++i];
        };
        try {
            if (a == "--config") load_config_file(config, value());
            else if (a == "--memory-latency") memory_latency = unsigned(std::stoul(value()));
            else if (a == "--json") json_path = value();
            else if (a == "--quick") quick = true;
            else if (a == "-h" || a == "--help") {
                std::cout << kUsage;
                return 0;
            } else {
                std::cerr << "tlmmu demo: unknown option '" << a << "'\n" << kUsage;
                return 2;
            }
        } catch (const ConfigError& e) {
            std::cerr << "tlmmu demo: " << e.what() << "\n";
            return 2;
        } catch (const std::exception& e) {
            std::cerr << "tlmmu demo: " << a << ": " << e.what() << "\n";
            return 2;
        }
    }

    std::cout << "tlmmu demo: " << (quick ? "quick run" : "full run") << " on "
              << "the default Skylake-like configuration" << "\n\n";
    const Results results = run_all(config, memory_latency, quick);
    std::cout << report(results);
    if (!tools::write_file_atomically(json_path, to_json(results) + "\n")) {
        std::cerr << "tlmmu demo: cannot write " << json_path << "\n";
        return 1;
    }
    std::cout << "\nfigures written to " << json_path << "\n";
    return 0;
}

}  // namespace tlmmu::demo
