// tlmmu_cache_bench: trace replay with the data caches on, next to the same
// replay with them off, in one run (docs/caches.md quotes the figures). The
// input is the sample trace (traces/sort.lackey.xz), converted once to the
// uncompressed native format so that decompression does not hide the model's
// cost; the lackey file as shipped is timed too. Each configuration is
// replayed alternately, several times, and the fastest CPU time of each kept.
//
//   tlmmu_cache_bench [--quick] [--json FILE] [--dir DIR] [--trace FILE]
//   tlmmu_cache_bench --once on|off [--trace FILE]   one replay (for callgrind)
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tlmmu/replay/replay.h"
#include "tlmmu/trace/export.h"
#include "tlmmu/trace/open.h"

using nlohmann::ordered_json;
using namespace tlmmu;

namespace {

double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

replay::ReplayOptions options(bool caches) {
    replay::ReplayOptions o;
    o.cache.enabled = caches;
    return o;
}

struct Timing {
    double seconds = 0;  // fastest CPU time
    uint64_t accesses = 0;
    double walk_latency = 0;
    double rate() const { return seconds > 0 ? double(accesses) / seconds : 0.0; }
};

// Replays `trace` with the caches off and on, alternately, `rounds` times each.
std::pair<Timing, Timing> compare(const std::string& trace, unsigned rounds) {
    Timing t[2];
    for (unsigned r = 0; r < rounds; ++r) {
        for (int on = 0; on < 2; ++on) {
            const replay::ReplayOptions o = options(on);
            const double c0 = cpu_now();
            const replay::ReplayResult res = replay::replay({trace}, o);
            const double s = cpu_now() - c0;
            if (r == 0 || s < t[on].seconds) t[on].seconds = s;
            t[on].accesses = res.accesses;
            t[on].walk_latency = res.mmu.walk_latency.mean();
        }
    }
    return {t[0], t[1]};
}

// The sample trace as an uncompressed native trace at `path`.
void convert_to_native(const std::string& from, const std::string& path) {
    std::vector<trace::Stream> streams = trace::open_streams(from, "auto");
    auto out = trace::make_exporter(path, "native");
    std::vector<trace::Record> batch(4096);
    for (trace::Stream& s : streams)
        for (size_t n; (n = s.reader->read(batch.data(), batch.size()));) out->write(batch.data(), n);
    out->commit();
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    std::string json_path, dir = "out/cache-bench", sample = "traces/sort.lackey.xz", once;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick") quick = true;
        else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
        else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
        else if (a == "--trace" && i + 1 < argc) sample = argv[++i];
        else if (a == "--once" && i + 1 < argc) once = argv[++i];
        else {
            std::cerr << "usage: tlmmu_cache_bench [--quick] [--json FILE] [--dir DIR] [--trace FILE]\n"
                         "       tlmmu_cache_bench --once on|off [--trace FILE]\n";
            return 2;
        }
    }
    try {
        if (!once.empty()) {
            if (once != "on" && once != "off") throw std::runtime_error("--once " + once + ": expected on or off");
            const replay::ReplayResult r = replay::replay({sample}, options(once == "on"));
            std::printf("%llu accesses, walk latency %.2f\n", (unsigned long long)r.accesses, r.mmu.walk_latency.mean());
            return 0;
        }
        std::filesystem::create_directories(dir);
        const std::string native = dir + "/sample.tlt";
        convert_to_native(sample, native);
        const unsigned rounds = quick ? 1 : 5;

        std::printf("trace replay with the data caches on and off (%s; fastest of %u, CPU time)\n", sample.c_str(),
                    rounds);
        std::printf("%-22s %10s %14s %14s %8s %12s\n", "input", "accesses", "off M acc/s", "on M acc/s", "on/off",
                    "walk cycles");
        ordered_json rows = ordered_json::array();
        for (const auto& [name, path] : {std::make_pair(std::string("native (uncompressed)"), native),
                                         std::make_pair(std::string("lackey .xz"), sample)}) {
            const auto [off, on] = compare(path, rounds);
            const double ratio = off.rate() > 0 ? on.rate() / off.rate() : 0.0;
            std::printf("%-22s %10llu %14.2f %14.2f %8.2f %5.1f/%5.1f\n", name.c_str(),
                        (unsigned long long)on.accesses, off.rate() / 1e6, on.rate() / 1e6, ratio, off.walk_latency,
                        on.walk_latency);
            rows.push_back({{"input", name},
                            {"accesses", on.accesses},
                            {"off_accesses_per_second", off.rate()},
                            {"on_accesses_per_second", on.rate()},
                            {"on_over_off", ratio},
                            {"walk_latency_off", off.walk_latency},
                            {"walk_latency_on", on.walk_latency}});
        }
        if (!json_path.empty()) {
            std::ofstream out(json_path);
            out << ordered_json{{"tlmmu_cache_bench", 1}, {"trace", sample}, {"rounds", rounds}, {"rows", rows}}.dump(2)
                << "\n";
            if (!out) throw std::runtime_error("cannot write " + json_path);
        }
    } catch (const std::exception& e) {
        std::cerr << "tlmmu_cache_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
