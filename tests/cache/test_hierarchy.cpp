#include <catch2/catch.hpp>

#include "tlmmu/cache/cache.h"
#include "tlmmu/core/config.h"

using namespace tlmmu::cache;

namespace {
// Small levels so conflicts are easy to build: L1D and L1I 4 sets x 2 ways, L2 8 x 2, LLC 16 x 4.
CacheConfig small() {
    CacheConfig c;
    c.levels = {{"l1d", 4, 2, 4}, {"l2", 8, 2, 12}, {"llc", 16, 4, 40}};
    c.l1i = {"l1i", 4, 2, 3};
    c.dram_latency = 100;
    return c;
}
constexpr uint32_t kMemory = 3;
}  // namespace

TEST_CASE("eight 8-byte page-table entries share one 64-byte line") {
    Hierarchy h(small());
    uint32_t level = 0;
    CHECK(h.access(0x1000, walk_requester(1), false, 0, &level) == 140);
    CHECK(level == kMemory);
    for (uint64_t pte = 1; pte < 8; ++pte) {
        CHECK(h.access(0x1000 + 8 * pte, walk_requester(1), false, 0, &level) == 4);
        CHECK(level == 0);
    }
    CHECK(h.access(0x1040, walk_requester(1), false, 0, &level) == 140);
    CHECK(h.stats()[0].hits[0] == 7);
    CHECK(h.stats()[0].misses[0] == 2);
}

TEST_CASE("each level evicts its least recently used line") {
    Hierarchy h(small());
    const uint64_t stride_l1 = 4 * 64;  // same L1 set
    h.load(0 * stride_l1);
    h.load(1 * stride_l1);
    h.load(0 * stride_l1);  // line 0 now most recent
    h.load(2 * stride_l1);  // evicts line 1 from L1
    CHECK(h.contains(0, 0));
    CHECK_FALSE(h.contains(0, stride_l1));
    CHECK(h.contains(0, 2 * stride_l1));
    uint32_t level = 0;
    CHECK(h.access(stride_l1, Requester::load, false, 0, &level) == 12);  // still in L2
    CHECK(level == 1);

    // L2 and LLC, each probed directly (entering at that level) so the levels
    // above do not filter the references.
    for (uint32_t lv : {1u, 2u}) {
        Hierarchy hl(small());
        const LevelConfig& cfg = hl.config().levels[lv];
        const uint64_t stride = uint64_t(cfg.sets) * 64;
        for (uint64_t i = 0; i < cfg.ways; ++i) hl.access(i * stride, Requester::load, false, lv);
        hl.access(0, Requester::load, false, lv);                     // line 0 most recent, line 1 oldest
        hl.access(cfg.ways * stride, Requester::load, false, lv);     // evicts line 1
        CHECK(hl.contains(lv, 0));
        CHECK_FALSE(hl.contains(lv, stride));
        for (uint64_t i = 2; i <= cfg.ways; ++i) CHECK(hl.contains(lv, i * stride));
    }

    // A hit in L1 does not refresh the line's age in L2 (L2 sees only L1 misses).
    Hierarchy h2(small());
    const uint64_t stride_l2 = 8 * 64;  // same L2 set and same L1 set
    h2.load(0);
    h2.load(stride_l2);
    h2.load(0);              // L1 hit: L2 still holds 0 as its oldest line
    h2.load(2 * stride_l2);  // L1 evicts stride_l2; L2 evicts 0
    CHECK_FALSE(h2.contains(1, 0));
    CHECK(h2.contains(0, 0));
    CHECK(h2.access(stride_l2, Requester::load, false, 0, &level) == 12);
    CHECK(level == 1);
}

TEST_CASE("statistics are split by requester") {
    Hierarchy h(small());
    h.access(0x2000, walk_requester(4), false);
    h.access(0x2008, walk_requester(4), false);
    h.access(0x3000, walk_requester(1), false);
    h.load(0x4000);
    h.store(0x4008);
    h.fetch(0x5000);
    const LevelStats& l1 = h.stats()[0];
    CHECK(l1.misses[size_t(walk_requester(4))] == 1);
    CHECK(l1.hits[size_t(walk_requester(4))] == 1);
    CHECK(l1.misses[size_t(walk_requester(1))] == 1);
    CHECK(l1.misses[size_t(Requester::load)] == 1);
    CHECK(l1.hits[size_t(Requester::store)] == 1);
    CHECK(l1.misses[size_t(Requester::fetch)] == 0);  // fetches have their own L1I
    CHECK(h.l1i_stats().misses[size_t(Requester::fetch)] == 1);
    CHECK(l1.hits[size_t(Requester::load)] == 0);
    CHECK(h.memory_reads() == 4);
}

