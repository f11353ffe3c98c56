// tlmmu_cpu_bench: the platform's simulation speed. Runs the same guest loop
// (bench/cpu/guest.c: loads, stores and branches over a 32-page working set)
// with paging off and with 4-level paging on 4 KiB pages, where every fetch
// block and every data access is translated by the modelled TLBs, and prints
// simulated instructions per second of each and their ratio, measured in one
// run. Both wall-clock and CPU-time rates are shown: the machine may be shared.
// Then the N-hart guest (every hart runs the same loop over its own working
// set, paging on) with 1, 2, 4 and 8 harts: instructions per second of each
// as a ratio to one hart in the same run.
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

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
                                  "change the MMU and the platform (platform.*). Then the same loop on 1, 2, 4 and 8\n"
                                  "harts, each hart's speed as a ratio to the first count.");
    cli.settings(tlmmu::settings::Target()
                     .bind(tlmmu::mmu_settings(), options.mmu)
                     .bind(tlmmu::platform::platform_settings(), options));
    cli.app().add_flag("--quick", quick, "stop each run after 3 M instructions, one run per mode (smoke test)");
    cli.count("--repeat", repeat, "run each mode N times and keep the fastest (default 3)");
    std::string harts_list = "1,2,4,8";
    cli.app()
        .add_option("--harts", harts_list, "hart counts of the N-hart runs, comma-separated (default 1,2,4,8; the first is the baseline)")
        ->type_name("LIST");
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

    // N harts: the same per-hart loop on every hart.
    std::vector<unsigned> harts;
    {
        std::stringstream list(harts_list);
        std::string item;
        while (std::getline(list, item, ',')) {
            try {
                size_t used = 0;
                const unsigned long n = std::stoul(item, &used);
                if (used != item.size() || n == 0 || n > 8) throw std::invalid_argument(item);
                harts.push_back(unsigned(n));
            } catch (const std::exception&) {
                std::cerr << "tlmmu_cpu_bench: --harts '" << harts_list << "': '" << item
                          << "' is not a hart count from 1 to 8\n";
                return 2;
            }
        }
    }
    if (quick) harts = {1, 2};
    std::cout << "\nN harts: every hart runs the loop over its own working set (paging on, platform.smp_quantum "
              << options.smp_quantum << ")\n\n"
              << std::left << std::setw(8) << "harts" << std::right << std::setw(13) << "instructions" << std::setw(13)
              << "cycles" << std::setw(11) << "wall s" << std::setw(10) << "cpu s" << std::setw(12) << "M/s wall"
              << std::setw(11) << "M/s cpu" << std::setw(14) << "vs 1st (cpu)" << "\n";
    nlohmann::ordered_json smp_rows = nlohmann::ordered_json::array();
    double base_cpu = 0;
    for (size_t k = 0; k < harts.size(); ++k) {
        tlmmu::platform::PlatformOptions o = options;
        o.smp.cpus = harts[k];
        if (quick) o.max_instructions = 2000000;
        RunResult b;
        for (unsigned r = 0; r < repeat; ++r) {
            std::ostringstream uart;
            const RunResult res = tlmmu::platform::run_elf(TLMMU_CPU_BENCH_GUEST_SMP, o, uart);
            const bool ok = res.passed() || (quick && res.stop == tlmmu::platform::StopReason::instruction_limit);
            if (!ok) {
                std::cerr << "tlmmu_cpu_bench: " << TLMMU_CPU_BENCH_GUEST_SMP << " on " << harts[k]
                          << " harts: " << res.message << "\n";
                return 1;
            }
            if (r == 0 || res.cpu_seconds < b.cpu_seconds) b = res;
        }
        const double mips = rate(b.instructions, b.cpu_seconds);
        if (k == 0) base_cpu = mips;
        const double ratio = mips / std::max(1e-9, base_cpu);
        std::cout << std::left << std::setw(8) << harts[k] << std::right << std::setw(13) << b.instructions
                  << std::setw(13) << b.cycles << std::setw(11) << std::setprecision(3) << b.wall_seconds
                  << std::setw(10) << b.cpu_seconds << std::setw(12) << std::setprecision(1)
                  << rate(b.instructions, b.wall_seconds) << std::setw(11) << mips << std::setw(14)
                  << std::setprecision(2) << ratio << "\n";
        smp_rows.push_back({{"harts", harts[k]},
                            {"instructions", b.instructions},
                            {"cycles", b.cycles},
                            {"wall_seconds", b.wall_seconds},
                            {"cpu_seconds", b.cpu_seconds},
                            {"mips_wall", rate(b.instructions, b.wall_seconds)},
                            {"mips_cpu", mips},
                            {"ratio_to_first_cpu", ratio}});
    }
    json["harts"] = smp_rows;
    if (!json_path.empty() && !tlmmu::tools::write_file_atomically(json_path, json.dump(2) + "\n")) {
        std::cerr << "tlmmu_cpu_bench: cannot write " << json_path << "\n";
        return 1;
    }
    return 0;
}
