// The OS model on several CPUs: mm_cpumask follows the scheduler, unmap and
// protect edit the shared page tables and shoot the range down on exactly
// the CPUs of the mask (docs/os-model.md, "Many CPUs").
#include <catch2/catch.hpp>

#include "tlmmu/os/os_model.h"

using namespace tlmmu;
using namespace tlmmu::os;

namespace {

constexpr uint64_t kBase = 0x100000000ull;

OsConfig small_config() {
    OsConfig c;
    c.memory_bytes = 512ull << 20;
    return c;
}

machine::SmpConfig cpus(unsigned n) {
    machine::SmpConfig s;
    s.cpus = n;
    return s;
}

// Runs `process` on `cpu` and touches `pages` pages from kBase there.
void run_on(OsModel& os, unsigned cpu, unsigned process, unsigned pages) {
    os.select_cpu(cpu);
    if (os.active() != int(process)) os.schedule(process, false);
    for (unsigned i = 0; i < pages; ++i) REQUIRE(os.access(kBase + i * 4096ull, AccessType::read).ok());
}

}  // namespace

TEST_CASE("mm_cpumask: set when a CPU switches to the process, cleared when it switches away or idles") {
    OsModel os(MmuConfig::skylake(), small_config(), nullptr, cpus(3));
    const unsigned a = os.create_process(), b = os.create_process();
    run_on(os, 0, a, 1);
    run_on(os, 1, a, 1);
    run_on(os, 2, b, 1);
    CHECK(os.cpumask(a) == 0b011);
    CHECK(os.cpumask(b) == 0b100);
    run_on(os, 1, b, 1);
    CHECK(os.cpumask(a) == 0b001);
    CHECK(os.cpumask(b) == 0b110);
    os.select_cpu(2);
    os.idle();
    CHECK(os.cpumask(b) == 0b010);
    CHECK(os.active() == -1);
}

TEST_CASE("unmap: IPIs to the other CPUs of the mask only, the page refaults everywhere afterwards") {
    OsModel os(MmuConfig::skylake(), small_config(), nullptr, cpus(4));
    const unsigned a = os.create_process(), b = os.create_process();
    for (unsigned cpu = 0; cpu < 3; ++cpu) run_on(os, cpu, a, 4);  // CPUs 0-2 run A and cache its pages
    run_on(os, 3, b, 4);                                               // CPU 3 runs B
    const uint64_t faults = os.stats().demand_faults;

    os.select_cpu(0);
    os.unmap(kBase, 2);
    CHECK(os.stats().shootdowns == 1);
    CHECK(os.stats().unmapped[0] == 2);
    const machine::Machine& m = os.machine();
    CHECK(m.cpu(0).stats.ipis_sent == 2);  // CPUs in the mask but the initiator
    CHECK(m.cpu(1).stats.ipis_received == 1);
    CHECK(m.cpu(2).stats.ipis_received == 1);
    CHECK(m.cpu(3).stats.ipis_received == 0);  // not in A's mask: no IPI
    CHECK(m.cpu(1).stats.dropped_by_ipi.total() > 0);
    // Acknowledgement wait: latency + entry + acknowledgement, as every CPU's flush costs the same.
    const machine::SmpConfig& s = m.config();
    CHECK(m.cpu(0).stats.ack_wait_cycles == s.ipi_latency + s.irq_entry + s.ack_latency);

    // Every CPU of A now refaults on the unmapped pages and still hits the others.
    for (unsigned cpu = 0; cpu < 3; ++cpu) {
        os.select_cpu(cpu);
        const Translation t = os.access(kBase, AccessType::read);
        CHECK(t.ok());
        const Translation kept = os.access(kBase + 3 * 4096, AccessType::read);
        CHECK(kept.source == Source::l1);
    }
    CHECK(os.stats().demand_faults == faults + 1);  // mapped again once (CPU 0), found by the others' walks
}