TEST_CASE("dirty lines are written back level by level, clean ones are not") {
    Hierarchy h(small());
    const uint64_t s = 4 * 64;
    h.store(0);
    h.load(s);
    h.load(2 * s);  // evicts dirty line 0 from L1 into L2
    CHECK(h.stats()[0].writebacks == 1);
    CHECK(h.stats()[0].evictions == 1);
    h.load(3 * s);  // evicts clean line s
    CHECK(h.stats()[0].writebacks == 1);
    CHECK(h.stats()[0].evictions == 2);
    CHECK(h.memory_writes() == 0);

    // A single-level hierarchy writes dirty victims to memory.
    CacheConfig one;
    one.levels = {{"l1d", 1, 1, 4}};
    Hierarchy m(one);
    m.store(0);
    m.load(64);
    m.load(128);
    CHECK(m.memory_writes() == 1);
}

TEST_CASE("the walker can enter at L2") {
    Hierarchy h(small());
    h.access(0x1000, walk_requester(2), false, 1);
    CHECK_FALSE(h.contains(0, 0x1000));
    CHECK(h.contains(1, 0x1000));
    CHECK(h.access(0x1008, walk_requester(2), false, 1) == 12);
}

TEST_CASE("invalid geometry is refused naming the key") {
    auto refused = [](CacheConfig c, const std::string& key) {
        try {
            validate(c);
        } catch (const tlmmu::ConfigError& e) {
            return std::string(e.what()).rfind(key, 0) == 0;
        }
        return false;
    };
    CacheConfig c = small();
    c.line_bytes = 48;
    CHECK(refused(c, "cache.line"));
    c = small();
    c.levels[1].ways = 0;
    CHECK(refused(c, "cache.l2.ways"));
    c = small();
    c.levels[2].sets = 12;
    CHECK(refused(c, "cache.llc.sets"));
    c = small();
    c.inclusive = true;
    c.levels[0].sets = 64;  // 8 KiB L1 above a 1 KiB L2
    CHECK(refused(c, "cache.l1d.sets"));
    c = small();
    c.walker_entry = 2;
    CHECK(refused(c, "cache.walker_entry"));
    CHECK_NOTHROW(validate(CacheConfig{}));
}

TEST_CASE("an inclusive hierarchy drops from L1D what L2 evicts") {
    CacheConfig c = small();
    c.levels[0].sets = 2;  // 256 bytes above a 1 KiB L2
    c.inclusive = true;
    Hierarchy h(c);
    const uint64_t stride_l2 = 8 * 64;  // same L2 set, same L1 set
    h.store(0);                         // dirty in L1D only
    h.load(stride_l2);
    h.load(0);                          // L1 hit: L2 does not see it, 0 stays its oldest line
    h.load(2 * stride_l2);              // L2 evicts 0, so L1D must drop it too
    CHECK_FALSE(h.contains(0, 0));
    CHECK_FALSE(h.contains(1, 0));
    CHECK(h.stats()[0].back_invalidations == 1);
    CHECK(h.stats()[1].writebacks == 1);  // the dirty L1D copy went down with it
    CHECK(h.contains(2, 0));

    // The same sequence, non-inclusive, keeps the L1D copy.
    c.inclusive = false;
    Hierarchy n(c);
    n.store(0);
    n.load(stride_l2);
    n.load(0);
    n.load(2 * stride_l2);
    CHECK(n.contains(0, 0));
    CHECK(n.stats()[0].back_invalidations == 0);
}

TEST_CASE("each level takes its replacement policy from the TLBs' policies") {
    // One set of four ways filled 0..3, then lines 1, 0, 3 used again: true
    // LRU evicts 2; the PLRU tree, pointed away from 3 at the root and away
    // from 0 below, evicts 1.
    auto victim_after = [](tlmmu::ReplacementPolicy policy) {
        CacheConfig c;
        c.levels = {{"l1d", 1, 4, 4, policy}};
        Hierarchy h(c);
        for (uint64_t i = 0; i < 4; ++i) h.load(64 * i);
        for (uint64_t i : {1, 0, 3}) h.load(64 * i);
        h.load(64 * 4);  // evicts one line
        for (uint64_t i = 0; i < 4; ++i)
            if (!h.contains(0, 64 * i)) return int(i);
        return -1;
    };
    CHECK(victim_after(tlmmu::ReplacementPolicy::lru) == 2);
    CHECK(victim_after(tlmmu::ReplacementPolicy::tree_plru) == 1);
    const int random = victim_after(tlmmu::ReplacementPolicy::random);
    CHECK(random >= 0);
    CHECK(random == victim_after(tlmmu::ReplacementPolicy::random));  // seeded: the same every run
}

