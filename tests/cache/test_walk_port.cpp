// The walker's port through the data caches: what a page walk costs and where
// its references land, on a real MMU walking real tables.
#include <catch2/catch.hpp>

#include "tlmmu/cache/walk_port.h"
#include "tlmmu/core/memory.h"
#include "tlmmu/core/page_table_builder.h"

using namespace tlmmu;
using namespace tlmmu::cache;

namespace {

struct CachedSystem {
    explicit CachedSystem(CacheConfig config = CacheConfig{})
        : memory(1ull << 30),
          direct(memory, 20),
          caches(std::move(config)),
          port(direct, caches),
          builder(memory, [this] { return allocate(); }),
          mmu(MmuConfig::skylake(), port) {
        root = allocate();
    }
    uint64_t allocate() {
        const uint64_t frame = next_table;
        next_table += 4096;
        return frame;
    }
    void boot() {
        REQUIRE(mmu.write_efer(efer::LME | efer::NXE).ok());
        REQUIRE(mmu.write_cr4(cr4::PAE).ok());
        REQUIRE(mmu.write_cr3(root).ok());
        REQUIRE(mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP).ok());
    }
    Translation read(uint64_t va) { return mmu.translate({va, AccessType::read, false, false}); }
    // Reads of walk level `level` served by cache level `served`.
    uint64_t served(unsigned level, uint32_t at) const { return caches.stats()[at].hits[size_t(walk_requester(level))]; }

    SparseMemory memory;
    DirectPhysicalAccess direct;
    Hierarchy caches;
    CachedWalkPort port;
    PageTableBuilder builder;
    Mmu mmu;
    uint64_t next_table = 0x100000;
    uint64_t root = 0;
};

}  // namespace

TEST_CASE("a cold walk misses to memory; the neighbouring page's PTE then hits in L1D") {
    CachedSystem s;
    s.builder.map(s.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    s.builder.map(s.root, 0x401000, 0x10001000, PageSize::k4, pte::RW);
    s.boot();
    const MmuConfig& m = s.mmu.config();
    const CacheConfig& c = s.caches.config();
    const uint64_t to_memory = c.levels[2].latency + c.dram_latency;
    const uint64_t locked_l1 = 2 * c.levels[0].latency;  // the A update: line already in L1D, then the write
    const uint64_t before_walk = m.l1d.latency + m.l2.latency + m.psc_latency;

    const Translation cold = s.read(0x400000);
    REQUIRE(cold.ok());
    CHECK(cold.pt_reads == 4);
    CHECK(cold.cycles == before_walk + 4 * to_memory + 4 * locked_l1);
    CHECK(s.caches.memory_reads() == 4);

    // The PDE cache skips to the PT; its line holds the PTEs of eight pages.
    const Translation warm = s.read(0x401000);
    REQUIRE(warm.ok());
    CHECK(warm.pt_reads == 1);
    CHECK(warm.cycles == before_walk + c.levels[0].latency + locked_l1);
    // In L1D: the cold walk's A update of the PTE, the second walk's read and A update.
    CHECK(s.served(1, 0) == 1 + 2);
    CHECK(s.caches.stats()[0].misses[size_t(walk_requester(1))] == 1);
    CHECK(s.caches.stats()[0].misses[size_t(walk_requester(4))] == 1);

    // The walk-latency histogram holds both walks.
    const MmuStats& st = s.mmu.stats();
    CHECK(st.walk_latency.count == 2);
    CHECK(st.walk_latency.max == m.psc_latency + 4 * to_memory + 4 * locked_l1);
    CHECK(st.walk_latency.buckets[m.psc_latency + c.levels[0].latency + locked_l1] == 1);
}

TEST_CASE("a walker entering at L2 leaves L1D to the program") {
    CacheConfig config;
    config.walker_entry = 1;
    CachedSystem s(config);
    s.builder.map(s.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    s.builder.map(s.root, 0x401000, 0x10001000, PageSize::k4, pte::RW);
    s.boot();
    const CacheConfig& c = s.caches.config();
    REQUIRE(s.read(0x400000).ok());
    const uint64_t pte = s.builder.entry_address(s.root, 0x400000, 1);
    CHECK_FALSE(s.caches.contains(0, pte));
    CHECK(s.caches.contains(1, pte));
    const Translation warm = s.read(0x401000);
    const MmuConfig& m = s.mmu.config();
    CHECK(warm.cycles == m.l1d.latency + m.l2.latency + m.psc_latency + 3 * c.levels[1].latency);
    CHECK(s.served(1, 1) == 3);  // both A updates and the second PTE read
    for (unsigned level = 1; level <= 4; ++level) CHECK(s.caches.stats()[0].hits[size_t(walk_requester(level))] == 0);
}

TEST_CASE("A/D updates dirty the page-table line; evicting it writes it back") {
    CacheConfig config;
    config.levels = {{"l1d", 1, 8, 4}, {"l2", 16, 8, 12}, {"llc", 64, 8, 40}};  // L1D: one set of eight lines
    CachedSystem s(config);
    s.builder.map(s.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    s.boot();
    REQUIRE(s.read(0x400000).ok());  // four table lines, each with its A bit set
    CHECK(s.caches.stats()[0].writebacks == 0);
    for (uint64_t i = 0; i < 8; ++i) s.caches.load(0x20000000 + 64 * i);  // eight clean data lines
    CHECK(s.caches.stats()[0].writebacks == 4);
    CHECK(s.caches.stats()[0].evictions == 4);

    // A walk whose A bits are already set reads its lines and leaves them clean.
    CachedSystem t(config);
    t.builder.map(t.root, 0x400000, 0x10000000, PageSize::k4, pte::RW | pte::A);
    for (unsigned level = 2; level <= 4; ++level) {
        const uint64_t slot = t.builder.entry_address(t.root, 0x400000, level);
        t.builder.write(slot, t.builder.read(slot) | pte::A);
    }
    t.boot();
    const Translation r = t.read(0x400000);
    REQUIRE(r.ok());
    CHECK(r.ad_updates == 0);
    for (uint64_t i = 0; i < 8; ++i) t.caches.load(0x20000000 + 64 * i);
    CHECK(t.caches.stats()[0].writebacks == 0);
}

TEST_CASE("bus errors and debug reads leave the caches alone") {
    CachedSystem s;
    s.builder.map(s.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    s.boot();
    const Translation d = s.mmu.translate_debug({0x400000, AccessType::read, false, false});
    CHECK(d.pa == 0x10000000);
    CHECK(s.caches.memory_reads() == 0);
    uint64_t value = 0, cycles = 0;
    CHECK_FALSE(s.port.read_entry(WalkStep{2ull << 30, 1, false, 0}, value, cycles));  // outside memory
    CHECK(cycles == 0);
    CHECK(s.caches.memory_reads() == 0);
}
