#include "driver.h"

#include <sys/utsname.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "command_line.h"

namespace tlmmu::bench {

namespace {

// Keeps the translated addresses observable so the timed loops are not optimised away.
volatile uint64_t g_sink;

constexpr double kCoreTarget = 120e6;  // L1-hit translations per second through the core
// TLM time per access over the bare memory round trip, by stream: an L1 hit
// within 1.5x, an L2 hit within 2x; a walk has no target (each entry read is
// a transaction of its own by design).
double tlm_target(const std::string& stream) { return stream == "l1-hit" ? 1.5 : stream == "l2-hit" ? 2.0 : 0.0; }

std::string percent(uint64_t part, uint64_t whole) {
    if (!whole) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * double(part) / double(whole));
    return buf;
}

double fraction(uint64_t part, uint64_t whole) { return whole ? double(part) / double(whole) : 0.0; }

const Result* find(const std::vector<Result>& results, const std::string& stream, const std::string& path) {
    for (const Result& r : results)
        if (r.stream == stream && r.path == path) return &r;
    return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------
// Options

int parse_options(int argc, char** argv, Options& o) {
    tools::CommandLine cli("tlmmu_bench",
                           "Translations per second through the C++ core and through the TLM-2.0 sockets, each next\n"
                           "to the bare memory model's b_transport round trip on the same addresses\n"
                           "(docs/benchmarks.md). --config and --set change the MMU measured (default: the\n"
                           "Skylake-like configuration).");
    cli.settings(settings::Target().bind(mmu_settings(), o.mmu));
    cli.app().add_flag("--quick", o.quick, "short run (smaller streams, 3 repetitions)");
    auto* reps = cli.count("--reps", o.repetitions, "repetitions per (stream, path); the median is reported (default 5)");
    cli.app().add_flag("--wall", o.wall_clock, "rates from wall time (steady_clock) rather than the thread's CPU time");
    cli.positive_real("--quantum-ns", o.quantum_ns, "global quantum of the TLM initiator in ns (default 1000)");
    cli.app()
        .add_option("--stream", o.only, "run only this stream; repeatable")
        ->check(CLI::IsMember({"l1-hit", "l2-hit", "walk"}))
        ->type_name("NAME");
    cli.json(o.json, "also write the results as JSON to FILE");
    if (const int status = cli.parse(argc, argv); status >= 0) return status;
    if (o.repetitions == 0) return cli.usage_error("--reps: expected a positive whole number");
    const bool reps_given = reps->count() > 0;
    if (o.quick) {
        if (!reps_given) o.repetitions = 3;
        o.size.walk_pages = 1u << 16;
        o.size.walk_stream = 1u << 16;
        o.size.l1_accesses = 1u << 19;
        o.size.l2_accesses = 1u << 18;
        o.size.walk_accesses = 1u << 16;
    }
    return -1;
}

// ---------------------------------------------------------------------------
// Timing

namespace {
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}
}  // namespace

Stopwatch::Stopwatch() : m_wall(std::chrono::steady_clock::now()), m_cpu(thread_cpu_seconds()) {}

Timing Stopwatch::elapsed() const {
    Timing t;
    t.cpu = thread_cpu_seconds() - m_cpu;
    t.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall).count();
    return t;
}

double reference_rate(const Options& options) {
#if defined(__x86_64__) && defined(__GNUC__)
    // Eight dependent register additions per iteration (a register operand:
    // some cores fold chains of immediate additions at rename and run them
    // faster than one per cycle). The loop is aligned to 32 bytes so that its
    // branch never straddles a boundary, which on some cores halves its speed.
    const uint64_t iterations = options.quick ? 250'000 : 2'500'000;
    uint64_t x = 0, left = iterations, one = 1;
    const Stopwatch watch;
    asm volatile(
        ".p2align 5\n"
        "1:\n\t"
        "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
        "add %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\tadd %2, %0\n\t"
        "sub $1, %1\n\t"
        "jnz 1b\n"
        : "+r"(x), "+r"(left)
        : "r"(one)
        : "cc");
    const Timing t = watch.elapsed();
    const double seconds = options.wall_clock ? t.wall : t.cpu;
    return seconds > 0 && x == 8 * iterations ? double(x) / seconds : 0.0;
#else
    (void)options;
    return 0.0;
#endif
}

// ---------------------------------------------------------------------------
// Counters

