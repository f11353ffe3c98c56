#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tlmmu/machine/machine.h"

using namespace tlmmu;
using namespace tlmmu::machine;

namespace {

SmpConfig smp_of(unsigned cpus) {
    SmpConfig c;
    c.cpus = cpus;
    return c;
}

// N CPUs in long mode on one set of page tables, CR4.PGE and PCIDE set.
struct Rig {
    explicit Rig(const SmpConfig& smp) : sys(smp), m(sys.machine), root(sys.builder.new_root()) {}
    explicit Rig(unsigned cpus = 4) : Rig(smp_of(cpus)) {}

    void map(uint64_t va, uint64_t pa, uint64_t flags = pte::RW, PageSize size = PageSize::k4) {
        sys.builder.map(root, va, pa, size, flags);
    }
    void boot() {
        REQUIRE(m.boot_all(root, cr4::PGE));
        for (unsigned i = 0; i < m.size(); ++i) {
            Mmu& mmu = m.cpu(i).mmu;
            REQUIRE(mmu.write_cr4(mmu.regs().cr4 | cr4::PCIDE).ok());
        }
    }
    // Switches `cpu` to `pcid` without flushing.
    void use_pcid(unsigned cpu, uint16_t pcid) { REQUIRE(m.cpu(cpu).mmu.write_cr3(root | pcid | cr3::NOFLUSH).ok()); }
    Translation read(unsigned cpu, uint64_t va) { return m.translate(cpu, Access{va, AccessType::read}); }
    bool cached(unsigned cpu, uint64_t va, uint16_t pcid) {
        const Mmu& mmu = m.cpu(cpu).mmu;
        return mmu.l1d().peek(va, pcid) || mmu.l2().peek(va, pcid);
    }
    unsigned psc_entries(unsigned cpu) {
        unsigned n = 0;
        for (unsigned l = 2; l <= 5; ++l) n += m.cpu(cpu).mmu.psc(l).valid_entries();
        return n;
    }
    BroadcastResult invlpgb(unsigned cpu, uint64_t rax, uint32_t ecx = 0, uint32_t edx = 0, unsigned cpl = 0) {
        return m.invlpgb(cpu, InvlpgbOperands{rax, ecx, edx}, cpl);
    }
    // Runs every CPU's clock past all outstanding broadcasts.
    void let_time_pass() {
        for (unsigned i = 0; i < m.size(); ++i) m.advance(i, 1000000);
    }

    SmpSystem sys;
    Machine& m;
    uint64_t root;
};

}  // namespace

TEST_CASE("every CPU walks the shared tables, and an edit leaves other CPUs' cached translations stale") {
    Rig r(3);
    r.map(0x400000, 0x10000000);
    r.boot();
    CHECK(r.read(0, 0x400000).pa == 0x10000000);
    CHECK(r.read(1, 0x400000).pa == 0x10000000);
    // CPU 0 remaps the page and flushes only itself.
    r.sys.builder.map(r.root, 0x400000, 0x20000000, PageSize::k4, pte::RW);
    r.m.cpu(0).mmu.invlpg(0x400000);
    CHECK(r.read(0, 0x400000).pa == 0x20000000);
    const Translation stale = r.read(1, 0x400000);
    CHECK(stale.source == Source::l1);
    CHECK(stale.pa == 0x10000000);             // CPU 1 still uses its old entry
    CHECK(r.read(2, 0x400000).pa == 0x20000000);  // CPU 2 had nothing cached: it walks the new table
    // The shootdown reaches CPU 1: now it walks too.
    const IpiResult s = r.m.shootdown(0, 0b011, FlushRequest{FlushRequest::Scope::pages, 0x400000, 1, 12, 0});
    CHECK(s.ok);
    CHECK(s.receivers == 1);
    CHECK(s.dropped >= 1);
    const Translation fresh = r.read(1, 0x400000);
    CHECK(fresh.source == Source::walk);
    CHECK(fresh.pa == 0x20000000);
}

