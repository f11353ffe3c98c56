// Trace replay with the data caches: page walks and the trace's data share
// them; with cache.enabled=off the walker pays memory.latency per reference.
#include <catch2/catch.hpp>

#include "tlmmu/replay/replay.h"

using namespace tlmmu;
using replay::ReplayOptions;
using replay::ReplayResult;

namespace {
ReplayOptions options(bool caches) {
    ReplayOptions o;
    o.os.memory_bytes = 512ull << 20;
    o.cache.enabled = caches;
    return o;
}
uint64_t walk_references(const ReplayResult& r, unsigned level) {
    const std::size_t k = std::size_t(cache::walk_requester(int(level)));
    uint64_t n = r.cache.back().misses[k];
    for (const cache::LevelStats& l : r.cache) n += l.hits[k];
    return n;
}
double pte_memory_share(const ReplayResult& r) {
    return double(r.cache.back().misses[std::size_t(cache::walk_requester(1))]) / double(walk_references(r, 1));
}
}  // namespace

TEST_CASE("caches off: every walk costs its PSC lookup and memory.latency per reference") {
    ReplayOptions o = options(false);
    o.os.memory_latency = 30;
    const ReplayResult r = replay::replay({"synth:random,pages=2k,accesses=20k,seed=3"}, o);
    CHECK(r.cache.empty());
    const WalkStats& w = r.mmu.walk;
    REQUIRE(w.walks > 0);
    REQUIRE(w.restarts == 0);
    CHECK(r.mmu.walk_latency.count == w.walks);
    CHECK(r.mmu.walk_latency.sum == w.walks * o.mmu.psc_latency + 30 * w.pt_reads + 2 * 30 * w.ad_updates);
}

TEST_CASE("caches on: walk references and data land in the hierarchy, and walks cost its latency") {
    const char* trace = "synth:random,pages=2k,accesses=20k,seed=3,write_percent=30";
    const ReplayResult on = replay::replay({trace}, options(true));
    const ReplayResult off = replay::replay({trace}, options(false));
    // The caches change timing, not what the TLBs and walks see.
    CHECK(on.mmu.walk.walks == off.mmu.walk.walks);
    CHECK(on.mmu.walk.pt_reads == off.mmu.walk.pt_reads);
    CHECK(on.mmu.l1d.total_misses() == off.mmu.l1d.total_misses());
    REQUIRE(on.cache.size() == 3);
    uint64_t walk_refs = 0;
    for (unsigned l = 1; l <= 4; ++l) {
        CHECK(walk_references(on, l) == on.os.walk_reads[l] + on.os.walk_ad_updates[l]);
        walk_refs += walk_references(on, l);
    }
    CHECK(walk_refs == on.mmu.walk.pt_reads + on.mmu.walk.ad_updates);
    // Every load and store reaches L1D once (a 4 KiB-aligned synthetic access never crosses a page).
    const cache::LevelStats& l1 = on.cache[0];
    const std::size_t load = std::size_t(cache::Requester::load), store = std::size_t(cache::Requester::store);
    CHECK(l1.hits[load] + l1.misses[load] == on.loads);
    CHECK(l1.hits[store] + l1.misses[store] == on.stores);
    CHECK(on.stores > 0);
    // 2048 pages of PTEs fit in 32 KiB of L1D only partly, but upper levels hit:
    // the average walk is cheaper than 20 cycles a reference.
    CHECK(on.mmu.walk_latency.mean() < off.mmu.walk_latency.mean());
    // The same walks priced at the flat latency, counted in the cached run, are the uncached run.
    CHECK(on.flat_walk_latency_mean() == Approx(off.mmu.walk_latency.mean()));
    CHECK(on.mmu.walk_latency.sum != off.mmu.walk_latency.sum);
}

TEST_CASE("page-table lines compete with data: a small LLC loses them to the data") {
    // 4096 pages in a random cycle, four passes: beyond the L2 TLB, so every
    // access walks (the PDE cache leaves the PTE read). The 512 PTE lines
    // (32 KiB) alone would fit a 64 KiB LLC, but the 4096 data lines (256 KiB)
    // of a pass push many of them out between two uses. The default 8 MiB LLC
    // holds both: only the first touch of each PTE line goes to memory.
    const char* trace = "synth:chase,pages=4096,passes=4,seed=5";
    ReplayOptions o = options(true);
    const ReplayResult roomy = replay::replay({trace}, o);
    o.cache.levels = {{"l1d", 8, 8, 4}, {"l2", 32, 8, 12}, {"llc", 64, 16, 42}};  // 4, 16 and 64 KiB
    const ReplayResult tight = replay::replay({trace}, o);
    CHECK(roomy.mmu.walk.walks == tight.mmu.walk.walks);
    CHECK(pte_memory_share(roomy) < 0.05);
    CHECK(pte_memory_share(tight) > 5 * pte_memory_share(roomy));
    CHECK(tight.mmu.walk_latency.mean() > 2 * roomy.mmu.walk_latency.mean());
}

TEST_CASE("the walker entering at L2 sends no walk reference to L1D") {
    ReplayOptions o = options(true);
    o.cache.walker_entry = 1;
    const ReplayResult r = replay::replay({"synth:random,pages=512,accesses=5k,seed=2"}, o);
    for (unsigned l = 1; l <= 4; ++l) {
        const std::size_t k = std::size_t(cache::walk_requester(int(l)));
        CHECK(r.cache[0].hits[k] + r.cache[0].misses[k] == 0);
        CHECK(walk_references(r, l) > 0);
    }
}
