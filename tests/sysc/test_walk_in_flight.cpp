// A walk that yields inside the memory (the probe holds page-walk reads in a
// wait()) while another process flushes: the access completes with what the
// walk read, but nothing it read may be cached.
#include "testbench.h"

using namespace tlmmu;
using namespace tlmmu::test;

namespace {

// Runs `operation` in its own thread at `when`, recording the time it ran.
void at(sc_time when, std::function<void()> operation, sc_time& ran_at) {
    sc_core::sc_spawn_options thread;
    thread.set_stack_size(1 << 20);
    sc_core::sc_spawn(
        [when, operation, &ran_at] {
            sc_core::wait(when);
            operation();
            ran_at = sc_core::sc_time_stamp();
        },
        nullptr, &thread);
}
}  // namespace

TEST_CASE("a flush that lands while a walk is in flight does not let that walk fill") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.memory.storage().write64(kPa, 7);
    tb.probe.hold_walk_reads = ns(10);
    sc_time flushed_at, completed_at;
    at(ns(5), [&] {
        sc_time delay;
        CHECK(tb.mmu.invlpg(kVa, delay).ok());
    }, flushed_at);
    Result r;
    tb.run([&] {
        r = tb.cpu.read(kVa);
        completed_at = sc_core::sc_time_stamp();
    });

    REQUIRE(r.ok());
    CHECK(r.value == 7);
    CHECK(flushed_at == ns(5));
    CHECK(completed_at > flushed_at);  // the walk was in flight across the flush
    CHECK(tb.mmu.core().stats().walk.fills_suppressed == 1);
    CHECK(tb.l1d_entry(kVa) == nullptr);
    CHECK(tb.l2_entry(kVa) == nullptr);
    for (unsigned level = 2; level <= 4; ++level) CHECK(tb.mmu.core().psc(level).valid_entries() == 0);

    // The next access walks again and may fill.
    tb.probe.hold_walk_reads = sc_core::SC_ZERO_TIME;
    Result again;
    tb.run([&] { again = tb.cpu.read(kVa); });
    CHECK(again.ext.source == Source::walk);
    CHECK(tb.l1d_entry(kVa) != nullptr);
}

TEST_CASE("a walk held in memory with no flush meanwhile fills the TLB, and the hold counts once") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.probe.hold_walk_reads = ns(10);
    Result r;
    sc_time completed;
    tb.run([&] {
        r = tb.cpu.read(kVa);
        completed = tb.cpu.now();
    });
    REQUIRE(r.ok());
    CHECK(tb.mmu.core().stats().walk.fills_suppressed == 0);
    CHECK(tb.l1d_entry(kVa) != nullptr);

    // Four entry reads and four locked reads, each held 10 ns: the walk took
    // 80 cycles longer, and the initiator finishes 80 ns later, not 160.
    const MmuConfig& c = tb.options.config;
    const uint64_t unheld = c.l1d.latency + c.l2.latency + c.psc_latency + 4 * 20 + 4 * (20 + 30);
    CHECK(r.ext.cycles == unheld + 80);
    CHECK(completed == ns(1) * double(unheld + 80) + tb.options.read_latency);
}

TEST_CASE("DMI is refused for a translation that a flush overtook") {
    Testbench tb;
    tb.probe.check_time_order = false;  // DMI walks carry no time
    tb.map(kVa, kPa);
    tb.boot();
    tb.probe.hold_walk_reads = ns(10);
    sc_time flushed_at;
    at(ns(5), [&] {
        sc_time delay;
        tb.mmu.invlpg(kVa, delay);
    }, flushed_at);
    bool overtaken = true;
    tb.run([&] {
        tlm::tlm_dmi dmi;
        overtaken = tb.cpu.dmi(kVa, dmi);
    });
    CHECK(!overtaken);
    CHECK(flushed_at == ns(5));

    tb.probe.hold_walk_reads = sc_core::SC_ZERO_TIME;
    bool later = false;
    tb.run([&] {
        tlm::tlm_dmi dmi;
        later = tb.cpu.dmi(kVa, dmi);
    });
    CHECK(later);
}