TEST_CASE("an IPI shootdown costs the initiator sends, its own flush and the acknowledgement wait") {
    Rig r(3);
    r.map(0x400000, 0x10000000);
    r.boot();
    for (unsigned i = 0; i < 3; ++i) r.read(i, 0x400000);
    const SmpConfig& c = r.m.config();
    const unsigned invlpg = r.m.cpu(0).mmu.config().costs.invlpg;
    uint64_t before[3];
    for (unsigned i = 0; i < 3; ++i) before[i] = r.m.cpu(i).now;

    const IpiResult s = r.m.shootdown(0, 0b111, FlushRequest{FlushRequest::Scope::pages, 0x400000, 1, 12, 0});
    REQUIRE(s.ok);
    CHECK(s.receivers == 2);
    // Two sends, the local INVLPG while the IPIs fly, then the wait for the
    // second receiver's acknowledgement.
    const uint64_t last_ack = 2 * c.ipi_send + c.ipi_latency + c.irq_entry + invlpg + c.ack_latency;
    CHECK(s.ack_wait == last_ack - (2 * c.ipi_send + invlpg));
    CHECK(s.cycles == last_ack);
    CHECK(r.m.cpu(0).now == before[0] + last_ack);
    for (unsigned i = 1; i < 3; ++i) {
        CHECK(r.m.cpu(i).now == before[i] + c.irq_entry + invlpg + c.irq_exit);
        CHECK(r.m.cpu(i).stats.ipis_received == 1);
        CHECK(r.m.cpu(i).stats.interrupt_cycles == c.irq_entry + invlpg + c.irq_exit);
        CHECK(r.m.cpu(i).stats.dropped_by_ipi.l1d == 1);
        CHECK(r.m.cpu(i).stats.dropped_by_ipi.l2 == 1);
        CHECK_FALSE(r.cached(i, 0x400000, 0));
    }
    CHECK(r.m.cpu(0).stats.ipis_sent == 2);
    CHECK(r.m.cpu(0).stats.ack_wait_cycles == s.ack_wait);
    CHECK(r.m.cpu(0).stats.dropped_by_ipi.total() == 0);  // its own flush is not a remote drop
}

TEST_CASE("the shootdown's cost grows with the CPUs and the configured latencies") {
    auto cost = [](unsigned cpus, unsigned latency) {
        SmpConfig c = smp_of(cpus);
        c.ipi_latency = latency;
        Rig r(c);
        r.map(0x400000, 0x10000000);
        r.boot();
        return r.m.shootdown(0, r.m.all_cpus(), FlushRequest{}).cycles;
    };
    CHECK(cost(2, 1000) < cost(4, 1000));
    CHECK(cost(4, 1000) < cost(16, 1000));
    CHECK(cost(4, 2000) - cost(4, 1000) == 1000);
    CHECK(cost(1, 1000) == cost(1, 5000));  // alone: no IPI at all
}

TEST_CASE("an IPI to a CPU that does not exist sends nothing and names it") {
    Rig r(2);
    r.boot();
    const IpiResult s = r.m.shootdown(0, 0b1011, FlushRequest{});
    CHECK_FALSE(s.ok);
    CHECK(s.missing == 0b1000);
    CHECK(r.m.cpu(0).stats.ipis_sent == 0);
    CHECK(r.m.cpu(1).stats.ipis_received == 0);
    CHECK_THROWS_AS(r.m.cpu(2), std::out_of_range);
}

TEST_CASE("the flush handler uses INVPCID for a PCID that is not current at the receiver") {
    Rig r(2);
    r.map(0x400000, 0x10000000);
    r.boot();
    r.use_pcid(1, 5);
    r.read(1, 0x400000);
    r.use_pcid(1, 6);  // CPU 1 has moved on; its PCID 5 entry stays
    REQUIRE(r.cached(1, 0x400000, 5));
    r.m.shootdown(0, 0b11, FlushRequest{FlushRequest::Scope::pages, 0x400000, 1, 12, 5});
    CHECK_FALSE(r.cached(1, 0x400000, 5));
    CHECK(r.m.cpu(1).mmu.stats().ops[unsigned(Operation::invpcid)].count == 1);
}