Counters Counters::of(const MmuStats& s) {
    Counters c;
    c.translations = s.translations;
    c.l1_lookups = s.l1d.lookups;
    c.l1_hits = s.l1d.total_hits();
    c.l2_lookups = s.l2.lookups;
    c.l2_hits = s.l2.total_hits();
    c.walks = s.walk.walks;
    c.pt_reads = s.walk.pt_reads;
    c.faults = s.faults[1] + s.faults[2] + s.faults[3];
    return c;
}

Counters Counters::operator-(const Counters& o) const {
    Counters c;
    c.translations = translations - o.translations;
    c.l1_lookups = l1_lookups - o.l1_lookups;
    c.l1_hits = l1_hits - o.l1_hits;
    c.l2_lookups = l2_lookups - o.l2_lookups;
    c.l2_hits = l2_hits - o.l2_hits;
    c.walks = walks - o.walks;
    c.pt_reads = pt_reads - o.pt_reads;
    c.faults = faults - o.faults;
    return c;
}

Counters& Counters::operator+=(const Counters& o) {
    translations += o.translations;
    l1_lookups += o.l1_lookups;
    l1_hits += o.l1_hits;
    l2_lookups += o.l2_lookups;
    l2_hits += o.l2_hits;
    walks += o.walks;
    pt_reads += o.pt_reads;
    faults += o.faults;
    return *this;
}

// ---------------------------------------------------------------------------
// Core path

CorePath::CorePath(const MmuConfig& config, SparseMemory& memory, unsigned memory_latency_cycles)
    : m_port(memory, memory_latency_cycles), m_mmu(config, m_port) {}

RunResult CorePath::run(const Stream& stream, uint64_t count) {
    const Counters before = Counters::of(m_mmu.stats());
    const uint64_t* va = stream.va.data();
    const size_t n = stream.va.size();
    Access access;
    access.type = AccessType::read;
    uint64_t sink = 0, errors = 0;

    const Stopwatch watch;
    // The stream again and again, in whole passes and then a part: the loop
    // around a translation is one compare, not a wrap-around test as well.
    for (uint64_t done = 0; done < count;) {
        const uint64_t* end = va + std::min<uint64_t>(n, count - done);
        for (const uint64_t* p = va; p != end; ++p) {
            access.va = *p;
            const Translation t = m_mmu.translate(access);
            errors += !t.ok();
            sink += t.pa;
        }
        done += uint64_t(end - va);
    }
    const Timing time = watch.elapsed();

    g_sink = g_sink + sink;
    RunResult r;
    r.time = time;
    r.accesses = count;
    r.errors = errors;
    r.counters = Counters::of(m_mmu.stats()) - before;
    return r;
}

// ---------------------------------------------------------------------------
// Driver

double Result::median_rate() const {
    const double s = median(seconds);
    return s > 0 ? double(accesses_per_repetition) / s : 0.0;
}

double Result::median_ratio() const { return median(ratios); }

double Result::median_cycles() const { return median(cycles); }

std::vector<Result> run_all(const std::vector<Stream>& streams, const std::vector<Path*>& paths,
                            const Options& options) {
    std::vector<Result> results;
    for (const Stream& s : streams) {
        for (const Path* p : paths) {
            Result r;
            r.stream = s.name;
            r.path = p->name();
            r.translates = p->translates();
            r.accesses_per_repetition = s.per_repetition;
            results.push_back(r);
        }
    }
    for (unsigned rep = 0; rep < options.repetitions; ++rep) {
        for (size_t si = 0; si < streams.size(); ++si) {
            const Stream& s = streams[si];
            const uint64_t count = s.per_repetition;
            const uint64_t warm_up = std::min<uint64_t>(count, std::max<uint64_t>(count / 8, 4096));
            double baseline = 0.0;
            for (size_t pi = 0; pi < paths.size(); ++pi) {
                Path& p = *paths[pi];
                Result& res = results[si * paths.size() + pi];
                p.run(s, warm_up);  // refill the TLBs after the previous stream
                const double reference = reference_rate(options);
                const RunResult r = p.run(s, count);
                const double seconds = options.wall_clock ? r.time.wall : r.time.cpu;
                if (reference > 0 && count) {
                    res.reference.push_back(reference);
                    res.cycles.push_back(reference * seconds / double(count));
                }
                res.seconds.push_back(seconds);
                res.wall.push_back(r.time.wall);
                res.cpu.push_back(r.time.cpu);
                res.errors += r.errors;
                res.counters += r.counters;
                if (!p.translates()) baseline = seconds;
                else if (baseline > 0) res.ratios.push_back(seconds / baseline);
            }
        }
    }
    return results;
}

