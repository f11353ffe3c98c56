// tlmmu_cpu_bench: the platform's simulation speed. Runs the same guest loop
// (bench/cpu/guest.c: loads, stores and branches over a 32-page working set)
// with paging off and with 4-level paging on 4 KiB pages, where every fetch
// block and every data access is translated by the modelled TLBs, and prints
// simulated instructions per second of each and their ratio, measured in one
// run. Both wall-clock and CPU-time rates are shown: the machine may be shared.
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "command_line.h"
#include "platform.h"

namespace {

using tlmmu::platform::RunResult;

struct Mode {
    const char* name;
    const char* elf;
};

double rate(uint64_t instructions, double seconds) { return seconds > 0 ? double(instructions) / seconds / 1e6 : 0.0; }

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    unsigned repeat = 3;
    std::string json_path;
    tlmmu::platform::PlatformOptions options;
    options.backend = tlmmu::platform::Backend::direct;
    tlmmu::tools::CommandLine cli("tlmmu_cpu_bench",
                                  "The platform's simulation speed: the same guest loop with paging off and on, simulated\n"
                                  "instructions per second of each and their ratio, in one run. --config and --set\n"
                                  "change the MMU and the platform (platform.*).");
    cli.settings(tlmmu::settings::Target()
                     .bind(tlmmu::mmu_settings(), options.mmu)
                     .bind(tlmmu::platform::platform_settings(), options));
    cli.app().add_flag("--quick", quick, "stop each run after 3 M instructions, one run per mode (smoke test)");
    cli.count("--repeat", repeat, "run each mode N times and keep the fastest (default 3)");
    cli.json(json_path, "write the figures as JSON");
    if (const int status = cli.parse(argc, argv); status >= 0) return status;
    if (repeat == 0) repeat = 1;
    if (quick) repeat = 1;
    const Mode modes[] = {{"paging off", TLMMU_CPU_BENCH_GUEST_FLAT}, {"paging on", TLMMU_CPU_BENCH_GUEST_PAGING}};
    if (quick) options.max_instructions = 3000000;

    nlohmann::ordered_json json;
    json["quick"] = quick;
    RunResult best[2];
    std::cout << "CPU benchmark: the same guest loop with paging off and on (4 KiB pages), direct backend\n\n"
              << std::left << std::setw(12) << "mode" << std::right << std::setw(13) << "instructions"
              << std::setw(13) << "cycles" << std::setw(10) << "CPI" << std::setw(11) << "wall s" << std::setw(10)
              << "cpu s" << std::setw(12) << "M/s wall" << std::setw(11) << "M/s cpu" << std::setw(13) << "fetch xl"
              << std::setw(13) << "data xl" << "\n";
    for (int m = 0; m < 2; ++m) {
        for (unsigned r = 0; r < repeat; ++r) {
            std::ostringstream uart;
            const RunResult res = tlmmu::platform::run_elf(modes[m].elf, options, uart);
            const bool ok = res.passed() || (quick && res.stop == tlmmu::platform::StopReason::instruction_limit);
            if (!ok) {
                std::cerr << "tlmmu_cpu_bench: " << modes[m].elf << ": " << res.message << "\n";
                return 1;
            }
            if (r == 0 || res.cpu_seconds < best[m].cpu_seconds) best[m] = res;
        }
        const RunResult& b = best[m];
        std::cout << std::left << std::setw(12) << modes[m].name << std::right << std::setw(13) << b.instructions
                  << std::setw(13) << b.cycles << std::setw(10) << std::fixed << std::setprecision(3)
                  << double(b.cycles) / double(std::max<uint64_t>(1, b.instructions)) << std::setw(11)
                  << b.wall_seconds << std::setw(10) << b.cpu_seconds << std::setw(12) << std::setprecision(1)
                  << rate(b.instructions, b.wall_seconds) << std::setw(11) << rate(b.instructions, b.cpu_seconds)
                  << std::setw(13) << b.hart.fetch_translations << std::setw(13) << b.hart.data_translations << "\n";
        json[m == 0 ? "paging_off" : "paging_on"] = {
            {"instructions", b.instructions},
            {"cycles", b.cycles},
            {"wall_seconds", b.wall_seconds},
            {"cpu_seconds", b.cpu_seconds},
            {"mips_wall", rate(b.instructions, b.wall_seconds)},
            {"mips_cpu", rate(b.instructions, b.cpu_seconds)},
            {"fetch_translations", b.hart.fetch_translations},
            {"data_translations", b.hart.data_translations},
            {"l1d_hits", b.stats.l1d.total_hits()},
            {"l1d_misses", b.stats.l1d.total_misses()},
            {"l1i_hits", b.stats.l1i.total_hits()},
            {"l1i_misses", b.stats.l1i.total_misses()},
            {"walks", b.stats.walk.walks}};
    }
    const double ratio_cpu = rate(best[1].instructions, best[1].cpu_seconds) /
                             std::max(1e-9, rate(best[0].instructions, best[0].cpu_seconds));
    const double ratio_wall = rate(best[1].instructions, best[1].wall_seconds) /
                              std::max(1e-9, rate(best[0].instructions, best[0].wall_seconds));
    std::cout << "\npaging on / off speed: " << std::setprecision(2) << ratio_cpu << " (CPU time), " << ratio_wall
              << " (wall)\n"
              << "translations with paging on: " << best[1].stats.translations << " (L1D hits "
              << best[1].stats.l1d.total_hits() << ", L1I hits " << best[1].stats.l1i.total_hits() << ", walks "
              << best[1].stats.walk.walks << ")\n";
    json["ratio_on_off_cpu"] = ratio_cpu;
    json["ratio_on_off_wall"] = ratio_wall;
    if (!json_path.empty() && !tlmmu::tools::write_file_atomically(json_path, json.dump(2) + "\n")) {
        std::cerr << "tlmmu_cpu_bench: cannot write " << json_path << "\n";
        return 1;
    }
    return 0;
}