// ---------------------------------------------------------------------------
// INVLPGB selectors (APM vol. 3: rAX[0] VA, [1] PCID, [2] ASID, [3] global, [4] final only)

namespace {

// CPUs 0 and 1 each cache 0x400000 and 0x401000 under PCIDs 1 and 2, and the
// global page 0x800000.
Rig& filled(Rig& r) {
    r.map(0x400000, 0x10000000);
    r.map(0x401000, 0x10001000);
    r.map(0x800000, 0x18000000, pte::RW | pte::G);
    r.boot();
    for (unsigned cpu = 0; cpu < 2; ++cpu) {
        for (uint16_t pcid : {1, 2}) {
            r.use_pcid(cpu, pcid);
            r.read(cpu, 0x400000);
            r.read(cpu, 0x401000);
            r.read(cpu, 0x800000);
        }
    }
    return r;
}

}  // namespace

TEST_CASE("INVLPGB with VA and PCID drops that page of that PCID at every CPU") {
    Rig r(2);
    filled(r);
    REQUIRE(r.invlpgb(0, 0x400000 | invlpgb_flag::VA | invlpgb_flag::PCID, 0, 1u << 16).ok());
    r.let_time_pass();
    for (unsigned cpu = 0; cpu < 2; ++cpu) {
        CHECK_FALSE(r.cached(cpu, 0x400000, 1));
        CHECK(r.cached(cpu, 0x400000, 2));
        CHECK(r.cached(cpu, 0x401000, 1));
        CHECK(r.cached(cpu, 0x800000, 1));  // global, not included
        CHECK(r.m.cpu(cpu).stats.broadcasts_applied == 1);
        CHECK(r.m.cpu(cpu).stats.dropped_by_invlpgb.l1d == 1);
        CHECK(r.m.cpu(cpu).stats.dropped_by_invlpgb.l2 == 1);
    }
}

TEST_CASE("INVLPGB with VA and no PCID drops the page of every PCID, global only when included") {
    Rig r(2);
    filled(r);
    r.invlpgb(0, 0x400000 | invlpgb_flag::VA);
    r.invlpgb(0, 0x800000 | invlpgb_flag::VA);
    r.let_time_pass();
    for (unsigned cpu = 0; cpu < 2; ++cpu) {
        CHECK_FALSE(r.cached(cpu, 0x400000, 1));
        CHECK_FALSE(r.cached(cpu, 0x400000, 2));
        CHECK(r.cached(cpu, 0x401000, 2));
        CHECK(r.cached(cpu, 0x800000, 1));
    }
    r.invlpgb(1, 0x800000 | invlpgb_flag::VA | invlpgb_flag::GLOBAL);
    r.let_time_pass();
    CHECK_FALSE(r.cached(0, 0x800000, 1));
    CHECK_FALSE(r.cached(1, 0x800000, 2));
}

TEST_CASE("INVLPGB with only PCID drops every page of that PCID, not globals") {
    Rig r(2);
    filled(r);
    r.invlpgb(0, invlpgb_flag::PCID, 0, 2u << 16);
    r.let_time_pass();
    for (unsigned cpu = 0; cpu < 2; ++cpu) {
        CHECK_FALSE(r.cached(cpu, 0x400000, 2));
        CHECK_FALSE(r.cached(cpu, 0x401000, 2));
        CHECK(r.cached(cpu, 0x400000, 1));
        CHECK(r.cached(cpu, 0x800000, 2));
    }
}

TEST_CASE("INVLPGB with no selector drops all non-global entries, with the global bit, everything") {
    Rig r(2);
    filled(r);
    r.invlpgb(0, 0);
    r.let_time_pass();
    CHECK_FALSE(r.cached(1, 0x400000, 1));
    CHECK_FALSE(r.cached(1, 0x401000, 2));
    CHECK(r.cached(1, 0x800000, 1));
    r.invlpgb(0, invlpgb_flag::GLOBAL);
    r.let_time_pass();
    CHECK(r.m.cpu(1).mmu.l1d().valid_entries() == 0);
    CHECK(r.m.cpu(1).mmu.l2().valid_entries() == 0);
}