// ---------------------------------------------------------------------------
// Reports

std::string describe_machine() {
    std::string model = "unknown CPU";
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) model = line.substr(colon + 2);
            break;
        }
    }
    std::ostringstream out;
    out << model << ", " << std::thread::hardware_concurrency() << " logical CPUs";
    utsname u;
    if (uname(&u) == 0) out << ", " << u.sysname << ' ' << u.release;
    return out.str();
}

void print_table(const std::vector<Stream>& streams, const std::vector<Result>& results, const Options& options,
                 const Report& report) {
    std::printf("tlmmu_bench: %s\n", report.machine.c_str());
    std::printf("%u repetitions, median reported; time is the thread's %s; ratios are per-repetition time per\n"
                "access over the baseline of the same stream\n",
                options.repetitions, options.wall_clock ? "wall time (steady_clock)" : "CPU time");
    if (report.tlm)
        std::printf("TLM: 8-byte reads, b_transport with a quantum keeper (quantum %.0f ns), MMU clock %.1f ns, "
                    "memory latency %.0f ns\n",
                    options.quantum_ns, options.clock_ns, options.memory_latency_ns);
    if (!report.note.empty()) std::printf("note: %s\n", report.note.c_str());
    std::vector<double> reference;
    for (const Result& r : results) reference.insert(reference.end(), r.reference.begin(), r.reference.end());
    if (!reference.empty())
        std::printf("cycles: per access, in one-cycle steps of a chain of dependent additions timed before each "
                    "run (median %.2f G/s)\n",
                    median(reference) / 1e9);
    std::printf("\nstreams:\n");
    for (const Stream& s : streams)
        std::printf("  %-7s %s; %llu accesses per repetition\n", s.name.c_str(), s.description.c_str(),
                    (unsigned long long)s.per_repetition);

    std::printf("\n%-7s  %-8s  %9s  %8s  %11s  %7s  %7s  %7s  %10s\n", "stream", "path", "M/s", "cycles", "vs baseline",
                "L1 hit", "L2 hit", "walked", "reads/walk");
    std::printf("%s\n", std::string(90, '-').c_str());
    for (const Result& r : results) {
        char ratio[32] = "-";
        if (!r.translates) std::snprintf(ratio, sizeof ratio, "1.00");
        else if (!r.ratios.empty()) std::snprintf(ratio, sizeof ratio, "%.2f", r.median_ratio());
        char reads[32] = "-";
        if (r.counters.walks)
            std::snprintf(reads, sizeof reads, "%.2f", double(r.counters.pt_reads) / double(r.counters.walks));
        char cycles[32] = "-";
        if (!r.cycles.empty()) std::snprintf(cycles, sizeof cycles, "%.0f", r.median_cycles());
        const Counters& c = r.counters;
        std::printf("%-7s  %-8s  %9.2f  %8s  %11s  %7s  %7s  %7s  %10s\n", r.stream.c_str(), r.path.c_str(),
                    r.median_rate() / 1e6, cycles, ratio, r.translates ? percent(c.l1_hits, c.l1_lookups).c_str() : "",
                    r.translates ? percent(c.l2_hits, c.l2_lookups).c_str() : "",
                    r.translates ? percent(c.walks, c.translations).c_str() : "", r.translates ? reads : "");
        if (r.errors) std::printf("         ^ %llu accesses failed\n", (unsigned long long)r.errors);
    }

    std::printf("\ntargets:\n");
    if (const Result* core = find(results, "l1-hit", "core")) {
        const double rate = core->median_rate();
        std::printf("  core l1-hit  %7.1f M translations/s   (target >= %.0f M/s)  %s\n", rate / 1e6,
                    kCoreTarget / 1e6, rate >= kCoreTarget ? "met" : "NOT met");
        if (!core->cycles.empty()) {
            const double ghz = median(core->reference) / 1e9;
            std::printf("               %7.0f cycles per translation; the target is %.0f cycles at the %.2f GHz the "
                        "reference loop saw\n",
                        core->median_cycles(), ghz * 1e9 / kCoreTarget, ghz);
        }
    }
    for (const char* path : {"tlm", "tlm-dmi"}) {
        for (const Stream& s : streams) {
            const Result* tlm = find(results, s.name, path);
            if (!tlm || tlm->ratios.empty() || tlm_target(s.name) == 0) continue;
            const double ratio = tlm->median_ratio();
            std::printf("  %-7s %-7s %7.2fx baseline time      (target <= %.1fx)     %s\n", path, s.name.c_str(),
                        ratio, tlm_target(s.name), ratio <= tlm_target(s.name) ? "met" : "NOT met");
        }
    }
    std::vector<double> share;
    for (const Result& r : results)
        for (size_t i = 0; i < r.cpu.size(); ++i)
            if (r.wall[i] > 0) share.push_back(r.cpu[i] / r.wall[i]);
    if (!share.empty())
        std::printf("\nCPU time / wall time of the timed loops: median %.0f%%, lowest %.0f%%\n", 100 * median(share),
                    100 * *std::min_element(share.begin(), share.end()));
    std::printf("setup %.1f s, measurement %.1f s\n", report.setup_seconds, report.run_seconds);
}

