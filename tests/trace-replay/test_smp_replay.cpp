// Trace mode on several CPUs: a multi-threaded gc trace with unmap events on
// 4 CPUs, its exact shootdown counts, the directions of the figures, and
// event records of native traces (docs/trace-mode.md, "Many CPUs").
#include <catch2/catch.hpp>

#include "native_traces.h"
#include "tlmmu/replay/replay.h"
#include "tlmmu/synth/synthetic.h"

using namespace tlmmu;
using namespace replay_test;
using replay::ReplayOptions;
using replay::ReplayResult;

namespace {

// 4 threads of one process; 16 regions of 16 pages (at most the 33-page
// ceiling: flushed page by page); a collection every 2000 data accesses.
const std::string kGc = "synth:gc,threads=4,heap=1m,region=64k,unmap_period=2000,accesses=20000,fetch=1";

ReplayOptions options(unsigned cpus) {
    ReplayOptions o;
    o.os.memory_bytes = 256ull << 20;
    o.smp.cpus = cpus;
    return o;
}

}  // namespace

TEST_CASE("a 4-thread gc trace on 4 CPUs: every collection is a shootdown with an IPI to each other CPU") {
    const ReplayResult r = replay::replay({kGc}, options(4));
    const synth::SyntheticSpec spec = synth::parse_synthetic_spec(kGc);
    const uint64_t collections = 4 * spec.collections_per_thread();  // 9 per thread
    REQUIRE(r.cpus.size() == 4);
    CHECK(r.os.unmap_events == collections);
    CHECK(r.os.event_pages == collections * 16);
    // Every collection unmaps a region touched before: each is a shootdown,
    // and the threads run in step, so all 4 CPUs are in the mask every time.
    CHECK(r.os.shootdowns == collections);
    CHECK(r.os.remote_shootdowns == collections);
    CHECK(r.os.full_flushes == 0);
    const machine::CpuStats& t = r.smp_total;
    CHECK(t.ipis_sent == r.os.shootdowns * 3);
    CHECK(t.ipis_received == t.ipis_sent);
    CHECK(t.ipi_rounds == r.os.shootdowns);
    // Every CPU flushes the same 16 pages with INVLPG: the wait is exact.
    const machine::SmpConfig s;
    CHECK(t.ack_wait_cycles == r.os.shootdowns * (s.ipi_latency + s.irq_entry + s.ack_latency));
    const uint64_t invlpg = MmuConfig::skylake().costs.invlpg;
    CHECK(t.interrupt_cycles == t.ipis_received * (s.irq_entry + s.irq_exit + 16 * invlpg));
    CHECK(t.dropped_by_ipi.total() > 0);  // the other threads read the regions too
    for (const replay::CpuResult& c : r.cpus) {
        CHECK(c.shootdowns == collections / 4);
        CHECK(c.smp.ipis_received == collections / 4 * 3);
        CHECK(c.records == r.records / 4);
    }
    CHECK(r.accesses == 4 * 20000 * 2);
    CHECK(r.has_smp_section());
}

TEST_CASE("directions: more CPUs give more IPIs, invlpgb none, a slower IPI a longer wait") {
    const ReplayResult one = replay::replay({kGc}, options(1));
    const ReplayResult two = replay::replay({kGc}, options(2));
    const ReplayResult four = replay::replay({kGc}, options(4));
    CHECK(one.smp_total.ipis_sent == 0);  // one CPU: the local flush only
    CHECK(one.os.shootdowns == four.os.shootdowns);
    CHECK(two.smp_total.ipis_sent > one.smp_total.ipis_sent);
    CHECK(four.smp_total.ipis_sent > two.smp_total.ipis_sent);
    CHECK(four.smp_total.ack_wait_cycles > 0);

    ReplayOptions b = options(4);
    b.os.shootdown = os::ShootdownMode::invlpgb;
    const ReplayResult broadcast = replay::replay({kGc}, b);
    CHECK(broadcast.smp_total.ipis_sent == 0);
    CHECK(broadcast.smp_total.interrupt_cycles == 0);
    CHECK(broadcast.smp_total.invlpgb_issued == broadcast.os.shootdowns * 2);  // 16 pages, 8 per INVLPGB
    CHECK(broadcast.smp_total.tlbsync == broadcast.os.shootdowns);
    CHECK(broadcast.os.shootdown_cycles < four.os.shootdown_cycles);

    ReplayOptions slow = options(4);
    slow.smp.ipi_latency = 3000;
    const ReplayResult slower = replay::replay({kGc}, slow);
    CHECK(slower.smp_total.ipis_sent == four.smp_total.ipis_sent);
    CHECK(slower.smp_total.ack_wait_cycles == four.smp_total.ack_wait_cycles + four.os.shootdowns * 2000);
}

TEST_CASE("a CPU whose process is not the one unmapping gets no IPI") {
    // Two processes of two threads on 4 CPUs: threads k on CPU k mod 4, so
    // process 1 runs on CPUs 0 and 1, process 2 on CPUs 2 and 3.
    const std::string spec = "synth:gc,threads=2,processes=2,heap=1m,region=64k,unmap_period=2000,accesses=20000";
    const ReplayResult r = replay::replay({spec}, options(4));
    CHECK(r.os.processes == 2);
    CHECK(r.smp_total.ipis_sent == r.os.shootdowns);  // one other CPU in each mask
    for (unsigned cpu = 0; cpu < 4; ++cpu) CHECK(r.cpus[cpu].smp.ipis_received == r.cpus[cpu ^ 1].shootdowns);
}

TEST_CASE("one CPU without events: no many-CPU section, the same figures as the single-CPU engine") {
    const ReplayResult r = replay::replay({"synth:random,pages=256,accesses=20000"}, options(1));
    CHECK_FALSE(r.has_smp_section());
    CHECK(r.cpus.size() == 1);
    CHECK(r.smp_total.ipis_sent == 0);
}

TEST_CASE("native event records: unmap and protect of a context's range, replayed and counted") {
    const uint64_t base = 0x10000000;
    std::vector<Record> records;
    for (unsigned i = 0; i < 8; ++i) records.push_back(access(RecordKind::load, base + i * 4096));
    records.push_back(event_record(RecordKind::unmap, base, 4));
    records.push_back(event_record(RecordKind::protect, base + 4 * 4096, 4, 0, trace::prot::READ));
    records.push_back(event_record(RecordKind::drop, base + 0x100000, 1));  // nothing mapped there
    for (unsigned i = 0; i < 8; ++i) records.push_back(access(RecordKind::load, base + i * 4096));
    const std::string path = write_native("events.native", records);
    const ReplayResult r = replay::replay({path}, options(1));
    CHECK(r.os.unmap_events == 1);
    CHECK(r.os.protect_events == 1);
    CHECK(r.os.drop_events == 1);
    CHECK(r.os.unmapped[0] == 4);
    CHECK(r.os.protected_entries == 4);
    CHECK(r.os.shootdowns == 2);  // the drop changed nothing
    CHECK(r.os.demand_faults == 8 + 4);
    CHECK(r.has_smp_section());
}
