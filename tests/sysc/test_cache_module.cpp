// CacheModule between MmuModule and memory: the walker's reads and the data
// hit and miss as tlmmu::cache::Hierarchy says, the walk level reaches the
// statistics through the extension, the time adds up, and DMI is refused.
#include "testbench.h"

#include "tlmmu/cache/walk_port.h"
#include "tlmmu/sysc/cache_module.h"

using namespace tlmmu;
using namespace tlmmu::test;

namespace {

// Cpu -> MmuModule -> CacheModule -> MemoryModule (untimed: the hierarchy's
// cache.dram_latency is the memory's time). The tables carry A (and the leaf
// D) unless a test maps without them, so that walks make no A/D updates.
struct CachedBench {
    explicit CachedBench(cache::CacheConfig config = {}, sc_time memory_latency = sc_core::SC_ZERO_TIME)
        : cpu("cpu"),
          mmu("mmu", MmuConfig::skylake(), ns(1)),
          caches("caches", config, ns(1)),
          memory("memory", 64ull << 20, memory_latency, memory_latency),
          builder(memory.storage(), [this] {
              const uint64_t frame = next_table;
              next_table += 4096;
              return frame;
          }) {
        REQUIRE(sc_core::sc_get_status() == sc_core::SC_ELABORATION);
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
        cpu.qk.reset();
        cpu.socket.bind(mmu.in);
        mmu.mem.bind(caches.in);
        caches.out.bind(memory.in);
        root = builder.new_root();
    }
    void map(uint64_t va, uint64_t pa, uint64_t flags = pte::RW | pte::A | pte::D) {
        builder.map(root, va, pa, PageSize::k4, flags, pte::RW | pte::US | (flags & pte::A));
    }
    void boot() {
        sc_time delay;
        REQUIRE(mmu.write_efer(efer::LME | efer::NXE, delay).ok());
        REQUIRE(mmu.write_cr4(cr4::PAE, delay).ok());
        REQUIRE(mmu.write_cr3(root, delay).ok());
        REQUIRE(mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP, delay).ok());
    }
    void run_in(std::function<void()> program) { simulate(cpu, std::move(program)); }
    const cache::LevelStats& level(uint32_t i) const { return caches.caches().stats()[i]; }
    static std::size_t at(cache::Requester r) { return std::size_t(r); }

    Cpu cpu;
    sysc::MmuModule mmu;
    sysc::CacheModule caches;
    sysc::MemoryModule memory;
    uint64_t next_table = kTableRegion;
    PageTableBuilder builder;
    uint64_t root = 0;
};

}  // namespace

TEST_CASE("cache module: a cold walk and its data cost the hierarchy's latency, each read counted at its level") {
    CachedBench b;
    b.map(kVa, kPa);
    b.map(kVa + 0x1000, kPa + 0x1000);
    b.boot();
    Result cold, neighbour, again;
    b.run_in([&] {
        cold = b.cpu.read(kVa + 0x10);
        neighbour = b.cpu.read(kVa + 0x1010);
        again = b.cpu.read(kVa + 0x18);
    });
    REQUIRE(cold.ok());
    const MmuConfig& m = b.mmu.core().config();
    const cache::CacheConfig& c = b.caches.caches().config();
    const uint64_t lookups = m.l1d.latency + m.l2.latency + m.psc_latency;
    const uint64_t memory = c.levels[2].latency + c.dram_latency;  // 42 + 200
    // Four entries from memory, then the data line from memory.
    CHECK(cold.ext.cycles == lookups + 4 * memory);
    CHECK(cold.delay == ns(1) * double(lookups + 4 * memory + memory));
    // The neighbour: the PDE cache starts the walk at the PT, whose line
    // (eight PTEs) is in L1D; its data line is new.
    REQUIRE(neighbour.ok());
    CHECK(neighbour.ext.psc_level == 2);
    CHECK(neighbour.ext.cycles == lookups + c.levels[0].latency);
    CHECK(neighbour.delay == ns(1) * double(lookups + c.levels[0].latency + memory));
    // The first page again: an L1 TLB hit and an L1D hit on the data.
    REQUIRE(again.ok());
    CHECK(again.delay == ns(1) * double(m.l1d.latency + c.levels[0].latency));

    using cache::Requester;
    for (unsigned level = 2; level <= 4; ++level) {
        CHECK(b.level(0).misses[b.at(cache::walk_requester(int(level)))] == 1);
        CHECK(b.level(0).hits[b.at(cache::walk_requester(int(level)))] == 0);
    }
    CHECK(b.level(0).misses[b.at(cache::walk_requester(1))] == 1);
    CHECK(b.level(0).hits[b.at(cache::walk_requester(1))] == 1);
    CHECK(b.level(0).misses[b.at(Requester::load)] == 2);
    CHECK(b.level(0).hits[b.at(Requester::load)] == 1);  // DMI refused: the third read came through too
    CHECK(b.caches.caches().memory_reads() == 6);
}

