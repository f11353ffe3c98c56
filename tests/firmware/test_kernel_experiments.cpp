// The kernel experiments (vmalloc, ...): what the configuration makes exact
// is checked exactly, the rest by its direction.
#include <cmath>
#include <map>

#include "kernel_run.h"

using namespace tlmmu;
using namespace tlmmu::experiments;
using namespace tlmmu::experiments::test;

namespace {

const KernelRun& vmalloc_run() {
    // The data caches off: the touch comparison is about translation, and with
    // them on the two areas' data lines start out in different levels.
    static const KernelRun k = run_kernel({"vmalloc"}, {{"vmalloc.rounds", "6"}, {"vmalloc.lazy_max_pages", "256"}},
                                          {{"cache.enabled", "off"}});
    return k;
}

}  // namespace

TEST_CASE("vmalloc: every page touched takes one walk, the direct map almost none", "[kernel]") {
    const Table* t = vmalloc_run().results.table("vmalloc");
    REQUIRE(t);
    REQUIRE(t->rows.size() == 11);  // 4 KiB .. 4 MiB
    for (double bytes = 4096; bytes <= 4 << 20; bytes *= 2) {
        INFO(bytes << " bytes");
        // Two passes, every 4 KiB page fits the L2 TLB: one walk per page exactly.
        CHECK(t->at("vmalloc_walks_per_page", "bytes", bytes) == 1.0);
        CHECK(t->at("kmalloc_walks_per_page", "bytes", bytes) < 0.01);
        CHECK(t->at("vmalloc_touch_cycles_per_load", "bytes", bytes) > t->at("kmalloc_touch_cycles_per_load", "bytes", bytes));
        if (bytes >= 8192) CHECK(t->at("vmalloc_cycles", "bytes", bytes) > t->at("kmalloc_cycles", "bytes", bytes));
    }
    // Mapping page by page: the cost grows with the size.
    CHECK(t->at("vmalloc_cycles", "bytes", 4 << 20) > 100 * t->at("vmalloc_cycles", "bytes", 32768));
}

TEST_CASE("vfree: one flush per free, against one per batch of lazily freed pages", "[kernel]") {
    const Table* t = vmalloc_run().results.table("vfree");
    REQUIRE(t);
    const double rounds = 6, lazy_max = 256;
    for (double bytes = 4096; bytes <= 4 << 20; bytes *= 2) {
        INFO(bytes << " bytes");
        const double pages = bytes / 4096;
        // Eager: INVLPG per page up to 33 pages, one full flush per free above.
        if (pages <= 33) {
            CHECK(t->at("eager_invlpgs", "bytes", bytes) == rounds * pages);
            CHECK(t->at("eager_full_flushes", "bytes", bytes) == 0);
        } else {
            CHECK(t->at("eager_invlpgs", "bytes", bytes) == 0);
            CHECK(t->at("eager_full_flushes", "bytes", bytes) == rounds);
        }
        // Lazy: a purge whenever more than lazy_max pages wait, and one at the end.
        double purges = 0, waiting = 0;
        for (int r = 0; r < rounds; ++r) {
            waiting += pages;
            if (waiting > lazy_max) ++purges, waiting = 0;
        }
        if (waiting) ++purges;
        CHECK(t->at("lazy_purges", "bytes", bytes) == purges);
        CHECK(t->at("lazy_invlpgs", "bytes", bytes) + t->at("lazy_full_flushes", "bytes", bytes) > 0);
    }
    // Where a free flushes many pages, batching them is cheaper per round.
    CHECK(t->at("lazy_cycles_per_round", "bytes", 65536) < t->at("eager_cycles_per_round", "bytes", 65536));
}

