#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "fixture.h"

using namespace tlmmu;
using tlmmu::test::Machine;

TEST_CASE("a cold translation costs both TLB lookups, the PSC lookup, four reads and four A updates") {
    Machine m;
    m.builder.map(m.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    m.boot();
    const MmuConfig& c = m.mmu.config();
    const Translation t = m.read(0x400abc);
    REQUIRE(t.ok());
    CHECK(t.pa == 0x10000abc);
    CHECK(t.source == Source::walk);
    CHECK(t.pt_reads == 4);
    CHECK(t.ad_updates == 4);
    CHECK(t.cycles == c.l1d.latency + c.l2.latency + c.psc_latency + 4 * 20 + 4 * 2 * 20);
    const Translation again = m.read(0x400000);
    CHECK(again.source == Source::l1);
    CHECK(again.cycles == c.l1d.latency);
}

TEST_CASE("5-level paging walks five levels") {
    Machine m(MmuConfig::skylake(), 5);
    m.builder.map(m.root, 0x00ff'8000'0000'0000ull & 0x00ff'ffff'ffff'f000ull, 0x2000000, PageSize::k4, pte::RW);
    m.boot();
    const Translation t = m.read(0x00ff'8000'0000'0010ull);
    REQUIRE(t.ok());
    CHECK(t.pt_reads == 5);
    CHECK(t.pa == 0x2000010);
}

TEST_CASE("a write through a clean TLB entry sets D in memory with a locked update") {
    Machine m;
    m.builder.map(m.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    m.boot();
    REQUIRE(m.read(0x400000).ok());
    const uint64_t slot = m.builder.entry_address(m.root, 0x400000, 1);
    CHECK_FALSE(m.builder.read(slot) & pte::D);
    const Translation w = m.write(0x400008);
    CHECK(w.d_assist);
    CHECK(w.ad_updates == 1);
    CHECK(m.builder.read(slot) & pte::D);
    CHECK(m.write(0x400010).source == Source::l1);  // the entry is dirty now
}

TEST_CASE("debug translation has no side effects") {
    Machine m;
    m.builder.map(m.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    m.boot();
    const std::string before = stats_to_json(m.mmu.stats());
    const Translation t = m.mmu.translate_debug({0x400123, AccessType::write, false, false});
    CHECK(t.pa == 0x10000123);
    CHECK(stats_to_json(m.mmu.stats()) == before);
    CHECK(m.mmu.l1d().valid_entries() == 0);
    CHECK(m.mmu.l2().valid_entries() == 0);
    CHECK_FALSE(m.builder.read(m.builder.entry_address(m.root, 0x400000, 4)) & pte::A);
}

TEST_CASE("a page-table pointer outside memory is a bus fault naming the physical address") {
    Machine m;
    m.builder.map(m.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    const uint64_t pde = m.builder.entry_address(m.root, 0x400000, 2);
    m.builder.write(pde, 0x3'0000'0000ull | pte::P | pte::RW);  // past the 4 GiB memory
    m.boot();
    const Translation t = m.read(0x400000);
    CHECK(t.fault.kind == FaultKind::bus);
    CHECK(t.fault.address == 0x3'0000'0000ull + 8 * PagingGeometry::index(0x400000, 1));
    CHECK(m.mmu.l1d().valid_entries() == 0);
}

namespace {
// Runs a callback in the middle of a walk, as another SystemC process could
// while the walker's memory access is waiting.
struct InterferingPort : PhysicalAccess {
    DirectPhysicalAccess& inner;
    std::function<void(unsigned read_number)> during_read;
    std::function<void(uint64_t pa)> before_locked;
    unsigned reads = 0;
    explicit InterferingPort(DirectPhysicalAccess& p) : inner(p) {}
    bool read_entry(const WalkStep& step, uint64_t& v, uint64_t& cycles) override {
        const bool ok = inner.read_entry(step, v, cycles);
        if (during_read) during_read(++reads);
        return ok;
    }
    bool locked_set_bits(const WalkStep& step, uint64_t e, uint64_t bits, uint64_t& observed, uint64_t& cycles) override {
        if (before_locked) before_locked(step.pa);
        return inner.locked_set_bits(step, e, bits, observed, cycles);
    }
    bool debug_read_entry(uint64_t pa, uint64_t& v) override { return inner.debug_read_entry(pa, v); }
};

// An MMU whose walker goes through an InterferingPort, one page mapped, paging on.
struct InterferedMachine {
    SparseMemory memory{1ull << 32};
    DirectPhysicalAccess direct{memory, 20};
    InterferingPort port{direct};
    uint64_t next = 0x100000;
    PageTableBuilder builder{memory, [this] { return (next += 4096) - 4096; }};
    uint64_t root = builder.new_root();
    Mmu mmu{MmuConfig::skylake(), port};

    explicit InterferedMachine(uint64_t leaf_flags) {
        builder.map(root, 0x400000, 0x10000000, PageSize::k4, leaf_flags);
        mmu.write_efer(efer::LME | efer::NXE);
        mmu.write_cr4(cr4::PAE);
        mmu.write_cr3(root);
        mmu.write_cr0(cr0::PE | cr0::PG);
    }
};
}  // namespace

TEST_CASE("a flush that lands while a walk is in flight stops that walk from filling") {
    InterferedMachine m(pte::RW);
    Mmu& mmu = m.mmu;
    InterferingPort& port = m.port;

    port.during_read = [&](unsigned n) {
        if (n == 2) mmu.invlpg(0x7000);  // some other page: any flush counts
    };
    const Translation t = mmu.translate({0x400000, AccessType::read, false, false});
    CHECK(t.ok());
    CHECK(t.pa == 0x10000000);
    CHECK(mmu.stats().walk.fills_suppressed == 1);
    CHECK_FALSE(mmu.l1d().peek(0x400000, 0));
    CHECK_FALSE(mmu.l2().peek(0x400000, 0));
    CHECK_FALSE(mmu.psc(2).peek(0x400000, (1ull << 48) - 1, 0));

    port.during_read = nullptr;
    CHECK(mmu.translate({0x400000, AccessType::read, false, false}).source == Source::walk);
    CHECK(mmu.translate({0x400000, AccessType::read, false, false}).source == Source::l1);
}

TEST_CASE("a locked A/D update that finds the entry changed restarts the walk and uses the new entry") {
    InterferedMachine m(pte::RW | pte::A);
    Mmu& mmu = m.mmu;
    InterferingPort& port = m.port;
    PageTableBuilder& builder = m.builder;
    const uint64_t root = m.root;

    const uint64_t pte_slot = builder.entry_address(root, 0x400000, 1);
    bool redirected = false;
    port.before_locked = [&](uint64_t pa) {
        // Another agent rewrites the leaf between the walker's read and its locked D update.
        if (pa == pte_slot && !redirected) {
            builder.write(pte_slot, 0x20000000 | pte::P | pte::RW | pte::A);
            redirected = true;
        }
    };
    const Translation t = mmu.translate({0x400000, AccessType::write, false, false});
    CHECK(redirected);
    CHECK(t.ok());
    CHECK(t.pa == 0x20000000);
    CHECK(mmu.stats().walk.restarts == 1);
    CHECK(builder.read(pte_slot) == (0x20000000 | pte::P | pte::RW | pte::A | pte::D));
}

TEST_CASE("statistics are valid JSON with the documented sections") {
    Machine m;
    m.builder.map(m.root, 0x400000, 0x10000000, PageSize::k4, pte::RW);
    m.boot();
    m.read(0x400000);
    m.read(0x400000);
    m.mmu.invlpg(0x400000);
    const auto j = nlohmann::json::parse(stats_to_json(m.mmu.stats()));
    CHECK(j["translations"] == 2);
    CHECK(j["tlb"]["l1d"]["hits"] == 1);
    CHECK(j["tlb"]["l1d"]["invalidations"]["invlpg"] == 1);
    CHECK(j["walks"]["pt_reads"] == 4);
    CHECK(j["operations"]["invlpg"]["count"] == 1);
    CHECK(j["latency_cycles"]["count"] == 2);
}

// Property: with page tables that never change, each address space on its
// own PCID and CR3 switches that never need a flush, whatever the TLBs and
// PSCs hold, every translation equals a fresh walk of the tables.
TEST_CASE("cached translations always agree with the page tables when nothing is stale") {
    MmuConfig config = MmuConfig::skylake();
    config.l1d.arrays = {ArrayConfig{2, 2, ReplacementPolicy::lru, 0b001}, ArrayConfig{1, 2, ReplacementPolicy::lru, 0b010}};
    config.l2.arrays = {ArrayConfig{4, 2, ReplacementPolicy::random, 0b011}};  // 1G pages splinter
    config.psc[2] = {2, 2, ReplacementPolicy::tree_plru};
    Machine m(config);
    std::mt19937_64 rng(12345);

    std::vector<uint64_t> roots = {m.root, m.builder.new_root(), m.builder.new_root()};
    std::vector<uint64_t> vas;
    uint64_t frame = 0x40000000;
    for (int i = 0; i < 40; ++i) {
        const PageSize size = PageSize(rng() % 3);
        const uint64_t va = (uint64_t(i) << 31) | (size == PageSize::g1 ? 0 : (rng() % 4) << page_shift(size));
        const uint64_t flags = (rng() % 2 ? pte::RW : 0) | (rng() % 3 ? pte::US : 0) | (rng() % 4 ? 0 : pte::XD);
        frame = (frame + page_bytes(size) - 1) & ~(page_bytes(size) - 1);
        for (size_t s = 0; s < roots.size(); ++s)
            if (i % 4 == 0 || rng() % 2) m.builder.map(roots[s], va, frame, size, flags | (i % 4 == 0 ? pte::G : 0));
        frame += page_bytes(size);
        vas.push_back(va);
    }
    m.mmu.write_efer(efer::LME | efer::NXE);
    m.mmu.write_cr4(cr4::PAE | cr4::PGE);
    m.mmu.write_cr3(m.root);
    m.mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP);
    REQUIRE(m.mmu.write_cr4(cr4::PAE | cr4::PGE | cr4::PCIDE | cr4::SMEP).ok());

    for (int step = 0; step < 20000; ++step) {
        const unsigned action = rng() % 100;
        if (action < 3) {
            const unsigned s = rng() % roots.size();
            REQUIRE(m.mmu.write_cr3(roots[s] | (s + 1) | cr3::NOFLUSH).ok());
        } else if (action < 4) {
            m.mmu.invlpg(vas[rng() % vas.size()]);
        } else if (action < 5) {
            REQUIRE(m.mmu.invpcid(rng() % 4, rng() % 4, vas[rng() % vas.size()]).ok());
        } else {
            Access a;
            a.va = vas[rng() % vas.size()] + (rng() % 4096) * 8;
            a.type = AccessType(rng() % 3);
            a.user = rng() % 2;
            const Translation debug = m.mmu.translate_debug(a);
            const Translation t = m.mmu.translate(a);
            INFO("step " << step << " va " << std::hex << a.va << " type " << to_string(a.type) << " source "
                         << to_string(t.source));
            REQUIRE(t.fault.kind == debug.fault.kind);
            REQUIRE(t.fault.error_code == debug.fault.error_code);
            if (t.ok()) {
                REQUIRE(t.pa == debug.pa);
                REQUIRE(t.size == debug.size);
            }
        }
    }
    CHECK(m.mmu.stats().l1d.total_hits() > 0);
    CHECK(m.mmu.stats().l2.total_hits() > 0);
    CHECK(m.mmu.stats().walk.started_from[2] > 0);
}