TEST_CASE("cache module: walker reads hit and miss where the core's cached walk port says, level by level") {
    // Small levels so that page-table lines and data evict each other.
    cache::CacheConfig small;
    small.levels = {{"l1d", 4, 2, 4}, {"l2", 16, 2, 12}, {"llc", 64, 4, 40}};
    small.l1i = {"l1i", 4, 2, 4};
    small.dram_latency = 100;
    CachedBench b(small);
    // The reference: the core MMU over the same tables, its walker through
    // CachedWalkPort, each translated load through its own hierarchy.
    SparseMemory memory(64ull << 20);
    uint64_t next = kTableRegion;
    PageTableBuilder builder(memory, [&next] {
        const uint64_t f = next;
        next += 4096;
        return f;
    });
    DirectPhysicalAccess direct(memory, 20);
    cache::Hierarchy caches(small);
    cache::CachedWalkPort port(direct, caches);
    Mmu reference(MmuConfig::skylake(), port);
    const uint64_t root = builder.new_root();
    REQUIRE(root == b.root);
    // 96 pages: 32 consecutive, 32 one per 2 MiB, 32 one per GiB.
    std::vector<uint64_t> pages;
    for (uint64_t i = 0; i < 32; ++i) {
        pages.push_back(kVa + i * 0x1000);
        pages.push_back(kVa + (i + 1) * (2ull << 20));
        pages.push_back((i + 4) << 30);
    }
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const uint64_t pa = kPa + i * 0x1000;
        b.map(pages[i], pa);
        builder.map(root, pages[i], pa, PageSize::k4, pte::RW | pte::A | pte::D, pte::RW | pte::US | pte::A);
    }
    b.boot();
    REQUIRE(reference.write_efer(efer::LME | efer::NXE).ok());
    REQUIRE(reference.write_cr4(cr4::PAE).ok());
    REQUIRE(reference.write_cr3(root).ok());
    REQUIRE(reference.write_cr0(cr0::PE | cr0::PG | cr0::WP).ok());

    uint64_t tlm_cycles = 0, core_cycles = 0, tlm_reads = 0, core_reads = 0;
    b.run_in([&] {
        for (unsigned pass = 0; pass < 3; ++pass)
            for (uint64_t va : pages) {
                const Result r = b.cpu.read(va + 8 * pass);
                CHECK(r.ok());
                tlm_cycles += r.ext.cycles;
                tlm_reads += r.ext.pt_reads;
            }
    });
    for (unsigned pass = 0; pass < 3; ++pass)
        for (uint64_t va : pages) {
            const Translation t = reference.translate({va + 8 * pass, AccessType::read, false, false});
            REQUIRE(t.ok());
            caches.load(t.pa);
            core_cycles += t.cycles;
            core_reads += t.pt_reads;
        }
    CHECK(tlm_reads == core_reads);
    CHECK(tlm_reads > 3 * pages.size());  // the TLBs are too small: walks in every pass
    CHECK(tlm_cycles == core_cycles);
    const auto& got = b.caches.caches().stats();
    for (uint32_t level = 0; level < 3; ++level)
        for (std::size_t r = 0; r < cache::kRequesters; ++r) {
            INFO("level " << level << " requester " << cache::requester_name(cache::Requester(r)));
            CHECK(got[level].hits[r] == caches.stats()[level].hits[r]);
            CHECK(got[level].misses[r] == caches.stats()[level].misses[r]);
        }
    CHECK(got[0].evictions == caches.stats()[0].evictions);
    CHECK(got[0].evictions > 0);
    CHECK(b.caches.caches().memory_reads() == caches.memory_reads());
}