TEST_CASE("INVLPGB's page count covers ECX[15:0]+1 pages at a 4 KiB stride") {
    Rig r(2);
    for (uint64_t p = 0; p < 6; ++p) r.map(0x400000 + p * 0x1000, 0x10000000 + p * 0x1000);
    r.boot();
    for (uint64_t p = 0; p < 6; ++p) r.read(1, 0x400000 + p * 0x1000);
    r.invlpgb(0, 0x401000 | invlpgb_flag::VA, 3);  // pages 1..4
    r.let_time_pass();
    CHECK(r.cached(1, 0x400000, 0));
    for (uint64_t p = 1; p <= 4; ++p) CHECK_FALSE(r.cached(1, 0x400000 + p * 0x1000, 0));
    CHECK(r.cached(1, 0x405000, 0));
    CHECK(r.m.cpu(0).stats.invlpgb_pages == 4);
}

TEST_CASE("INVLPGB with the 2 MiB stride drops what translates va + i * 2 MiB, nothing in between") {
    Rig r(2);
    r.map(0x40000000, 0x80000000, pte::RW, PageSize::m2);
    r.map(0x40200000, 0x80200000, pte::RW, PageSize::m2);
    r.map(0x40400000, 0x80400000, pte::RW, PageSize::m2);
    r.map(0x40601000, 0x90001000);  // a 4 KiB page inside the third stride step's 2 MiB range, not at its start
    r.boot();
    for (uint64_t va : {0x40000000ull, 0x40200000ull, 0x40400000ull, 0x40601000ull}) r.read(1, va + 0x10);
    r.invlpgb(0, 0x40000000 | invlpgb_flag::VA, kInvlpgbStride2M | 3);  // 0x40000000 .. 0x40600000
    r.let_time_pass();
    CHECK_FALSE(r.cached(1, 0x40000000, 0));
    CHECK_FALSE(r.cached(1, 0x40200000, 0));
    CHECK_FALSE(r.cached(1, 0x40400000, 0));
    CHECK(r.cached(1, 0x40601000, 0));
}

TEST_CASE("INVLPGB drops paging-structure-cache entries unless final-only is set") {
    Rig r(2);
    filled(r);
    const unsigned before = r.psc_entries(1);
    REQUIRE(before > 0);
    r.invlpgb(0, 0x400000 | invlpgb_flag::VA | invlpgb_flag::FINAL_ONLY);
    r.let_time_pass();
    CHECK(r.psc_entries(1) == before);
    CHECK_FALSE(r.cached(1, 0x400000, 1));
    r.invlpgb(0, 0x400000 | invlpgb_flag::VA | invlpgb_flag::PCID, 0, 1u << 16);
    r.let_time_pass();
    CHECK(r.psc_entries(1) < before);
    CHECK(r.m.cpu(1).stats.dropped_by_invlpgb.psc[2] + r.m.cpu(1).stats.dropped_by_invlpgb.psc[3] +
              r.m.cpu(1).stats.dropped_by_invlpgb.psc[4] >
          0);
}

TEST_CASE("INVLPGB with the ASID selector: ASID 0 is the host, another ASID selects nothing here") {
    Rig r(2);
    filled(r);
    r.invlpgb(0, 0x400000 | invlpgb_flag::VA | invlpgb_flag::ASID, 0, 5);
    r.let_time_pass();
    CHECK(r.cached(1, 0x400000, 1));
    CHECK(r.m.cpu(1).stats.broadcasts_applied == 1);
    r.invlpgb(0, 0x400000 | invlpgb_flag::VA | invlpgb_flag::ASID, 0, 0);
    r.let_time_pass();
    CHECK_FALSE(r.cached(1, 0x400000, 1));
}