TEST_CASE("a CPU that switched away keeps its stale entry until it switches back, then flushes") {
    OsModel os(MmuConfig::skylake(), small_config(), nullptr, cpus(2));
    const unsigned a = os.create_process(), b = os.create_process();
    run_on(os, 0, a, 1);
    run_on(os, 1, a, 1);          // CPU 1 caches A's page under A's PCID
    run_on(os, 1, b, 1);          // and switches to B: it leaves A's mask
    os.select_cpu(0);
    os.unmap(kBase, 1);
    CHECK(os.machine().cpu(1).stats.ipis_received == 0);
    // CPU 1 still holds the translation under A's PCID (PCIDs keep it across the switch) ...
    const Mmu& mmu1 = os.machine().cpu(1).mmu;
    const uint64_t dropped_before = mmu1.dropped_entries().total();
    // ... and switch_mm sees A's tlb_gen moved on: no no-flush bit, the PCID is flushed.
    const uint64_t noflush = os.stats().cr3_noflush;
    run_on(os, 1, a, 0);
    CHECK(os.stats().cr3_noflush == noflush);
    CHECK(os.machine().cpu(1).mmu.dropped_entries().total() > dropped_before);
    const uint64_t faults = os.stats().demand_faults;
    REQUIRE(os.access(kBase, AccessType::read).ok());
    CHECK(os.stats().demand_faults == faults + 1);  // no use of the stale entry: it faults and maps anew
}

TEST_CASE("the flush ceiling: up to 33 pages one INVLPG each, more flush the whole address space") {
    for (const unsigned pages : {33u, 34u}) {
        OsModel os(MmuConfig::skylake(), small_config(), nullptr, cpus(2));
        const unsigned a = os.create_process();
        run_on(os, 0, a, pages);
        run_on(os, 1, a, pages);
        os.select_cpu(0);
        const uint64_t invlpg = os.mmu().stats().ops[unsigned(Operation::invlpg)].count;
        os.unmap(kBase, pages);
        const uint64_t local = os.mmu().stats().ops[unsigned(Operation::invlpg)].count - invlpg;
        CHECK(os.stats().full_flushes == (pages > 33 ? 1u : 0u));
        CHECK(local == (pages > 33 ? 0u : pages));
    }
}

TEST_CASE("protect: read-only, then a store is a protection fault, and PROT_NONE pages are not mapped again") {
    OsModel os(MmuConfig::skylake(), small_config(), nullptr, cpus(2));
    const unsigned a = os.create_process();
    run_on(os, 0, a, 2);
    run_on(os, 1, a, 2);
    os.select_cpu(0);
    os.protect(kBase, 1, prot::READ);
    CHECK(os.stats().protected_entries == 1);
    CHECK(os.machine().cpu(1).stats.ipis_received == 1);
    os.select_cpu(1);
    REQUIRE(os.access(kBase, AccessType::write).ok());  // the handler upgrades, as for code pages
    CHECK(os.stats().protection_faults == 1);
    os.select_cpu(0);
    os.protect(kBase + 4096, 1, 0);
    os.select_cpu(1);
    CHECK_FALSE(os.access(kBase + 4096, AccessType::read).ok());
    CHECK(os.stats().protnone_faults == 1);
    CHECK(os.stats().demand_faults == 2);  // not mapped again
}

TEST_CASE("INVLPGB shootdowns: no IPIs, every CPU drops the range, TLBSYNC on the initiator") {
    OsConfig c = small_config();
    c.shootdown = ShootdownMode::invlpgb;
    OsModel os(MmuConfig::skylake(), c, nullptr, cpus(4));
    const unsigned a = os.create_process(), b = os.create_process();
    for (unsigned cpu = 0; cpu < 3; ++cpu) run_on(os, cpu, a, 10);
    run_on(os, 3, b, 10);
    os.select_cpu(0);
    os.unmap(kBase, 10);
    const machine::CpuStats t = os.machine().total_stats();
    CHECK(t.ipis_sent == 0);
    CHECK(t.invlpgb_issued == 2);  // 8 + 2 pages (smp.invlpgb_max_extra = 7)
    CHECK(t.tlbsync == 1);
    CHECK(os.machine().outstanding_broadcasts(0) == 0);
    // A broadcast reaches every CPU; without a common PCID it names none, so
    // CPU 3 (process B, same addresses) loses them too: a superset.
    CHECK(os.machine().cpu(3).stats.dropped_by_invlpgb.total() > 0);
}

TEST_CASE("os.shootdown=invlpgb on CPUs without INVLPGB is refused naming both keys") {
    OsConfig c = small_config();
    c.shootdown = ShootdownMode::invlpgb;
    machine::SmpConfig s = cpus(2);
    s.invlpgb = false;
    CHECK_THROWS_WITH(OsModel(MmuConfig::skylake(), c, nullptr, s),
                      Catch::Contains("os.shootdown=invlpgb") && Catch::Contains("smp.invlpgb=off"));
}