TEST_CASE("cache module: a locked A update is a read and a write of the line, timed as the core's port times it") {
    CachedBench b;
    b.map(kVa, kPa, pte::RW);  // no A anywhere: the walk sets it at every level
    b.boot();
    Result r;
    b.run_in([&] { r = b.cpu.read(kVa); });
    REQUIRE(r.ok());
    const MmuConfig& m = b.mmu.core().config();
    const cache::CacheConfig& c = b.caches.caches().config();
    const uint64_t memory = c.levels[2].latency + c.dram_latency;
    // Per level: the entry from memory, then the locked read and the locked
    // write, both hitting L1D; the same as CachedWalkPort's read-modify-write.
    CHECK(r.ext.ad_updates == 4);
    CHECK(r.ext.cycles == m.l1d.latency + m.l2.latency + m.psc_latency + 4 * (memory + 2 * c.levels[0].latency));
    for (int level = 1; level <= 4; ++level) {
        CHECK(b.level(0).misses[b.at(cache::walk_requester(level))] == 1);
        CHECK(b.level(0).hits[b.at(cache::walk_requester(level))] == 2);
    }
}

TEST_CASE("cache module: the walker enters at L2 when cache.walker_entry says so; fetches use the L1I") {
    cache::CacheConfig c;
    cache::apply_cache_setting(c, "cache.walker_entry", "l2");
    CachedBench b(c);
    b.map(kVa, kPa);
    b.boot();
    Result r;
    Request fetch;
    fetch.fetch = true;
    b.run_in([&] { r = b.cpu.read(kVa, 4, fetch); });
    REQUIRE(r.ok());
    for (int level = 1; level <= 4; ++level) {
        CHECK(b.level(0).misses[b.at(cache::walk_requester(level))] == 0);
        CHECK(b.level(1).misses[b.at(cache::walk_requester(level))] == 1);
    }
    CHECK_FALSE(b.caches.caches().contains(0, b.builder.entry_address(b.root, kVa, 1)));
    CHECK(b.caches.caches().contains(1, b.builder.entry_address(b.root, kVa, 1)));
    CHECK(b.caches.caches().l1i_stats().misses[b.at(cache::Requester::fetch)] == 1);
    CHECK(b.level(0).misses[b.at(cache::Requester::fetch)] == 0);
    CHECK(b.caches.caches().l1i_contains(kPa));
}

TEST_CASE("cache module: DMI is refused, and a timed memory behind it adds nothing to the hierarchy's latency") {
    CachedBench b({}, ns(20));
    b.map(kVa, kPa);
    b.boot();
    tlm::tlm_dmi dmi;
    bool granted = true;
    Result first, second;
    b.run_in([&] {
        granted = b.cpu.dmi(kVa, dmi);
        first = b.cpu.read(kVa);
        second = b.cpu.read(kVa + 8);
    });
    CHECK_FALSE(granted);
    CHECK_FALSE(dmi.is_read_allowed());
    REQUIRE(second.ok());
    const cache::CacheConfig& c = b.caches.caches().config();
    // The DMI request translated kVa (TLB filled); the reads are L1 TLB hits,
    // the data line comes from memory once, then hits L1D; never through a pointer.
    CHECK(first.delay == ns(1) * double(b.mmu.core().config().l1d.latency + c.levels[2].latency + c.dram_latency));
    CHECK(second.delay == ns(1) * double(b.mmu.core().config().l1d.latency + c.levels[0].latency));
    CHECK(b.level(0).hits[b.at(cache::Requester::load)] == 1);
    CHECK(b.level(0).misses[b.at(cache::Requester::load)] == 1);
}

TEST_CASE("cache module: a bad geometry is refused naming the key") {
    cache::CacheConfig c;
    c.levels[1].ways = 0;
    try {
        sysc::CacheModule m("caches", c);
        FAIL("accepted");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).rfind("cache.l2.ways", 0) == 0);
    }
}
