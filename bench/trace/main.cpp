// tlmmu_trace_bench: trace-mode throughput. For each format (lackey, ChampSim,
// drmemtrace, native; all converted from one synthetic trace) the full replay
// is timed next to a decode-only pass of the same file in the same run; a
// TLB-friendly trace gives the replay engine's top speed; child processes
// give the peak memory at two trace lengths; and a sweep with 1 and 2 jobs
// at a time gives the parallel scaling. docs/trace-mode.md quotes the figures.
//
// Timing is CPU time of this process (CLOCK_PROCESS_CPUTIME_ID): the machine
// is shared, and CPU time is what other runs' load disturbs least. Wall time
// is reported beside it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command_line.h"
#include "tlmmu/replay/replay.h"
#include "tlmmu/synth/synthetic.h"
#include "tlmmu/trace/export.h"

using nlohmann::ordered_json;
using namespace tlmmu;

namespace {

struct Clock {
    double cpu = 0, wall = 0;
    static double cpu_now() {
        timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
    }
    static double wall_now() {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    }
};

template <class F>
Clock timed(F&& f) {
    const double c0 = Clock::cpu_now(), w0 = Clock::wall_now();
    f();
    return {Clock::cpu_now() - c0, Clock::wall_now() - w0};
}

// Converts the synthetic trace `spec` to `path` in `format`.
uint64_t convert(const std::string& spec, const std::string& path, const std::string& format) {
    auto reader = synth::open_synthetic(spec);
    auto out = trace::make_exporter(path, format);
    std::vector<trace::Record> batch(4096);
    for (size_t n; (n = reader->read(batch.data(), batch.size()));) out->write(batch.data(), n);
    out->commit();
    return out->written();
}

// The MMU and OS model every replay of the run uses (--config, --set).
replay::ReplayOptions g_base = [] {
    replay::ReplayOptions o;
    o.os.memory_bytes = 1ull << 30;
    return o;
}();

replay::ReplayOptions options_for(const std::string& format) {
    replay::ReplayOptions o = g_base;
    o.format = format;
    return o;
}

// Peak RSS (KiB) of a child process that replays `trace`: `tlmmu trace` when
// the binary is known, otherwise a forked copy of this process.
long child_peak_rss(const std::string& trace, const std::string& format) {
    std::cout.flush();
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
#ifdef TLMMU_BINARY
        execl(TLMMU_BINARY, TLMMU_BINARY, "trace", "--quiet", "--format", format.c_str(), "--os", "memory=1g",
              trace.c_str(), static_cast<char*>(nullptr));
        _exit(127);
#endif
        int status = 0;
        try {
            replay::replay({trace}, options_for(format));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "rss child: %s\n", e.what());
            status = 1;
        }
        _exit(status);
    }
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) return -1;
    return usage.ru_maxrss;
}

