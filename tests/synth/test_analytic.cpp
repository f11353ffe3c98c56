// The model replaying synthetic traces, checked against numbers derived by
// hand (formulas in traces/README.md). Configuration: L1D 64 entries (16 sets
// x 4 ways), L1I 128 entries (16 x 8), L2 1536 entries (128 x 12), all LRU;
// demand paging with 4 KiB pages unless a test says otherwise.
//
// Two facts of the replay shape every count: (1) a first touch is a demand
// fault: the faulting translation misses every TLB level and walks, the OS
// maps the page, and the retry misses and walks again, so each new page costs
// two misses and two walks; (2) TLB levels are not inclusive: a walk fills L2
// and the L1 of its kind, an L2 hit fills the L1.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tlmmu/replay/replay.h"
#include "tlmmu/core/config.h"
#include "tlmmu/os/os_model.h"

using namespace tlmmu;

namespace {

replay::ReplayResult run(const std::string& spec, const std::vector<std::string>& os_settings = {},
                         const std::vector<std::pair<std::string, std::string>>& mmu_settings = {}) {
    replay::ReplayOptions options;
    apply_setting(options.mmu, "l1d.arrays", "4k:16x4:lru 2m:8x4:lru 1g:1x4:lru");
    apply_setting(options.mmu, "l1i.arrays", "4k:16x8:lru 2m:1x8:lru");
    apply_setting(options.mmu, "l2.arrays", "4k+2m:128x12:lru 1g:4x4:lru");
    for (const auto& s : mmu_settings) apply_setting(options.mmu, s.first, s.second);
    validate(options.mmu);
    for (const std::string& s : os_settings) os::apply_os_setting(options.os, s);
    return replay::replay({spec}, options);
}

uint64_t l1d_misses(const replay::ReplayResult& r) { return r.mmu.l1d.total_misses(); }
uint64_t l2_misses(const replay::ReplayResult& r) { return r.mmu.l2.total_misses(); }

}  // namespace

TEST_CASE("sequential within L1D reach: one miss per page, then hits") {
    // P = 64 pages fill the 16 sets x 4 ways exactly; 5 passes.
    const auto r = run("synth:sequential,pages=64,passes=5");
    CHECK(r.accesses == 320);
    CHECK(r.os.demand_faults == 64);
    CHECK(l1d_misses(r) == 2 * 64);  // first pass only: fault + retry per page
    CHECK(r.mmu.walk.walks == 2 * 64);
    CHECK(r.mmu.l1d.total_hits() == 320 - 64);
}

TEST_CASE("sequential beyond L1D reach thrashes LRU: every access misses L1D") {
    // P = 128 pages: 8 per L1D set > 4 ways, cyclic order -> LRU always evicts the
    // page needed next. The 128 pages fit L2 (1 per set), so L2 misses only on first touch.
    const uint64_t P = 128, K = 4;
    const auto r = run("synth:sequential,pages=128,passes=4");
    CHECK(r.os.demand_faults == P);
    CHECK(l1d_misses(r) == P * K + P);
    CHECK(l2_misses(r) == 2 * P);
    CHECK(r.mmu.walk.walks == 2 * P);
    CHECK(r.mmu.l2.total_hits() == P * K - P);
}

TEST_CASE("sequential beyond L2 reach: one walk per access") {
    // P = 2048 pages: 16 per L2 set > 12 ways.
    const uint64_t P = 2048, K = 3;
    const auto r = run("synth:sequential,pages=2048,passes=3");
    CHECK(r.os.demand_faults == P);
    CHECK(l1d_misses(r) == P * K + P);
    CHECK(l2_misses(r) == P * K + P);
    CHECK(r.mmu.walk.walks == P * K + P);
    CHECK(r.mmu.l2.total_hits() == 0);
}

TEST_CASE("sequential exactly at L2 reach keeps every page") {
    // P = 1536 = 128 sets x 12 ways: L1D thrashes, L2 holds everything.
    const uint64_t P = 1536, K = 3;
    const auto r = run("synth:sequential,pages=1536,passes=3");
    CHECK(l1d_misses(r) == P * K + P);
    CHECK(r.mmu.walk.walks == 2 * P);
}

TEST_CASE("accesses within a page hit after the first") {
    // 64-byte stride: 64 accesses per page; 256 pages, one pass.
    const auto r = run("synth:sequential,pages=256,stride=64");
    CHECK(r.accesses == 256 * 64);
    CHECK(l1d_misses(r) == 2 * 256);
    CHECK(r.mmu.l1d.total_hits() == 256 * 63);
}

TEST_CASE("a 4 KiB stride beyond reach misses on every access") {
    // stride 4 KiB = sequential pages; 4096 pages > L2 reach, 2 passes.
    const uint64_t N = 4096, K = 2;
    const auto r = run("synth:stride,stride=4k,count=4096,passes=2");
    CHECK(r.mmu.walk.walks == N * K + N);
    // An 8 KiB stride uses every other page number: half the L2 sets, 8 KiB apart
    // -> 2048 pages over 64 sets = 32 per set > 12: still one walk per access.
    const auto s = run("synth:stride,stride=8k,count=2048,passes=2");
    CHECK(s.mmu.walk.walks == 2048 * 2 + 2048);
}