TEST_CASE("cache.* settings go through the registry and name the key when refused") {
    CacheConfig c;
    apply_cache_setting(c, "cache.l2.sets", "2048");
    apply_cache_setting(c, "cache.llc.policy", "plru");
    apply_cache_setting(c, "cache.walker_entry", "l2");
    apply_cache_setting(c, "cache.enabled", "off");
    CHECK(c.levels[1].sets == 2048);
    CHECK(c.levels[2].policy == tlmmu::ReplacementPolicy::tree_plru);
    CHECK(c.walker_entry == 1);
    CHECK_FALSE(c.enabled);
    auto message = [](const std::string& key, const std::string& value) {
        CacheConfig x;
        try {
            apply_cache_setting(x, key, value);
        } catch (const tlmmu::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message("cache.l1d.sets", "48").rfind("cache.l1d.sets", 0) == 0);
    CHECK(message("cache.line", "100").rfind("cache.line", 0) == 0);
    CHECK(message("cache.l1d.policy", "fifo").rfind("cache.l1d.policy", 0) == 0);
    CHECK(message("cache.l1d.wayz", "4").find("did you mean 'cache.l1d.ways'") != std::string::npos);
}

TEST_CASE("fetches go through their own L1I, which misses to L2") {
    Hierarchy h(small());
    uint32_t level = 0;
    CHECK(h.fetch(0x5000) == 140);  // cold: LLC latency + memory
    CHECK(h.l1i_contains(0x5000));
    CHECK_FALSE(h.contains(0, 0x5000));  // L1D is left alone
    CHECK(h.contains(1, 0x5000));
    CHECK(h.access(0x5038, Requester::fetch, false, 0, &level) == 3);  // same line: an L1I hit
    CHECK(level == kL1I);
    CHECK(h.l1i_stats().hits[size_t(Requester::fetch)] == 1);
    CHECK(h.l1i_stats().misses[size_t(Requester::fetch)] == 1);

    // Code and data no longer evict each other in L1: three data lines in the
    // code line's L1 set leave the code in L1I.
    const uint64_t stride_l1 = 4 * 64;
    for (uint64_t i = 1; i <= 3; ++i) h.load(0x5000 + i * stride_l1);
    CHECK(h.l1i_contains(0x5000));
    CHECK(h.fetch(0x5000) == 3);

    // L1I LRU: a third code line in the set evicts the older one; it comes back from L2.
    h.fetch(0x5000 + 4 * stride_l1 * 2);  // a different L2 set, same L1 set
    h.fetch(0x5000);                      // most recent again
    h.fetch(0x5000 + 4 * stride_l1 * 3);  // evicts 0x5000 + 8 * stride_l1
    CHECK(h.l1i_contains(0x5000));
    CHECK_FALSE(h.l1i_contains(0x5000 + 8 * stride_l1));
    CHECK(h.fetch(0x5000 + 8 * stride_l1, &level) == 12);
    CHECK(level == 1);
    CHECK(h.l1i_stats().evictions == 2);

    // cache.l1i.enabled=off: fetches share L1D as data does.
    CacheConfig shared = small();
    shared.l1i_enabled = false;
    Hierarchy s(shared);
    s.fetch(0x5000);
    CHECK(s.contains(0, 0x5000));
    CHECK_FALSE(s.has_l1i());
    CHECK(s.stats()[0].misses[size_t(Requester::fetch)] == 1);
}

TEST_CASE("an inclusive hierarchy drops from L1I what L2 evicts") {
    CacheConfig c = small();
    c.inclusive = true;
    c.levels[0].sets = 2;
    c.l1i.sets = 2;
    Hierarchy h(c);
    const uint64_t stride_l2 = 8 * 64;
    h.fetch(0);
    h.load(stride_l2);
    h.load(2 * stride_l2);  // L2's set 0 held 0 and stride_l2: 0 goes, from L1I too
    CHECK_FALSE(h.contains(1, 0));
    CHECK_FALSE(h.l1i_contains(0));
    CHECK(h.l1i_stats().back_invalidations == 1);

    c.l1i.sets = 64;  // 8 KiB L1I above a 1 KiB L2
    try {
        validate(c);
        FAIL("an L1I larger than L2 was accepted");
    } catch (const tlmmu::ConfigError& e) {
        CHECK(std::string(e.what()).rfind("cache.l1i.sets: an inclusive hierarchy needs l1i (8192 bytes) no larger than l2 (1024 bytes)", 0) == 0);
    }
}

TEST_CASE("cache.l1i.* settings: Skylake defaults, applied and refused by key") {
    CacheConfig c;
    CHECK(c.size_bytes(c.l1i) == 32 * 1024);
    CHECK(c.l1i.ways == 8);
    CHECK(c.l1i_enabled);
    apply_cache_setting(c, "cache.l1i.sets", "128");
    apply_cache_setting(c, "cache.l1i.ways", "4");
    apply_cache_setting(c, "cache.l1i.latency", "5");
    apply_cache_setting(c, "cache.l1i.policy", "plru");
    apply_cache_setting(c, "cache.l1i.enabled", "off");
    CHECK(c.l1i.sets == 128);
    CHECK(c.l1i.ways == 4);
    CHECK(c.l1i.latency == 5);
    CHECK(c.l1i.policy == tlmmu::ReplacementPolicy::tree_plru);
    CHECK_FALSE(c.l1i_enabled);
    try {
        apply_cache_setting(c, "cache.l1i.sets", "100");
        FAIL("accepted");
    } catch (const tlmmu::ConfigError& e) {
        CHECK(std::string(e.what()).rfind("cache.l1i.sets", 0) == 0);
    }
}
