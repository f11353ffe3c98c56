// The MMU as a bus bridge reaches memory through the memory's DMI for the
// data part of translated accesses: what the initiator sees (bytes, response,
// latency) is what b_transport gives; the memory's b_transport is not called.
#include "testbench.h"

using namespace tlmmu;
using namespace tlmmu::test;

TEST_CASE("translated accesses use the memory's DMI once granted, with the same bytes and latency") {
    Testbench tb;
    tb.map(kVa, kPa, pte::RW | pte::US | pte::A | pte::D);
    tb.boot();
    tb.memory.storage().write64(kPa + 8, 0x0102030405060708);
    Result first, second, written, again;
    tb.run([&] {
        first = tb.cpu.read(kVa);  // walks; data through b_transport, which offers DMI
        second = tb.cpu.read(kVa + 8);
        written = tb.cpu.write(kVa + 16, 0xfeedfacecafebeef);
        again = tb.cpu.read(kVa + 16);
    });
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    REQUIRE(written.ok());
    REQUIRE(again.ok());
    CHECK(tb.probe.data_accesses().size() == 1);  // only the first access reached b_transport
    CHECK(second.value == 0x0102030405060708);
    CHECK(tb.stored64(kPa + 16) == 0xfeedfacecafebeef);
    CHECK(again.value == 0xfeedfacecafebeef);
    const sc_time l1_hit = tb.options.clock_period * double(tb.options.config.l1d.latency);
    CHECK(second.delay == l1_hit + tb.options.read_latency);
    CHECK(written.delay == l1_hit + tb.options.write_latency);
}

TEST_CASE("a memory DMI revocation sends data accesses back through b_transport") {
    Testbench tb;
    tb.map(kVa, kPa, pte::RW | pte::US | pte::A | pte::D);
    tb.boot();
    tb.run([&] {
        CHECK(tb.cpu.read(kVa).ok());
        CHECK(tb.cpu.read(kVa + 8).ok());
        tb.probe.invalidate_memory_dmi();
        CHECK(tb.cpu.read(kVa + 16).ok());
    });
    CHECK(tb.probe.data_accesses().size() == 2);
}

TEST_CASE("with memory DMI switched off every data access goes through b_transport") {
    Testbench tb;
    tb.mmu.use_memory_dmi(false);
    tb.map(kVa, kPa, pte::RW | pte::US | pte::A | pte::D);
    tb.boot();
    tb.run([&] {
        for (unsigned i = 0; i < 4; ++i) CHECK(tb.cpu.read(kVa + 8 * i).ok());
    });
    CHECK(tb.probe.data_accesses().size() == 4);
}