TEST_CASE("a guest out of memory names the allocation and what was free", "[kernel]") {
    // 16 MiB of RAM, 12 of them for the buddy allocator: 16 MiB of demand-paged
    // stores cannot be served; the fault handler reports it instead of looping.
    const SuiteRun s = run_raw({"allocators"}, {{"allocators.fault_pages", "4096"}}, {{"ram_bytes", "16M"}});
    CHECK_FALSE(s.run.passed());
    CHECK(s.uart.find("panic: out of memory: demand-paged frame of 4096 bytes; 0 pages (0 KiB) free") != std::string::npos);
    CHECK(s.uart.find("@done status=panic") != std::string::npos);
}

namespace {

// Pages the first round touches: a mapping per block above the threshold,
// the heap's chunks (16-byte headers, 16-byte alignment) back to back below.
double first_round_pages(double size, double blocks, bool mmap) {
    const double chunk = std::ceil((size + 16) / 16) * 16;
    return mmap ? blocks * std::ceil(chunk / 4096) : std::ceil(blocks * chunk / 4096);
}

}  // namespace

TEST_CASE("malloc: a fault per page touched; the heap keeps its pages, mappings fault every round", "[kernel]") {
    const KernelRun k = run_kernel({"malloc"}, {{"malloc.rounds", "3"}});
    const Table* t = k.results.table("malloc");
    REQUIRE(t);
    REQUIRE(t->rows.size() == 10);
    const double rounds = 3, kept_pages = 32;  // a trimmed heap keeps its 128 KiB top pad
    for (size_t i = 0; i < t->rows.size(); ++i) {
        const double size = t->rows[i][t->column("bytes")], blocks = t->rows[i][t->column("blocks")];
        const bool mmap = t->words[i][t->column("path")] == "mmap";
        INFO(size << " bytes, " << t->words[i][t->column("path")]);
        CHECK(mmap == (std::ceil((size + 16) / 16) * 16 >= 128 * 1024));
        const double first = first_round_pages(size, blocks, mmap);
        CHECK(t->rows[i][t->column("first_faults")] == first);
        if (mmap) {
            CHECK(t->rows[i][t->column("later_faults")] == (rounds - 1) * first);
            CHECK(t->rows[i][t->column("mmap_calls")] == rounds * blocks);
            CHECK(t->rows[i][t->column("munmap_calls")] == rounds * blocks);
            CHECK(t->rows[i][t->column("later_faults_per_mib")] >= 256);
        } else {
            CHECK(t->rows[i][t->column("mmap_calls")] == 0);
            CHECK(t->rows[i][t->column("later_faults")] == (rounds - 1) * std::max(0.0, first - kept_pages));
            CHECK(t->rows[i][t->column("trims")] >= 1);
        }
    }
    // Below the threshold later rounds fault less than the first; above it as much.
    CHECK(t->at("later_faults_per_mib", "bytes", 1024) < t->at("first_faults_per_mib", "bytes", 1024));
    CHECK(t->at("later_faults_per_mib", "bytes", 262144) == t->at("first_faults_per_mib", "bytes", 262144));
}

TEST_CASE("malloc: a higher mmap threshold moves blocks to the heap and their later faults go", "[kernel]") {
    const KernelRun k = run_kernel({"malloc"}, {{"malloc.mmap_threshold", "1M"}, {"malloc.trim_threshold", "4M"},
                                                {"malloc.max_size", "256K"}, {"malloc.bytes", "256K"}});
    const Table* t = k.results.table("malloc");
    REQUIRE(t);
    REQUIRE(t->rows.size() == 8);
    for (size_t i = 0; i < t->rows.size(); ++i) {
        INFO(t->rows[i][t->column("bytes")] << " bytes");
        CHECK(t->words[i][t->column("path")] == "heap");
        // No trimming below 4 MiB of free top: every page stays for the later rounds.
        CHECK(t->rows[i][t->column("later_faults")] == 0);
        CHECK(t->rows[i][t->column("trims")] == 0);
    }
}