std::string mps(double accesses, double seconds) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", seconds > 0 ? accesses / seconds / 1e6 : 0.0);
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    std::string json_path, dir = "out/trace-bench";
    tools::CommandLine cli("tlmmu_trace_bench",
                           "Trace-mode throughput: each format's full replay next to a decode-only pass of the same\n"
                           "file, a TLB-friendly trace, peak memory and sweep scaling (docs/trace-mode.md).\n"
                           "--config and --set change the MMU and OS model of every replay.");
    cli.settings(settings::Target().bind(mmu_settings(), g_base.mmu).bind(os::os_settings_group(), g_base.os));
    cli.app().add_flag("--quick", quick, "short inputs (smoke test)");
    cli.json(json_path, "write the figures as JSON");
    cli.app().add_option("--dir", dir, "where the converted inputs go (default out/trace-bench)")->type_name("DIR");
    if (const int status = cli.parse(argc, argv); status >= 0) return status;
    std::filesystem::create_directories(dir);
    ordered_json report;
    report["quick"] = quick;
    try {
        // A program-like mix: 2 fetches per data access over 8 code pages, 95%
        // of data accesses to 64 hot pages, the rest over 16k cold pages.
        const uint64_t accesses = quick ? 100000 : 2000000;
        const std::string source = "synth:mixed,hot=64,cold=16384,hot_percent=95,accesses=" + std::to_string(accesses) +
                                   ",fetch=2,code_pages=8,write_percent=25,seed=1";
        report["source"] = source;
        std::cout << "tlmmu_trace_bench" << (quick ? " (quick)" : "") << ": input " << source << "\n"
                  << "times are CPU seconds of this process (wall seconds in the JSON)\n\n";

        struct Input {
            const char* format;
            const char* file;
        };
        const Input inputs[] = {{"lackey", "bench.lackey"},
                                {"champsim", "bench.champsim"},
                                {"drmemtrace", "bench.zip"},
                                {"native", "bench.native"}};
        std::printf("%-11s %10s %10s %9s %10s %9s %8s\n", "format", "records", "accesses", "decode s", "decode M/s",
                    "replay s", "replay M/s");
        ordered_json formats = ordered_json::array();
        for (const Input& in : inputs) {
            const std::string path = dir + "/" + in.file;
            convert(source, path, in.format);
            uint64_t records = 0;
            replay::ReplayResult result;
            const Clock decode = timed([&] { records = replay::decode_only({path}, in.format); });
            const Clock full = timed([&] { result = replay::replay({path}, options_for(in.format)); });
            const double decode_rate = double(result.accesses) / decode.cpu, replay_rate = double(result.accesses) / full.cpu;
            std::printf("%-11s %10llu %10llu %9.3f %10s %9.3f %8s   replay/decode speed %.2f\n", in.format,
                        (unsigned long long)records, (unsigned long long)result.accesses, decode.cpu,
                        mps(double(result.accesses), decode.cpu).c_str(), full.cpu,
                        mps(double(result.accesses), full.cpu).c_str(), replay_rate / decode_rate);
            formats.push_back({{"format", in.format},
                               {"file_bytes", std::filesystem::file_size(path)},
                               {"records", records},
                               {"accesses", result.accesses},
                               {"decode_cpu_s", decode.cpu},
                               {"decode_wall_s", decode.wall},
                               {"replay_cpu_s", full.cpu},
                               {"replay_wall_s", full.wall},
                               {"decode_accesses_per_s", decode_rate},
                               {"replay_accesses_per_s", replay_rate},
                               {"replay_over_decode", replay_rate / decode_rate}});
        }
        report["formats"] = formats;

        // TLB-friendly: 32 pages, 64 accesses per page per pass (L1 hits).
        const uint64_t passes = quick ? 2000 : 40000;
        const std::string friendly = "synth:sequential,pages=32,stride=64,passes=" + std::to_string(passes);
        replay::ReplayResult fr;
        uint64_t friendly_records = 0;
        const Clock fdecode = timed([&] { friendly_records = replay::decode_only({friendly}); });
        const Clock ffull = timed([&] { fr = replay::replay({friendly}, options_for("auto")); });
        std::printf("\nTLB-friendly %s: %llu accesses, replay %.3f s = %s M accesses/s (generation alone %s M/s), "
                    "L1D hit rate %.4f\n",
                    friendly.c_str(), (unsigned long long)fr.accesses, ffull.cpu, mps(double(fr.accesses), ffull.cpu).c_str(),
                    mps(double(friendly_records), fdecode.cpu).c_str(),
                    double(fr.mmu.l1d.total_hits()) / double(fr.mmu.l1d.lookups));
        report["tlb_friendly"] = {{"trace", friendly},
                                  {"accesses", fr.accesses},
                                  {"replay_cpu_s", ffull.cpu},
                                  {"replay_wall_s", ffull.wall},
                                  {"replay_accesses_per_s", double(fr.accesses) / ffull.cpu},
                                  {"generate_accesses_per_s", double(friendly_records) / fdecode.cpu},
                                  {"target_accesses_per_s", 20e6}};

        // Memory: the same pattern at two lengths, native files, each replayed
        // by a child process; the peak RSS should not grow with the length.
        ordered_json rss = ordered_json::array();
#ifdef TLMMU_BINARY
        std::printf("\npeak RSS of `tlmmu trace` replaying a native trace (the same pattern at two lengths):\n");
#else
        std::printf("\npeak RSS of a child replaying a native trace (the same pattern at two lengths):\n");
#endif
        for (uint64_t n : {accesses / 4, accesses * 2}) {
            const std::string spec = "synth:mixed,hot=64,cold=16384,hot_percent=95,accesses=" + std::to_string(n) +
                                     ",fetch=2,code_pages=8,seed=1";
            const std::string path = dir + "/rss-" + std::to_string(n) + ".native";
            const uint64_t records = convert(spec, path, "native");
            const long kib = child_peak_rss(path, "native");
            std::printf("  %10llu records: %ld KiB\n", (unsigned long long)records, kib);
            rss.push_back({{"records", records}, {"peak_rss_kib", kib}});
        }
        report["peak_rss"] = rss;

#ifdef TLMMU_BINARY
        // Sweep scaling: the same 4 jobs with 1 and with 2 at a time (wall time).
        const std::string spec_path = dir + "/scaling.json";
        {
            std::ofstream spec(spec_path);
            spec << "{\"traces\": [\"" << std::filesystem::absolute(dir + "/bench.native").string()
                 << "\"], \"base\": {\"os\": {\"memory\": \"1g\"}},"
                    " \"axes\": [{\"os\": \"quantum\", \"values\": [1000, 10000, 100000, 1000000]}]}\n";
        }
        ordered_json sweep;
        double seconds[3] = {}, busy[3] = {};
        bool ok = true;
        auto children_cpu = [] {
            rusage u{};
            getrusage(RUSAGE_CHILDREN, &u);
            return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
        };
        for (int jobs : {1, 2}) {
            const std::string out = dir + "/scaling-" + std::to_string(jobs);
            std::filesystem::remove_all(out);
            const std::string cmd = std::string("'") + TLMMU_BINARY + "' sweep --jobs " + std::to_string(jobs) +
                                    " --out '" + out + "' '" + spec_path + "' > '" + out + ".log' 2>&1";
            const double w0 = Clock::wall_now(), c0 = children_cpu();
            ok &= std::system(cmd.c_str()) == 0;
            seconds[jobs] = Clock::wall_now() - w0;
            busy[jobs] = (children_cpu() - c0) / seconds[jobs];  // cores kept busy on average
        }
        if (ok) {
            std::printf("\nsweep of 4 jobs: 1 at a time %.2f s (%.2f cores busy), 2 at a time %.2f s (%.2f cores busy): "
                        "speed-up %.2f (wall; the machine is shared)\n",
                        seconds[1], busy[1], seconds[2], busy[2], seconds[1] / seconds[2]);
            sweep = {{"jobs", 4},         {"one_at_a_time_s", seconds[1]}, {"two_at_a_time_s", seconds[2]},
                     {"speedup", seconds[1] / seconds[2]}, {"cores_busy_one", busy[1]}, {"cores_busy_two", busy[2]}};
        } else {
            std::printf("\nsweep scaling: `tlmmu sweep` failed (see %s/scaling-*.log); not measured\n", dir.c_str());
            sweep = "failed";
        }
        report["sweep_scaling"] = sweep;
#else
        report["sweep_scaling"] = "not built (no tlmmu binary)";
#endif
    } catch (const std::exception& e) {
        std::cerr << "tlmmu_trace_bench: " << e.what() << "\n";
        return 1;
    }
    if (!json_path.empty()) {
        std::ofstream out(json_path);
        out << report.dump(2) << "\n";
        if (!out) {
            std::cerr << "tlmmu_trace_bench: cannot write " << json_path << "\n";
            return 1;
        }
    }
    return 0;
}
