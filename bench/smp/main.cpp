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

#include "command_line.h"
#include "tlmmu/machine/machine.h"

using namespace tlmmu;
using namespace tlmmu::machine;

namespace {

constexpr uint64_t kPage = 0x400000;

struct Rig {
    Rig(const SmpConfig& smp, const MmuConfig& mmu, unsigned cpus) : sys(with_cpus(smp, cpus), mmu), root(sys.builder.new_root()) {
        sys.builder.map(root, kPage, 0x10000000, PageSize::k4, pte::RW);
        if (!sys.boot_all(root)) {
            std::fprintf(stderr, "tlmmu_smp_bench: boot failed\n");
            std::exit(1);
        }
    }
    static SmpConfig with_cpus(SmpConfig c, unsigned cpus) {
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

}  // namespace

int main(int argc, char** argv) {
    uint64_t ops = 1000000;
    unsigned rounds = 3;
    bool quick = false;
    std::string only;
    SmpConfig smp;
    smp.cpus = 16;
    MmuConfig mmu = MmuConfig::skylake();
    tools::CommandLine cli("tlmmu_smp_bench",
                           "Host speed of the machine core's remote invalidation of one page (IPI shootdown,\n"
                           "INVLPGB + TLBSYNC) on N CPUs, each as a ratio to a local INVLPG on one CPU measured\n"
                           "in the same run (docs/smp.md). --set takes MMU and smp.* settings.");
    cli.settings(settings::Target().bind(mmu_settings(), mmu).bind(smp_settings(), smp));
    cli.app().add_flag("--quick", quick, "20000 operations, one round (smoke test)");
    cli.count("--ops", ops, "operations per timing (default 1000000)");
    cli.shortcut("--cpus", "smp.cpus", "CPUs (default 16; the setting smp.cpus)");
    cli.app()
        .add_option("--only", only, "run one kind only")
        ->check(CLI::IsMember({"local", "ipi", "invlpgb", "ipi-refill", "invlpgb-refill"}))
        ->type_name("KIND");
    if (const int status = cli.parse(argc, argv); status >= 0) return status;
    if (ops == 0) return cli.usage_error("--ops: must be at least 1");
    if (quick) {
        ops = 20000;
        rounds = 1;
    }
    const unsigned cpus = smp.cpus;

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
        Rig r(smp, mmu, 1);
        Mmu& mmu = r.sys.machine.cpu(0).mmu;
        rows.push_back({"local INVLPG, 1 CPU", rate(ops, rounds, [&] { mmu.invlpg(kPage); })});
    }
    if (want("ipi")) {
        Rig r(smp, mmu, cpus);
        r.fill_everywhere();
        Machine& m = r.sys.machine;
        rows.push_back({"IPI shootdown", rate(ops, rounds, [&] { m.shootdown(0, m.all_cpus(), one_page); })});
    }
    if (want("invlpgb")) {
        Rig r(smp, mmu, cpus);
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
        Rig r(smp, mmu, cpus);
        Machine& m = r.sys.machine;
        rows.push_back({"refill + IPI shootdown", rate(ops / 4 + 1, rounds, [&] {
                            r.fill_everywhere();
                            m.shootdown(0, m.all_cpus(), one_page);
                        })});
    }
    if (want("invlpgb-refill")) {
        Rig r(smp, mmu, cpus);
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
