// `tlmmu trace`: replays traces through the MMU model and reports the MMU
// statistics, MPKI and the OS model's counters (docs/trace-mode.md).
#include "trace_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "atomic_file.h"
#include "tlmmu/replay/replay.h"
#include "report.h"
#include "tlmmu/core/config.h"
#include "tlmmu/trace/open.h"

namespace tlmmu::trace_command {

namespace {

const char* kUsage =
    "usage: tlmmu trace [--format FMT] [--config FILE] [--set KEY=VALUE]... [--os KEY=VALUE]...\n"
    "                   [--limit N] [--json FILE] [--csv FILE] [--quiet] TRACE...\n"
    "  Replays each TRACE (a trace file of any format, a drmemtrace directory, or a synth: spec)\n"
    "  through the MMU model with real page tables, demand paging and a scheduler; several TRACE\n"
    "  arguments are several processes run together.\n"
    "  --format FMT      auto (default), lackey, champsim, champsim-cloudsuite, drmemtrace, native\n"
    "  --config FILE     MMU configuration file (docs/configuration.md)\n"
    "  --set KEY=VALUE   one MMU or data-cache setting, e.g. --set l2.latency=9, --set cache.enabled=off\n"
    "                    (the data caches are on by default: `tlmmu settings` lists the cache.* keys)\n"
    "  --os KEY=VALUE    OS model: page_size=4k|2m|1g, quantum=N, pcid=off|on|noflush, kpti=on|off,\n"
    "                    memory=BYTES, levels=4|5, seed=N, fragment=PERCENT, gigantic_pages=N,\n"
    "                    memory.latency=CYCLES, fault_cycles=N, zero_cycles=N, kernel_pages=N\n"
    "                    (docs/os-model.md)\n"
    "  --limit N         stop after N records in total\n"
    "  --json FILE       write the results as one JSON object (atomically)\n"
    "  --csv FILE        write a header line and one row of the scalar results (atomically)\n"
    "  --quiet           no summary on stdout, no progress bar\n";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "\r[####......] 40%  12.3 M records, 20.1 M/s" on stderr, at most 4 times
// a second and only once the run has lasted a second.
class ProgressBar {
 public:
    explicit ProgressBar(uint64_t total) : m_total(total), m_start(std::chrono::steady_clock::now()) {}
    void update(uint64_t records) {
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - m_start).count();
        if (elapsed < 1.0 || elapsed - m_last < 0.25) return;
        m_last = elapsed;
        m_shown = true;
        char line[160];
        const double rate = double(records) / elapsed / 1e6;
        if (m_total) {
            const double f = std::min(1.0, double(records) / double(m_total));
            const int filled = int(f * 30);
            std::snprintf(line, sizeof line, "\r[%-30s] %3.0f%%  %.1f M records, %.1f M/s", std::string(filled, '#').c_str(),
                          100 * f, double(records) / 1e6, rate);
        } else {
            std::snprintf(line, sizeof line, "\rreplaying: %.1f M records, %.1f M/s", double(records) / 1e6, rate);
        }
        std::cerr << line << std::flush;
    }
    ~ProgressBar() {
        if (m_shown) std::cerr << "\r\033[K" << std::flush;
    }

 private:
    uint64_t m_total;
    std::chrono::steady_clock::time_point m_start;
    double m_last = 0;
    bool m_shown = false;
};

uint64_t parse_count(const std::string& option, const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(option + " " + text + ": expected a number");
    try {
        return std::stoull(text);
    } catch (const std::exception&) {
        throw UsageError(option + " " + text + ": number out of range");
    }
}

}  // namespace