bool write_json(const std::string& file, const std::vector<Stream>& streams, const std::vector<Result>& results,
                const Options& options, const Report& report, std::string& error) {
    using nlohmann::json;
    json doc;
    doc["machine"] = report.machine;
    doc["tlm"] = report.tlm;
    if (!report.note.empty()) doc["note"] = report.note;
    doc["options"] = {{"quick", options.quick},
                      {"clock", options.wall_clock ? "wall" : "thread_cpu"},
                      {"repetitions", options.repetitions},
                      {"quantum_ns", options.quantum_ns},
                      {"clock_ns", options.clock_ns},
                      {"memory_latency_ns", options.memory_latency_ns}};
    doc["streams"] = json::array();
    for (const Stream& s : streams)
        doc["streams"].push_back({{"name", s.name},
                                  {"description", s.description},
                                  {"pages", s.pages},
                                  {"addresses", s.va.size()},
                                  {"accesses_per_repetition", s.per_repetition}});
    doc["results"] = json::array();
    for (const Result& r : results) {
        json j = {{"stream", r.stream},
                  {"path", r.path},
                  {"accesses_per_repetition", r.accesses_per_repetition},
                  {"seconds", r.seconds},
                  {"wall_seconds", r.wall},
                  {"cpu_seconds", r.cpu},
                  {"median_mps", r.median_rate() / 1e6},
                  {"errors", r.errors}};
        if (!r.cycles.empty()) {
            j["reference_rates"] = r.reference;
            j["cycles_per_access"] = r.cycles;
            j["median_cycles_per_access"] = r.median_cycles();
        }
        if (!r.ratios.empty()) {
            j["ratios_vs_baseline"] = r.ratios;
            j["median_ratio_vs_baseline"] = r.median_ratio();
        }
        if (r.translates) {
            const Counters& c = r.counters;
            j["translations"] = c.translations;
            j["l1_hit_rate"] = fraction(c.l1_hits, c.l1_lookups);
            j["l2_hit_rate"] = fraction(c.l2_hits, c.l2_lookups);
            j["walk_fraction"] = fraction(c.walks, c.translations);
            j["pt_reads_per_walk"] = fraction(c.pt_reads, c.walks);
        }
        doc["results"].push_back(j);
    }
    json targets = json::object();
    if (const Result* core = find(results, "l1-hit", "core"))
        targets["core_l1_hit_mps"] = {{"value", core->median_rate() / 1e6},
                                      {"target_min", kCoreTarget / 1e6},
                                      {"met", core->median_rate() >= kCoreTarget}};
    for (const std::string path : {"tlm", "tlm-dmi"}) {
        for (const Stream& s : streams) {
            const Result* tlm = find(results, s.name, path);
            if (!tlm || tlm->ratios.empty() || tlm_target(s.name) == 0) continue;
            const std::string key = (path == "tlm" ? "tlm_" : "tlm_dmi_") + s.name + "_ratio";
            targets[key] = {{"value", tlm->median_ratio()},
                            {"target_max", tlm_target(s.name)},
                            {"met", tlm->median_ratio() <= tlm_target(s.name)}};
        }
    }
    doc["targets"] = targets;

    std::ofstream out(file);
    if (!out) {
        error = file + ": cannot open for writing";
        return false;
    }
    out << doc.dump(2) << "\n";
    if (!out) {
        error = file + ": write failed";
        return false;
    }
    return true;
}

}  // namespace tlmmu::bench