TEST_CASE("fork: COW faults equal the shared pages written; fork cost grows with the resident pages", "[kernel]") {
    const KernelRun k = run_kernel({"fork"}, {{"fork.max_pages", "256"}, {"fork.write_percent", "50"}, {"fork.shm_pages", "8"}});
    const Table* t = k.results.table("fork");
    REQUIRE(t);
    REQUIRE(t->rows.size() == 3);  // 16, 64, 256 pages
    for (double pages : {16.0, 64.0, 256.0}) {
        INFO(pages << " resident pages");
        CHECK(t->at("writes", "pages", pages) == pages / 2);
        CHECK(t->at("cow_faults", "pages", pages) == pages / 2);
        CHECK(t->at("cow_reuses", "pages", pages) == 0);  // the parent still holds every frame
        CHECK(t->at("leaked_pages", "pages", pages) == 0);
        // The second pass over the copied pages takes no fault.
        CHECK(t->at("rewrite_cycles_per_page", "pages", pages) < t->at("write_cycles_per_page", "pages", pages) / 10);
    }
    CHECK(t->at("fork_cycles", "pages", 256) > t->at("fork_cycles", "pages", 64));
    CHECK(t->at("fork_cycles", "pages", 64) > t->at("fork_cycles", "pages", 16));

    const Table* s = k.results.table("shm");
    REQUIRE(s);
    REQUIRE(s->rows.size() == 2);
    CHECK(s->at_word("pcid_a", "flush", "both-pcids") != s->at_word("pcid_b", "flush", "both-pcids"));
    CHECK(s->at_word("same_frames", "flush", "both-pcids") == 1);
    CHECK(s->at_word("same_frames", "flush", "current-pcid") == 1);
    // Flushing both PCIDs: every write after the protection faults once per page and mapping.
    CHECK(s->at_word("tracked_a", "flush", "both-pcids") == 8);
    CHECK(s->at_word("tracked_b", "flush", "both-pcids") == 8);
    CHECK(s->at_word("invpcids", "flush", "both-pcids") == 8);
    // Flushing only the current PCID: the other process writes through stale entries, unseen.
    CHECK(s->at_word("tracked_a", "flush", "current-pcid") == 8);
    CHECK(s->at_word("tracked_b", "flush", "current-pcid") == 0);
    CHECK(s->at_word("invpcids", "flush", "current-pcid") == 0);
}

TEST_CASE("fork: a child writing every page copies every page", "[kernel]") {
    const KernelRun k = run_kernel({"fork"}, {{"fork.max_pages", "64"}, {"fork.write_percent", "100"}, {"fork.shm_pages", "1"}});
    const Table* t = k.results.table("fork");
    REQUIRE(t);
    CHECK(t->at("cow_faults", "pages", 16) == 16);
    CHECK(t->at("cow_faults", "pages", 64) == 64);
    CHECK(t->at("leaked_pages", "pages", 64) == 0);
}

TEST_CASE("reclaim: Belady's anomaly for FIFO on the classic string, none for LRU", "[kernel]") {
    const KernelRun k = run_kernel({"reclaim"}, {{"reclaim.ws_pages", "16"}, {"reclaim.accesses", "200"}});
    const Table* b = k.results.table("belady");
    REQUIRE(b);
    auto faults = [&](const std::string& policy, double frames) {
        for (size_t i = 0; i < b->rows.size(); ++i)
            if (b->words[i][b->column("policy")] == policy && b->rows[i][b->column("frames")] == frames)
                return b->rows[i][b->column("faults")];
        FAIL("no Belady row " << policy << " " << frames);
        return 0.0;
    };
    CHECK(faults("fifo", 3) == 9);
    CHECK(faults("fifo", 4) == 10);  // more frames, more faults
    CHECK(faults("lru", 3) == 10);
    CHECK(faults("lru", 4) == 8);
}

