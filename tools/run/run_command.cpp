#include "run_command.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <streambuf>

#include "atomic_file.h"
#include "junit.h"
#include "command_line.h"
#include "platform.h"
#include "tlmmu/core/stats.h"

namespace tlmmu::run {

namespace {

using platform::PlatformOptions;

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

// The progress line of a run on a terminal: one line on stderr, rewritten in
// place, cleared before the guest's UART output and at the end so neither is
// mixed with it.
class StatusLine {
 public:
    void show(const std::string& text) {
        std::cerr << "\r" << text << "\x1b[K" << std::flush;
        m_shown = true;
    }
    void clear() {
        if (!m_shown) return;
        std::cerr << "\r\x1b[K" << std::flush;
        m_shown = false;
    }

 private:
    bool m_shown = false;
};

// Forwards the guest's output to `out`, clearing the status line first.
class ClearingBuffer : public std::streambuf {
 public:
    ClearingBuffer(std::streambuf* out, StatusLine& status) : m_out(out), m_status(status) {}
    // Whether the guest's last line is complete: the status line is drawn only
    // then, so it never overwrites a partial line on the same terminal.
    bool at_line_start() const { return m_at_line_start; }

 protected:
    int overflow(int c) override {
        if (c == traits_type::eof()) return traits_type::not_eof(c);
        m_status.clear();
        m_at_line_start = c == '\n';
        return m_out->sputc(traits_type::to_char_type(c));
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        if (n <= 0) return 0;
        m_status.clear();
        m_at_line_start = s[n - 1] == '\n';
        return m_out->sputn(s, n);
    }
    int sync() override { return m_out->pubsync(); }

 private:
    std::streambuf* m_out;
    StatusLine& m_status;
    bool m_at_line_start = true;
};

std::string progress_text(const platform::RunProgress& p, double clock_ghz) {
    const double ns = double(p.cycles) / clock_ghz;
    char text[160];
    std::snprintf(text, sizeof text, "tlmmu run: %llu instructions, %.3f ms simulated, %.1f M instr/s",
                  static_cast<unsigned long long>(p.instructions), ns / 1e6,
                  p.wall_seconds > 0 ? double(p.instructions) / p.wall_seconds / 1e6 : 0.0);
    return text;
}

}  // namespace

int run_run_command(const std::vector<std::string>& args) {
    PlatformOptions options;
    options.backend = platform::Backend::systemc;  // one `tlmmu run` = one platform
    std::string file, json_path, junit_path, max_time;
    bool print_stats = false, quiet = false;
    tools::CommandLine cli("tlmmu run",
                           "Runs a bare-metal RV64IM ELF on the platform (docs/platform.md, docs/isa.md): every\n"
                           "fetch, load and store goes through the MMU model. UART output goes to stdout;\n"
                           "the guest exits by writing tohost (riscv-tests convention).\n"
                           "\n"
                           "Exit status: the guest's exit code (0 = pass; codes above 119 are reported as 119),\n"
                           "120 instruction limit, 121 time limit, 122 ELF refused, 123 bad usage or option.");
    cli.exit_statuses(platform::kExitError, platform::kExitError);
    cli.settings(settings::Target()
                     .bind(mmu_settings(), options.mmu)
                     .bind(platform::platform_settings(), options)
                     .bind(cache::cache_settings(), options.cache)
                     .bind(machine::smp_settings(), options.smp));
    cli.assignments("--platform", [&options](const std::string& key, const std::string& value) { options.set(key, value); },
                    "platform setting without its platform. prefix (docs/platform.md), e.g. backend=direct, "
                    "cpus=4 (smp.cpus), or a cache.* or smp.* setting");
    cli.shortcut("--max-instructions", "platform.max_instructions", "stop after N instructions (default 2000000000, 0 = none)");
    cli.app()
        .add_option("--max-time", max_time,
                    "stop at simulated time T: a number with a unit, ns, us, ms, s or cycles (e.g. 10ms, 5000000cycles)")
        ->type_name("T");
    cli.shortcut("--max-wall", "platform.max_wall_seconds", "stop after this much host time", "SECONDS");
    cli.app().add_flag("--stats", print_stats, "print the run's counters and the MMU statistics to stderr");
    cli.quiet(quiet, "no progress line on stderr (shown only on a terminal, after the first second); "
                     "the guest's output still goes to stdout");
    cli.json(json_path, "write the counters and statistics as JSON");
    cli.junit(junit_path, "one test case, the program, failed unless it exited with status 0");
    cli.app().add_option("FILE.elf", file, "the program")->required();
    if (const int status = cli.parse(args); status >= 0) return status;
    if (!max_time.empty() && !parse_time(max_time, options.clock_ghz, options.max_cycles))
        return cli.usage_error("--max-time '" + max_time + "': expected a number with a unit (ns, us, ms, s, cycles)");

    // Progress only for someone watching a terminal: never into pipes or logs.
    StatusLine status;
    ClearingBuffer guest_buffer(std::cout.rdbuf(), status);
    std::ostream guest_output(&guest_buffer);
    if (!quiet && ::isatty(2)) {
        const double clock_ghz = options.clock_ghz;
        options.progress = [&status, &guest_buffer, clock_ghz](const platform::RunProgress& p) {
            if (guest_buffer.at_line_start()) status.show(progress_text(p, clock_ghz));
        };
    }
    const platform::RunResult r = platform::run_elf(file, options, guest_output);
    guest_output.flush();
    std::cout.flush();
    status.clear();
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
        if (r.harts.size() > 1) {
            for (size_t i = 0; i < r.harts.size(); ++i) {
                const platform::HartCounters& h = r.harts[i];
                std::cerr << "hart " << i << ": instructions " << h.instructions << ", cycles " << h.cycles
                          << ", traps " << h.traps << ", interrupts " << h.interrupts << ", walks "
                          << r.hart_stats[i].walk.walks << "\n";
            }
        }
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