TEST_CASE("INVLPGB and TLBSYNC: #UD without the CPUID bit, #GP at CPL 3 or above the page limit") {
    SmpConfig off = smp_of(2);
    off.invlpgb = false;
    Rig a(off);
    a.boot();
    CHECK(a.invlpgb(0, 0).fault == SmpFault::ud);
    CHECK(a.m.tlbsync(0).fault == SmpFault::ud);
    CHECK(a.m.cpu(0).stats.ud_faults == 2);

    Rig r(2);
    r.boot();
    CHECK(r.invlpgb(0, 0, 0, 0, 3).fault == SmpFault::gp);
    CHECK(r.m.tlbsync(0, 3).fault == SmpFault::gp);
    const unsigned max = r.m.config().invlpgb_max_extra;
    CHECK(r.invlpgb(0, 0x400000 | invlpgb_flag::VA, max + 1).fault == SmpFault::gp);
    CHECK(r.invlpgb(0, 0x400000 | invlpgb_flag::VA, max).ok());
    CHECK(r.m.cpu(0).stats.gp_faults == 3);
    CHECK(r.m.cpu(0).stats.invlpgb_issued == 1);  // faulting ones start nothing
}

// ---------------------------------------------------------------------------
// Ordering

TEST_CASE("an INVLPGB reaches a CPU only when that CPU's clock passes its completion") {
    Rig r(2);
    r.map(0x400000, 0x10000000);
    r.boot();
    r.read(1, 0x400000);
    r.sys.builder.map(r.root, 0x400000, 0x20000000, PageSize::k4, pte::RW);
    const uint64_t issued = r.m.cpu(0).now;
    r.m.cpu(1).now = issued;
    r.invlpgb(0, 0x400000 | invlpgb_flag::VA);
    CHECK(r.m.outstanding_broadcasts(0) == 1);
    CHECK(r.read(1, 0x400000).pa == 0x10000000);  // still stale: not done yet
    r.m.advance(1, r.m.config().invlpgb_cost + r.m.config().invlpgb_latency);
    CHECK(r.read(1, 0x400000).pa == 0x20000000);
}

TEST_CASE("TLBSYNC waits for this CPU's broadcasts only, and after it none is stale anywhere") {
    Rig r(3);
    r.map(0x400000, 0x10000000);
    r.map(0x500000, 0x11000000);
    r.boot();
    r.read(1, 0x400000);
    r.read(1, 0x500000);
    for (unsigned i = 0; i < 3; ++i) r.m.cpu(i).now = 0;
    const SmpConfig& c = r.m.config();

    r.invlpgb(0, 0x400000 | invlpgb_flag::VA);  // done at cost + latency
    r.invlpgb(2, 0x500000 | invlpgb_flag::VA);
    const BroadcastResult s = r.m.tlbsync(0);
    REQUIRE(s.ok());
    CHECK(r.m.cpu(0).now == c.invlpgb_cost + c.invlpgb_latency);
    CHECK(s.wait == c.invlpgb_latency - c.tlbsync_cost);
    CHECK(r.m.outstanding_broadcasts(0) == 0);
    CHECK_FALSE(r.cached(1, 0x400000, 0));  // CPU 1's clock is still 0: TLBSYNC forced it
    CHECK(r.m.outstanding_broadcasts(2) == 1);
    CHECK(r.cached(1, 0x500000, 0));  // CPU 2's broadcast is not CPU 0's to wait for

    const BroadcastResult idle = r.m.tlbsync(0);
    CHECK(idle.cycles == c.tlbsync_cost);
    CHECK(idle.wait == 0);
    r.m.tlbsync(2);
    CHECK_FALSE(r.cached(1, 0x500000, 0));
    CHECK(r.m.total_stats().tlbsync == 3);
}

TEST_CASE("machine counters appear in JSON per CPU and in total") {
    Rig r(2);
    r.map(0x400000, 0x10000000);
    r.boot();
    r.read(1, 0x400000);
    r.m.shootdown(0, 0b11, FlushRequest{});
    const auto j = nlohmann::json::parse(smp_stats_json(r.m));
    CHECK(j["cpus"] == 2);
    CHECK(j["total"]["ipi"]["sent"] == 1);
    CHECK(j["per_cpu"][1]["ipi"]["received"] == 1);
    CHECK(j["per_cpu"][1]["ipi"]["dropped"]["total"].get<int>() >= 2);
    CHECK(smp_stats_summary(r.m).find("IPIs: 1 sent") != std::string::npos);
}