TEST_CASE("2 MiB pages divide the walks by 512") {
    // 64 MiB touched once page by page: 16384 4 KiB pages or 32 2 MiB pages.
    const auto small = run("synth:sequential,pages=16384", {"page_size=4k"});
    const auto large = run("synth:sequential,pages=16384", {"page_size=2m"});
    CHECK(small.os.demand_faults == 16384);
    CHECK(large.os.demand_faults == 32);
    CHECK(large.os.mapped[1] == 32);
    CHECK(small.mmu.walk.walks == 2 * 16384);
    CHECK(large.mmu.walk.walks == 2 * 32);
    CHECK(small.mmu.walk.walks == 512 * large.mmu.walk.walks);
}

TEST_CASE("pointer chase: a cycle through N pages is exact under LRU") {
    // N = 1024: 64 per L1D set (thrash), 8 per L2 set (fits): L1D misses every
    // access, walks only on first touch.
    {
        const uint64_t N = 1024, K = 3;
        const auto r = run("synth:chase,pages=1024,passes=3,seed=7");
        CHECK(r.os.demand_faults == N);
        CHECK(l1d_misses(r) == N * K + N);
        CHECK(r.mmu.walk.walks == 2 * N);
    }
    // N = 4096 > L2 reach (32 per set): every access walks, whatever the seed.
    for (const char* spec : {"synth:chase,pages=4096,passes=2,seed=1", "synth:chase,pages=4096,passes=2,seed=99"}) {
        const auto r = run(spec);
        CHECK(r.mmu.walk.walks == 4096 * 2 + 4096);
    }
    // N = 48 fits L1D (3 per set): misses on first touch only.
    const auto r = run("synth:chase,pages=48,passes=10,seed=3");
    CHECK(l1d_misses(r) == 2 * 48);
}

TEST_CASE("uniform random over N pages >> reach misses with probability 1 - reach/N") {
    // N = 16384 pages, 300000 accesses, seed 5. In steady state an LRU set holds
    // `ways` distinct pages of its N/sets and the next page is uniform and
    // independent, so P(L1D hit) = 64/N exactly; L1D misses = faults (the
    // faulting attempts) + accesses * (1 - 64/N), up to the fill-up of the
    // first 64 accesses. Binomial sd of the hits: sqrt(300000 * 64/N) ~ 34;
    // tolerance 5 sd.
    const double N = 16384, A = 300000;
    const auto r = run("synth:random,pages=16384,accesses=300000,seed=5");
    const double faults = double(r.os.demand_faults);
    const double expected_l1d_hits = A * 64 / N;  // 1171.9
    CHECK(double(r.mmu.l1d.total_hits()) == Approx(expected_l1d_hits).margin(5 * 34.2));
    CHECK(double(l1d_misses(r)) == Approx(faults + A - expected_l1d_hits).margin(5 * 34.2));
    // Walks: the page is in neither L1D nor L2. L2 alone would give 1536/N; the
    // L1D adds at most 64/N (pages both hold count once):
    // faults + A * (1 - 1600/N) <= walks <= faults + A * (1 - 1536/N), +- 5 sd
    // of the L2 hits (sqrt(A p (1-p)) ~ 160, p = 1536/N); the fill-up of the
    // L2 over its first ~1536 accesses costs fewer than 150 hits more.
    const double walks = double(r.mmu.walk.walks);
    CHECK(walks >= faults + A * (1 - 1600 / N) - 5 * 160);
    CHECK(walks <= faults + A * (1 - 1536 / N) + 5 * 160 + 150);
    // Every page is touched once: N (1 - e^(-A/N)) = 16384 - 0.2.
    CHECK(faults == Approx(N).margin(3));
}

TEST_CASE("hot/cold mix: the hot set stays resident") {
    // 16 hot pages (1 per L1D set) get 90% of 200000 accesses; 65536 cold pages the rest.
    // A hot access misses L1D only if its page was evicted: 4 ways per set, and
    // between two hot accesses to the same page its set sees few cold pages
    // (cold accesses spread over 16 sets), so hot misses are rare. Cold accesses
    // hit with probability ~(ways - 1)/(N_cold/16) < 0.001.
    const auto r = run("synth:mixed,hot=16,cold=65536,hot_percent=90,accesses=200000,seed=8");
    const double cold_accesses = 0.1 * 200000;
    // L1D misses ~ cold accesses + their faults (+ a few hot evictions): within 5%.
    CHECK(double(l1d_misses(r)) == Approx(cold_accesses + double(r.os.demand_faults)).epsilon(0.05));
}

TEST_CASE("instruction fetches make MPKI defined") {
    // One fetch per data access in a 1-page loop: instructions = accesses / 2.
    const uint64_t P = 128, K = 4;
    const auto r = run("synth:sequential,pages=128,passes=4,fetch=1,code_pages=1");
    CHECK(r.instructions == P * K);
    CHECK(r.accesses == 2 * P * K);
    CHECK(r.mmu.l1i.total_misses() == 2);  // the code page: fault + retry
    CHECK(l1d_misses(r) == P * K + P);
    // L1D MPKI = 1000 (P K + P) / (P K) = 1250.
    CHECK(r.per_kilo_instruction(l1d_misses(r)) == Approx(1250.0));
}