int run_trace_command(const std::vector<std::string>& args) {
    replay::ReplayOptions options;
    std::string format = "auto", json_path, csv_path;
    bool quiet = false;
    std::vector<std::string> traces;
    try {
        for (size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            auto value = [&]() -> const std::string& {
                if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
                return args[++i];
            };
            if (a == "-h" || a == "--help") {
                std::cout << kUsage;
                return 0;
            } else if (a == "--format") {
                format = value();
                const std::vector<std::string> known = trace::known_formats();
                if (format != "auto" && std::find(known.begin(), known.end(), format) == known.end()) {
                    std::string list;
                    for (const std::string& k : known) list += " " + k;
                    throw UsageError("--format " + format + ": unknown format (auto" + list + ")");
                }
            } else if (a == "--config") {
                load_config_file(options.mmu, value());
            } else if (a == "--set") {
                const std::string& kv = value();
                const auto eq = kv.find('=');
                if (eq == std::string::npos) throw UsageError("--set " + kv + ": expected KEY=VALUE");
                try {
                    const std::string key = kv.substr(0, eq);
                    if (settings::lower(key).compare(0, 6, "cache.") == 0)
                        cache::apply_cache_setting(options.cache, key, kv.substr(eq + 1));
                    else
                        apply_setting(options.mmu, key, kv.substr(eq + 1));
                } catch (const ConfigError& e) {
                    throw ConfigError("--set " + kv + ": " + e.what());
                }
            } else if (a == "--os") {
                os::apply_os_setting(options.os, value());
            } else if (a == "--limit") {
                options.limit = parse_count(a, value());
            } else if (a == "--json") {
                json_path = value();
            } else if (a == "--csv") {
                csv_path = value();
            } else if (a == "--quiet") {
                quiet = true;
            } else if (a.size() > 1 && a[0] == '-') {
                throw UsageError("unknown option '" + a + "'");
            } else {
                traces.push_back(a);
            }
        }
        if (traces.empty()) throw UsageError("no TRACE given");
        validate(options.mmu);
        cache::validate(options.cache);
    } catch (const UsageError& e) {
        std::cerr << "tlmmu trace: " << e.what() << "\n" << kUsage;
        return 2;
    } catch (const ConfigError& e) {
        std::cerr << "tlmmu trace: configuration: " << e.what() << "\n";
        return 1;
    } catch (const os::OsError& e) {
        std::cerr << "tlmmu trace: " << e.what() << "\n";
        return 1;
    }
    options.format = format;

    // A failed run writes no result; what was at the output paths before
    // (an older result, a device) is not the command's to delete. The exit
    // status says the run failed.
    auto fail = [&](const std::string& message) {
        std::cerr << "tlmmu trace: " << message << "\n";
        return 1;
    };
    replay::ReplayResult result;
    try {
        std::unique_ptr<ProgressBar> bar;
        if (!quiet && isatty(2)) {
            bar.reset(new ProgressBar(options.limit));
            options.progress = [&bar](uint64_t records) { bar->update(records); };
        }
        result = replay::replay(traces, options);
    } catch (const trace::TraceError& e) {
        return fail(e.what());
    } catch (const os::OsError& e) {
        return fail(e.what());
    } catch (const ConfigError& e) {
        return fail(std::string("configuration: ") + e.what());
    } catch (const std::exception& e) {
        return fail(e.what());
    }

    const std::string json = replay::result_json(result, options, format);
    std::string why;
    if (!json_path.empty() && !tools::write_file_atomically(json_path, json + "\n", &why)) return fail(why);
    if (!csv_path.empty() && !tools::write_file_atomically(csv_path, replay::result_csv(json), &why)) return fail(why);
    if (result.os.unresolved_faults)
        std::cerr << "tlmmu trace: warning: " << result.os.unresolved_faults
                  << " accesses still faulted after the page-fault handler and were skipped (non-canonical or "
                     "kernel-half addresses; docs/os-model.md)\n";
    if (!quiet) {
        std::cout << "tlmmu trace:";
        for (size_t i = 0; i < traces.size(); ++i) std::cout << " " << traces[i] << " (" << result.formats[i] << ")";
        std::cout << "\n" << replay::result_summary(result, options);
    }
    return 0;
}

}  // namespace tlmmu::trace_command
