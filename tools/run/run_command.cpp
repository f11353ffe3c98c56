#include "run_command.h"

#include <cmath>
#include <iostream>

#include "atomic_file.h"
#include "junit.h"
#include "platform.h"
#include "tlmmu/core/stats.h"

namespace tlmmu::run {

namespace {

using platform::PlatformOptions;

const char* const kUsage =
    "usage: tlmmu run FILE.elf [--max-instructions N] [--max-time T] [--max-wall SECONDS]\n"
    "                 [--set KEY=VALUE]... [--config FILE] [--platform KEY=VALUE]...\n"
    "                 [--stats] [--json FILE] [--junit FILE]\n"
    "\n"
    "Runs a bare-metal RV64IM ELF on the platform (docs/platform.md, docs/isa.md): every\n"
    "fetch, load and store goes through the MMU model. UART output goes to stdout;\n"
    "the guest exits by writing tohost (riscv-tests convention).\n"
    "\n"
    "  --max-instructions N  stop after N instructions (default 2000000000, 0 = none)\n"
    "  --max-time T          stop at simulated time T: a number with a unit, ns, us, ms, s\n"
    "                        or cycles (e.g. 10ms, 5000000cycles)\n"
    "  --max-wall SECONDS    stop after this much host time\n"
    "  --set KEY=VALUE       MMU setting (docs/configuration.md), e.g. l1d.latency=2\n"
    "  --config FILE         MMU configuration file, applied before the --set settings\n"
    "  --platform KEY=VALUE  platform setting (docs/platform.md), e.g. memory.latency=30,\n"
    "                        ram_bytes=1G, backend=direct, fetch=instruction\n"
    "  --stats               print the run's counters and the MMU statistics to stderr\n"
    "  --json FILE           write the counters and statistics as JSON\n"
    "  --junit FILE          write JUnit XML: one test case, the program, failed unless it\n"
    "                        exited with status 0\n"
    "\n"
    "Exit status: the guest's exit code (0 = pass; codes above 119 are reported as 119),\n"
    "120 instruction limit, 121 time limit, 122 ELF refused, 123 bad usage or option.\n";

int usage_error(const std::string& message) {
    std::cerr << "tlmmu run: " << message << "\n" << kUsage;
    return platform::kExitError;
}

// "10ms" -> cycles at clock_ghz; false if malformed.
bool parse_time(const std::string& text, double clock_ghz, uint64_t& cycles) {
    size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return false;
    }
    const std::string unit = text.substr(used);
    double ns_per_unit = 0;
    if (unit == "ns") ns_per_unit = 1;
    else if (unit == "us") ns_per_unit = 1e3;
    else if (unit == "ms") ns_per_unit = 1e6;
    else if (unit == "s") ns_per_unit = 1e9;
    else if (unit == "cycles" || unit == "c") ns_per_unit = 1 / clock_ghz;
    else return false;
    const double c = value * ns_per_unit * clock_ghz;
    if (!(c >= 1) || c > 1.8e19) return false;
    cycles = uint64_t(std::ceil(c));
    return true;
}

}  // namespace

int run_run_command(const std::vector<std::string>& args) {
    PlatformOptions options;
    options.backend = platform::Backend::systemc;  // one `tlmmu run` = one platform
    std::string file, json_path, junit_path, max_time;
    bool print_stats = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        try {
            if (a == "-h" || a == "--help") {
                std::cout << kUsage;
                return 0;
            } else if (a == "--stats") {
                print_stats = true;
            } else if (a == "--json") {
                if (!value(json_path)) return usage_error("--json needs a file");
            } else if (a == "--junit") {
                if (!value(junit_path)) return usage_error("--junit needs a file");
            } else if (a == "--max-instructions") {
                if (!value(v)) return usage_error("--max-instructions needs a number");
                options.set("max_instructions", v);
            } else if (a == "--max-time") {
                if (!value(max_time)) return usage_error("--max-time needs a time");
            } else if (a == "--max-wall") {
                if (!value(v)) return usage_error("--max-wall needs seconds");
                options.set("max_wall_seconds", v);
            } else if (a == "--set") {
                if (!value(v)) return usage_error("--set needs KEY=VALUE");
                std::string key, value;
                if (!settings::split_assignment(v, key, value)) return usage_error("--set '" + v + "': expected KEY=VALUE");
                apply_setting(options.mmu, key, value);
            } else if (a == "--config") {
                if (!value(v)) return usage_error("--config needs a file");
                load_config_file(options.mmu, v);
            } else if (a == "--platform") {
                if (!value(v)) return usage_error("--platform needs KEY=VALUE");
                const size_t eq = v.find('=');
                if (eq == std::string::npos) return usage_error("--platform '" + v + "': expected KEY=VALUE");
                options.set(v.substr(0, eq), v.substr(eq + 1));
            } else if (!a.empty() && a[0] == '-') {
                return usage_error("unknown option '" + a + "'");
            } else if (file.empty()) {
                file = a;
            } else {
                return usage_error("more than one ELF file given ('" + file + "', '" + a + "')");
            }
        } catch (const ConfigError& e) {
            std::cerr << "tlmmu run: " << e.what() << "\n";
            return platform::kExitError;
        }
    }
    if (file.empty()) return usage_error("no ELF file given");
    try {
        validate(options.mmu);
    } catch (const ConfigError& e) {
        std::cerr << "tlmmu run: " << e.what() << "\n";
        return platform::kExitError;
    }
    if (!max_time.empty() && !parse_time(max_time, options.clock_ghz, options.max_cycles))
        return usage_error("--max-time '" + max_time + "': expected a number with a unit (ns, us, ms, s, cycles)");

    const platform::RunResult r = platform::run_elf(file, options, std::cout);
    std::cout.flush();
    const int code = platform::process_exit_code(r);
    if (r.stop != platform::StopReason::exited || r.exit_code != 0)
        std::cerr << "tlmmu run: " << file << ": " << r.message << "\n";
    if (print_stats && r.stop != platform::StopReason::bad_elf && r.stop != platform::StopReason::error) {
        std::cerr << "instructions " << r.instructions << ", cycles " << r.cycles << ", "
                  << (r.wall_seconds > 0 ? double(r.instructions) / r.wall_seconds / 1e6 : 0.0)
                  << " M instructions/s (" << (r.cpu_seconds > 0 ? double(r.instructions) / r.cpu_seconds / 1e6 : 0.0)
                  << " per CPU second)\n"
                  << "fetch translations " << r.hart.fetch_translations << ", data translations "
                  << r.hart.data_translations << ", traps " << r.hart.traps << ", device accesses "
                  << r.hart.device_accesses << "\n"
                  << stats_summary(r.stats);
    }
    std::string why;
    if (!json_path.empty() && !tools::write_file_atomically(json_path, platform::result_to_json(r) + "\n", &why)) {
        std::cerr << "tlmmu run: " << why << "\n";
        return platform::kExitError;
    }
    if (!junit_path.empty()) {
        tools::JunitCase tc;
        tc.name = file;
        tc.classname = "run";
        tc.seconds = r.wall_seconds;
        if (r.stop != platform::StopReason::exited || r.exit_code != 0) {
            tc.outcome = r.stop == platform::StopReason::exited ? tools::JunitCase::Outcome::failure
                                                                 : tools::JunitCase::Outcome::error;
            tc.message = r.message;
        }
        if (!tools::write_junit(junit_path, {{"tlmmu run", {tc}}})) {
            std::cerr << "tlmmu run: cannot write " << junit_path << "\n";
            return platform::kExitError;
        }
    }
    return code;
}

}  // namespace tlmmu::run