TEST_CASE("reclaim: clock with a flush on clearing A never evicts a page touched since; without it does", "[kernel]") {
    const KernelRun k = run_kernel({"reclaim"}, {{"reclaim.ws_pages", "48"}, {"reclaim.accesses", "1200"},
                                                 {"reclaim.low_pages", "1"}, {"reclaim.high_pages", "2"}},
                                   {{"swap_latency", "5000"}});
    const Table* t = k.results.table("reclaim");
    REQUIRE(t);
    double noflush_wasted = 0;
    std::map<std::string, std::vector<double>> curve;  // faults by memory size, per policy
    for (size_t i = 0; i < t->rows.size(); ++i) {
        const std::string policy = t->words[i][t->column("policy")];
        const auto& row = t->rows[i];
        INFO(policy << " with " << row[t->column("frames")] << " frames");
        // Every fault brings in one page: from swap if it was there before, else zero-filled.
        CHECK(row[t->column("swap_ins")] <= row[t->column("faults")]);
        CHECK(row[t->column("swap_outs")] <= row[t->column("evictions")]);
        if (policy == "clock") {
            CHECK(row[t->column("wasted_evictions")] == 0);
            CHECK(row[t->column("a_flushes")] == row[t->column("a_clears")]);
        }
        if (policy == "clock-noflush") {
            CHECK(row[t->column("a_flushes")] == 0);
            noflush_wasted += row[t->column("wasted_evictions")];
        }
        if (policy == "fifo" || policy == "lru") CHECK(row[t->column("a_clears")] == 0);
        curve[policy].push_back(row[t->column("faults")]);
    }
    CHECK(noflush_wasted > 0);
    // The thrashing curve: fewer faults with more memory, for every policy.
    for (const auto& [policy, faults] : curve) {
        INFO(policy);
        REQUIRE(faults.size() >= 4);
        for (size_t i = 1; i < faults.size(); ++i) CHECK(faults[i] <= faults[i - 1]);
        CHECK(faults.front() > 2 * faults.back());
    }
    // The exact-LRU reference does at least as well as FIFO at every size.
    for (size_t i = 0; i < curve["lru"].size(); ++i) CHECK(curve["lru"][i] <= curve["fifo"][i]);
}

TEST_CASE("reclaim: swap latency shows in the cost of a fault, not in the fault count", "[kernel]") {
    const std::map<std::string, std::string> params = {{"reclaim.ws_pages", "16"}, {"reclaim.accesses", "300"}};
    const KernelRun fast = run_kernel({"reclaim"}, params, {{"swap_latency", "1000"}});
    const KernelRun slow = run_kernel({"reclaim"}, params, {{"swap_latency", "50000"}, {"swap_bytes_per_cycle", "0.5"}});
    const Table* f = fast.results.table("reclaim");
    const Table* s = slow.results.table("reclaim");
    REQUIRE(f);
    REQUIRE(s);
    REQUIRE(f->rows.size() == s->rows.size());
    for (size_t i = 0; i < f->rows.size(); ++i) {
        CHECK(f->rows[i][f->column("faults")] == s->rows[i][s->column("faults")]);
        if (f->rows[i][f->column("swap_ins")] > 0)
            CHECK(s->rows[i][s->column("cycles_per_access")] > f->rows[i][f->column("cycles_per_access")]);
    }
}

TEST_CASE("reclaim: the swap disk's waits are the same behind SystemC TLM sockets as wired directly", "[kernel]") {
    // The only systemc run of this process (SystemC elaborates once).
    const std::map<std::string, std::string> params = {{"reclaim.ws_pages", "16"}, {"reclaim.accesses", "300"}};
    const KernelRun direct = run_kernel({"reclaim"}, params);
    const KernelRun sysc = run_kernel({"reclaim"}, params, {{"backend", "systemc"}});
    const Table* d = direct.results.table("reclaim");
    const Table* s = sysc.results.table("reclaim");
    REQUIRE(d);
    REQUIRE(s);
    REQUIRE(d->rows == s->rows);
    CHECK(direct.suite.run.cycles == sysc.suite.run.cycles);
}
