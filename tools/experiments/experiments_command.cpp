#include "experiments_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <filesystem>
#include <sstream>

#include "atomic_file.h"
#include "command_line.h"
#include "experiment_catalogue.h"

#ifndef TLMMU_FIRMWARE_ELF
#define TLMMU_FIRMWARE_ELF ""
#endif

namespace tlmmu::experiments {

namespace {

std::string tail_lines(const std::string& text, unsigned n) {
    size_t pos = text.size();
    for (unsigned i = 0; i <= n && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
    return pos == std::string::npos ? text : text.substr(pos + 1);
}

// The footprint experiment again with the caches switched the other way
// (cache.enabled), its walk latencies added to `results` beside the main
// run's. Returns 0, or the exit status of a failed run.
int compare_caches(const std::string& firmware, const platform::PlatformOptions& options, const GuestParams& params,
                   Results& results) {
    platform::PlatformOptions other = options;
    other.cache.enabled = !options.cache.enabled;
    other.guest_params = guest_parameters(params, {"footprint"});
    const SuiteRun s = run_suite(firmware, other);
    const char* const which = other.cache.enabled ? "cache.enabled=on" : "cache.enabled=off";
    if (!s.run.passed()) {
        std::cerr << "tlmmu experiments: the comparison run (footprint, " << which << ") did not complete: " << s.run.message
                  << "\n";
        if (!s.uart.empty()) std::cerr << "last guest output:\n" << tail_lines(s.uart, 8);
        return 1;
    }
    try {
        footprint_with_and_without(results, options.cache.enabled, compute_results(parse_records(s.uart)));
    } catch (const ParseError& e) {
        std::cerr << "tlmmu experiments: comparison run (" << which << ") output: " << e.what() << "\n";
        return 1;
    }
    std::printf("comparison run (footprint with %s): %.1f M instructions, simulated in %.2f s\n", which,
                s.run.instructions / 1e6, s.run.wall_seconds);
    return 0;
}

}  // namespace

// An installed tlmmu (PREFIX/bin/tlmmu) uses PREFIX/share/tlmmu's firmware;
// a tlmmu in the build tree, the firmware built beside it.
std::string default_firmware_path() {
#if defined(TLMMU_FIRMWARE_INSTALLED) && defined(TLMMU_BINDIR)
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec && exe.parent_path().filename() == std::filesystem::path(TLMMU_BINDIR).filename()) {
        const std::filesystem::path installed = exe.parent_path().parent_path() / TLMMU_FIRMWARE_INSTALLED;
        if (std::filesystem::exists(installed, ec)) return installed.string();
    }
#endif
    return TLMMU_FIRMWARE_ELF;
}

SuiteRun run_suite(const std::string& firmware, const platform::PlatformOptions& options) {
    SuiteRun s;
    std::ostringstream uart;
    s.run = platform::run_elf(firmware, options, uart);
    s.uart = uart.str();
    return s;
}

std::vector<std::string> chosen_experiments(const std::vector<std::string>& only) {
    if (!only.empty()) return only;
    std::vector<std::string> chosen;
    for (const ExperimentInfo& e : experiment_catalogue())
        if (e.by_default) chosen.push_back(e.name);
    return chosen;
}

SuiteRun run_experiments(const std::string& firmware, const platform::PlatformOptions& options,
                         const GuestParams& params, const std::vector<std::string>& chosen) {
    std::vector<std::string> main_set;
    bool shootdowns = false;
    for (const std::string& name : chosen) {
        if (name == kShootdowns) shootdowns = true;
        else main_set.push_back(name);
    }
    std::vector<std::pair<std::string, platform::PlatformOptions>> runs;
    if (!main_set.empty()) {
        runs.emplace_back("", options);
        runs.back().second.guest_params = guest_parameters(params, main_set);
    }
    if (shootdowns) {
        platform::PlatformOptions smp = options;
        smp.set("cpus", std::to_string(params.sd_max_cpus));
        // Harts take turns every smp_quantum instructions; acknowledgements are seen at
        // that granularity, so the shootdown run takes finer turns unless told otherwise.
        if (smp.smp_quantum == platform::PlatformOptions{}.smp_quantum) smp.smp_quantum = kShootdownQuantum;
        smp.guest_params = guest_parameters(params, {kShootdowns});
        // What a kernel reads from CPUID: INVLPGB present, and its page limit.
        smp.guest_params.push_back({"cpuid.invlpgb", smp.smp.invlpgb ? 1u : 0u});
        smp.guest_params.push_back({"cpuid.invlpgb_pages", uint64_t(smp.smp.invlpgb_max_extra) + 1});
        runs.emplace_back(" (the shootdown run on " + std::to_string(params.sd_max_cpus) + " harts)", smp);
    }
    SuiteRun total;
    total.run.stop = platform::StopReason::exited;
    uint64_t instructions = 0, cycles = 0;
    double wall = 0;
    for (const auto& [label, run_options] : runs) {
        SuiteRun s = run_suite(firmware, run_options);
        instructions += s.run.instructions;
        cycles += s.run.cycles;
        wall += s.run.wall_seconds;
        total.uart += s.uart;
        total.run = std::move(s.run);
        total.label = label;
        if (!total.run.passed()) break;
    }
    total.run.instructions = instructions;
    total.run.cycles = cycles;
    total.run.wall_seconds = wall;
    return total;
}

int run_experiments_command(const std::vector<std::string>& args) {
    platform::PlatformOptions options;
    options.backend = platform::Backend::direct;
    std::string firmware = default_firmware_path(), json_path = "out/experiments.json", plots_dir = "out",
                uart_path;
    bool plots = true;
    GuestParams params;
    std::vector<std::string> only;
    bool list = false;
    tools::CommandLine cli("tlmmu experiments",
                           "Runs the experiment firmware on the platform: a small kernel (buddy and slab allocators,\n"
                           "x86-64 page tables, processes with PCIDs, demand paging) that measures, from inside the\n"
                           "guest with the cycle and MMU event counters, translation latency against working set for\n"
                           "4K/2M/1G pages, context-switch costs with PCIDs off/on/no-flush and global kernel pages,\n"
                           "INVLPG per page against a full flush, and allocator and page-fault costs (--list names them all).");
    cli.exit_statuses(2, 2);
    cli.settings(settings::Target()
                     .bind(mmu_settings(), options.mmu)
                     .bind(platform::platform_settings(), options)
                     .bind(cache::cache_settings(), options.cache)
                     .bind(machine::smp_settings(), options.smp)
                     .bind(param_settings(), params));
    cli.assignments("--platform", [&options](const std::string& key, const std::string& value) { options.set(key, value); },
                    "platform setting without its platform. prefix (docs/platform.md), e.g. memory.latency=30, or a "
                    "cache.* setting");
    cli.assignments("--param", [&params](const std::string& key, const std::string& value) { apply_param(params, key, value); },
                    "experiment parameter, e.g. context_switch.procs=6 (param. prefix optional)");
    CLI::App& app = cli.app();
    app.add_option("--firmware", firmware, "the firmware ELF (default: the one built with the project)")->type_name("FILE");
    cli.json(json_path, "write the figures as JSON (default out/experiments.json)");
    app.add_option("--plots", plots_dir, "write PNG plots with gnuplot (default out/)")->type_name("DIR");
    app.add_flag("!--no-plots", plots, "do not draw plots");
    app.add_option("--uart", uart_path, "also save the guest's raw output to FILE")->type_name("FILE");
    std::string only_list;
    app.add_option("--only", only_list, "run only these experiments (in their usual order)")->type_name("NAME,...");
    app.add_flag("--list", list, "name every experiment and its parameters (type, default, range) and exit");
    if (const int status = cli.parse(args); status >= 0) return status;
    if (list) {
        std::cout << list_text();
        return 0;
    }
    if (!only_list.empty()) {
        try {
            only = parse_only(only_list);
        } catch (const std::exception& e) {
            return cli.usage_error(std::string("--only: ") + e.what());
        }
    }
    std::vector<std::string> chosen;
    try {
        chosen = chosen_experiments(only);
        guest_parameters(params, chosen);  // checks the rules between parameters before anything runs
    } catch (const std::exception& e) {
        std::cerr << "tlmmu experiments: " << e.what() << "\n";
        return 2;
    }
    if (firmware.empty()) {
        std::cerr << "tlmmu experiments: the firmware was not built (riscv64-unknown-elf-gcc missing); "
                     "give one with --firmware FILE\n";
        return 2;
    }

    std::cout << "tlmmu experiments: running " << firmware << " on the platform (RV64IMA harts, every access "
              << "through the Skylake-like MMU model" << (dump_config(options.mmu) == dump_config(MmuConfig::skylake()) ? "" : " with settings")
              << ")\n";
    std::cout.flush();
    SuiteRun s;
    try {
        s = run_experiments(firmware, options, params, chosen);
    } catch (const std::exception& e) {
        std::cerr << "tlmmu experiments: " << e.what() << "\n";
        return 2;
    }
    if (!uart_path.empty() && !tools::write_file_atomically(uart_path, s.uart))
        std::cerr << "tlmmu experiments: cannot write " << uart_path << "\n";
    if (!s.run.passed()) {
        std::cerr << "tlmmu experiments: the firmware did not complete" << s.label << ": " << s.run.message << "\n";
        if (!s.uart.empty()) std::cerr << "last guest output:\n" << tail_lines(s.uart, 8);
        return 1;
    }
    Results results;
    try {
        results = compute_results(parse_records(s.uart));
    } catch (const ParseError& e) {
        std::cerr << "tlmmu experiments: guest output: " << e.what() << "\n";
        return 1;
    }
    std::printf("guest: %.1f M instructions, %.1f M cycles, simulated in %.2f s (%.1f M instructions/s)\n",
                s.run.instructions / 1e6, s.run.cycles / 1e6, s.run.wall_seconds,
                s.run.wall_seconds > 0 ? s.run.instructions / s.run.wall_seconds / 1e6 : 0.0);
    if (results.table("footprint")) {
        if (const int failed = compare_caches(firmware, options, params, results)) return failed;
    }
    std::printf("\n");
    std::cout << report(results);
    int status = 0;
    if (!tools::write_file_atomically(json_path, to_json(results) + "\n")) {
        std::cerr << "tlmmu experiments: cannot write " << json_path << "\n";
        status = 1;
    } else {
        std::cout << "\nfigures written to " << json_path << "\n";
    }
    if (plots) {
        std::string error;
        const std::vector<std::string> written = write_plots(results, plots_dir, error);
        for (const std::string& f : written) std::cout << "plot written to " << f << "\n";
        if (!error.empty()) {
            std::cerr << "tlmmu experiments: plots: " << error << "\n";
            status = 1;
        }
    }
    return status;
}

}  // namespace tlmmu::experiments
