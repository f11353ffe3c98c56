// `tlmmu demo`: the default job. Runs the built-in experiments on the default
// (or a given) configuration, prints the report and writes the figures as JSON.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "command_line.h"
#include "demo_command.h"
#include "core_measurements.h"
#include "tlmmu/core/config.h"

namespace tlmmu::demo {

int run_demo_command(const std::vector<std::string>& args) {
    MmuConfig config = MmuConfig::skylake();
    settings::MemoryConfig memory;
    std::string json_path = "out/demo.json";
    bool quick = false;
    tools::CommandLine cli("tlmmu demo",
                           "Runs the built-in experiments: translation latency against working set for 4K, 2M and 1G\n"
                           "pages, context-switch cost with PCIDs off/on/no-flush and global kernel pages, and the\n"
                           "INVLPG-per-page against full-flush crossover, on the core model alone.");
    cli.settings(settings::Target().bind(mmu_settings(), config).bind(settings::memory_settings(), memory));
    cli.shortcut("--memory-latency", "memory.latency", "page-table memory latency (the setting memory.latency)", "CYCLES");
    cli.json(json_path, "write the figures as JSON (default out/demo.json)");
    cli.app().add_flag("--quick", quick, "fewer working-set sizes and samples (seconds, for CI)");
    if (const int status = cli.parse(args); status >= 0) return status;

    std::cout << "tlmmu demo: " << (quick ? "quick run" : "full run") << " on "
              << "the default Skylake-like configuration" << "\n\n";
    const Results results = run_all(config, memory.latency, quick);
    std::cout << report(results);
    if (!tools::write_file_atomically(json_path, to_json(results) + "\n")) {
        std::cerr << "tlmmu demo: cannot write " << json_path << "\n";
        return 1;
    }
    std::cout << "\nfigures written to " << json_path << "\n";
    return 0;
}

}  // namespace tlmmu::demo
