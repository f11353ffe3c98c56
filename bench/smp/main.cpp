// tlmmu_smp_bench: host speed of the machine core's remote invalidation of
// one page (IPI shootdown, INVLPGB + TLBSYNC) on N CPUs, each as a ratio to
// a local INVLPG on one CPU measured in the same run (docs/smp.md).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "tlmmu/machine/machine.h"

using namespace tlmmu;
using namespace tlmmu::machine;

namespace {

constexpr uint64_t kPage = 0x400000;

struct Rig {
    explicit Rig(unsigned cpus) : sys(config(cpus)), root(sys.builder.new_root()) {
        sys.builder.map(root, kPage, 0x10000000, PageSize::k4, pte::RW);
        if (!sys.boot_all(root)) {
            std::fprintf(stderr, "tlmmu_smp_bench: boot failed\n");
            std::exit(1);
        }
    }
    static SmpConfig config(unsigned cpus) {
        SmpConfig c;
        c.cpus = cpus;
        return c;
    }
    void fill_everywhere() {
        for (unsigned i = 0; i < sys.machine.size(); ++i) sys.machine.translate(i, {kPage, AccessType::read});
    }
    SmpSystem sys;
    uint64_t root;
};

// CPU time of this thread: on a shared host, other processes' load does not count.
double thread_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// Best of `rounds` timings of `ops` calls, in operations per CPU second.
double rate(uint64_t ops, unsigned rounds, const std::function<void()>& op) {
    double best = 0;
    for (unsigned r = 0; r < rounds; ++r) {
        const double t0 = thread_seconds();
        for (uint64_t i = 0; i < ops; ++i) op();
        best = std::max(best, double(ops) / (thread_seconds() - t0));
    }
    return best;
}

[[noreturn]] void usage(const std::string& problem) {
    std::fprintf(stderr,
                 "tlmmu_smp_bench: %s\n"
                 "usage: tlmmu_smp_bench [--quick] [--ops N] [--cpus N] [--only local|ipi|invlpgb|ipi-refill|invlpgb-refill]\n",
                 problem.c_str());
    std::exit(2);
}

uint64_t parse_count(const std::string& flag, const char* text) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text, &end, 0);
    if (!*text || *end || v == 0 || text[0] == '-') usage("bad value '" + std::string(text) + "' for " + flag);
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t ops = 1000000;
    unsigned cpus = 16, rounds = 3;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage("missing value after " + a);
            return argv[++i];
        };
        if (a == "--quick") {
            ops = 20000;
            rounds = 1;
        } else if (a == "--ops") ops = parse_count(a, value());
        else if (a == "--cpus") {
            const uint64_t n = parse_count(a, value());
            if (n > kMaxCpus) usage("--cpus " + std::to_string(n) + ": must be 1 to 64");
            cpus = unsigned(n);
        } else if (a == "--only") only = value();
        else usage("unknown option '" + a + "'");
    }
    const std::vector<std::string> kinds = {"local", "ipi", "invlpgb", "ipi-refill", "invlpgb-refill"};
    if (!only.empty() && std::find(kinds.begin(), kinds.end(), only) == kinds.end()) usage("unknown --only '" + only + "'");

    struct Row {
        std::string name;
        double rate;
    };
    std::vector<Row> rows;
    FlushRequest one_page;
    one_page.va = kPage;
    const InvlpgbOperands broadcast{kPage | invlpgb_flag::VA, 0, 0};
    auto want = [&](const std::string& k) { return only.empty() || only == k; };

    if (want("local")) {  // the baseline: INVLPG of one page on one CPU
        Rig r(1);
        Mmu& mmu = r.sys.machine.cpu(0).mmu;
        rows.push_back({"local INVLPG, 1 CPU", rate(ops, rounds, [&] { mmu.invlpg(kPage); })});
    }
    if (want("ipi")) {
        Rig r(cpus);
        r.fill_everywhere();
        Machine& m = r.sys.machine;
        rows.push_back({"IPI shootdown", rate(ops, rounds, [&] { m.shootdown(0, m.all_cpus(), one_page); })});
    }
    if (want("invlpgb")) {
        Rig r(cpus);
        r.fill_everywhere();
        Machine& m = r.sys.machine;
        rows.push_back({"INVLPGB + TLBSYNC", rate(ops, rounds, [&] {
                            m.invlpgb(0, broadcast);
                            m.tlbsync(0);
                        })});
    }
    // The same with the page cached again at every CPU before each invalidation
    // (the refill translations are part of the time).
    if (want("ipi-refill")) {
        Rig r(cpus);
        Machine& m = r.sys.machine;
        rows.push_back({"refill + IPI shootdown", rate(ops / 4 + 1, rounds, [&] {
                            r.fill_everywhere();
                            m.shootdown(0, m.all_cpus(), one_page);
                        })});
    }
    if (want("invlpgb-refill")) {
        Rig r(cpus);
        Machine& m = r.sys.machine;
        rows.push_back({"refill + INVLPGB + TLBSYNC", rate(ops / 4 + 1, rounds, [&] {
                            r.fill_everywhere();
                            m.invlpgb(0, broadcast);
                            m.tlbsync(0);
                        })});
    }

    const double base = rows.front().name.rfind("local", 0) == 0 ? rows.front().rate : 0;
    std::printf("Remote invalidation of one page, %u CPUs (host speed, per CPU second of this thread)\n", cpus);
    std::printf("%-28s %14s %10s %12s\n", "operation", "ops/s", "ns/op", "vs local");
    for (const Row& row : rows) {
        std::printf("%-28s %14.0f %10.1f", row.name.c_str(), row.rate, 1e9 / row.rate);
        if (base > 0) std::printf(" %12.3f\n", row.rate / base);
        else std::printf(" %12s\n", "-");
    }
    return 0;
}
