// `tlmmu trace`: replays traces through the MMU model and reports the MMU
// statistics, MPKI and the OS model's counters (docs/trace-mode.md).
#include "trace_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "atomic_file.h"
#include "command_line.h"
#include "tlmmu/replay/replay.h"
#include "report.h"
#include "tlmmu/core/config.h"
#include "tlmmu/trace/open.h"

namespace tlmmu::trace_command {

namespace {

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

}  // namespace

int run_trace_command(const std::vector<std::string>& args) {
    replay::ReplayOptions options;
    std::string format = "auto", interleave = "auto", json_path, csv_path;
    bool quiet = false;
    std::vector<std::string> traces;
    tools::CommandLine cli("tlmmu trace",
                           "Replays each TRACE (a trace file of any format, a drmemtrace directory, or a synth: spec)\n"
                           "through the MMU model with real page tables, demand paging and a scheduler; several TRACE\n"
                           "arguments are several processes run together.");
    cli.settings(replay::settings_target(options));
    cli.group_alias("--os", os::os_settings_group(), options.os,
                    "OS-model setting without its os. prefix, e.g. --os page_size=2m (docs/os-model.md)");
    std::vector<std::string> formats = trace::known_formats();
    formats.insert(formats.begin(), "auto");
    cli.app()
        .add_option("--format", format, "trace format (auto: from the file's name and contents)")
        ->check(CLI::IsMember(formats))
        ->type_name("FMT");
    cli.app()
        .add_option("--interleave", interleave,
                    "threads of a drmemtrace directory: schedule (as its schedule file recorded them), quantum "
                    "(round robin by os.quantum) or auto (schedule when the directory has one; the default)")
        ->check(CLI::IsMember(trace::interleave_names()))
        ->type_name("MODE");
    cli.count("--limit", options.limit, "stop after N records in total");
    cli.json(json_path);
    cli.app().add_option("--csv", csv_path, "write a header line and one row of the scalar results (atomically)")->type_name("FILE");
    cli.quiet(quiet, "no summary on stdout, no progress bar");
    cli.app().add_option("TRACE", traces, "trace file, drmemtrace directory or synth: spec")->required();
    if (const int status = cli.parse(args); status >= 0) return status;
    options.format = format;
    options.interleave = trace::parse_interleave(interleave);

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
