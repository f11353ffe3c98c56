// Debug transport through MmuModule: translated from the page tables with no
// side effects at all.
#include "testbench.h"

#include "tlmmu/core/stats.h"

using namespace tlmmu;
using namespace tlmmu::test;

TEST_CASE("debug transport translates without changing statistics, TLBs, A bits or time") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.memory.storage().write64(kPa + 8, 0x5555'aaaa'5555'aaaa);
    const std::string stats_before = stats_to_json(tb.mmu.core().stats());
    uint64_t value = 0;
    unsigned bytes = 0;
    sc_time local_time;
    tb.run([&] {
        bytes = tb.cpu.debug(tlm::TLM_READ_COMMAND, kVa + 8, reinterpret_cast<unsigned char*>(&value), 8);
        local_time = tb.cpu.qk.get_local_time();
    });

    CHECK(bytes == 8);
    CHECK(value == 0x5555'aaaa'5555'aaaa);
    CHECK(stats_to_json(tb.mmu.core().stats()) == stats_before);
    CHECK(tb.l1d_entry(kVa) == nullptr);
    CHECK(tb.l2_entry(kVa) == nullptr);
    for (unsigned level = 2; level <= 4; ++level) CHECK(tb.mmu.core().psc(level).valid_entries() == 0);
    for (unsigned level = 1; level <= 4; ++level) CHECK(!(tb.entry(kVa, level) & pte::A));
    CHECK(local_time == sc_core::SC_ZERO_TIME);
    CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
    CHECK(tb.probe.count(false) == 0);  // no blocking transport at all
    CHECK(tb.probe.count(true) == 5);   // four entries, then the data
}

TEST_CASE("debug transport writes across a page boundary and stops at an unmapped page") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.map(kVa + 0x1000, kSecondPa);  // kVa + 0x2000 is not mapped
    tb.boot();
    unsigned crossing = 0, into_hole = 0, unmapped = 1;
    TranslationExtension hole;
    tb.run([&] {
        uint64_t value = 0x1122334455667788;
        crossing = tb.cpu.debug(tlm::TLM_WRITE_COMMAND, kVa + 0xffc, reinterpret_cast<unsigned char*>(&value), 8);
        into_hole = tb.cpu.debug(tlm::TLM_READ_COMMAND, kVa + 0x1ffc, reinterpret_cast<unsigned char*>(&value), 8);
        unmapped = tb.cpu.debug(tlm::TLM_READ_COMMAND, kVa + 0x2000, reinterpret_cast<unsigned char*>(&value), 8,
                                &hole);
    });

    CHECK(crossing == 8);
    uint32_t low = 0, high = 0;
    tb.memory.storage().read(kPa + 0xffc, &low, 4);
    tb.memory.storage().read(kSecondPa, &high, 4);
    CHECK(low == 0x55667788);
    CHECK(high == 0x11223344);
    CHECK(into_hole == 4);  // the bytes up to the end of the mapped page
    CHECK(unmapped == 0);
    CHECK(hole.fault.kind == FaultKind::pf);
    CHECK(hole.fault.address == kVa + 0x2000);
    CHECK(!(tb.entry(kVa) & pte::D));  // debug writes set no D bit either
}

TEST_CASE("a blocking access flagged debug is carried out as debug transport") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.memory.storage().write64(kPa, 99);
    const std::string stats_before = stats_to_json(tb.mmu.core().stats());
    Request debug;
    debug.debug = true;
    Result r;
    tb.run([&] { r = tb.cpu.read(kVa, 8, debug); });

    REQUIRE(r.ok());
    CHECK(r.value == 99);
    CHECK(r.delay == sc_core::SC_ZERO_TIME);
    CHECK(stats_to_json(tb.mmu.core().stats()) == stats_before);
    CHECK(tb.l1d_entry(kVa) == nullptr);
    CHECK(tb.probe.count(false) == 0);
}

// Debug transport reads the page tables in memory; a stale TLB entry (tables
// edited without INVLPG) still steers blocking accesses, as on the processor.
TEST_CASE("debug transport follows the page tables in memory, not stale TLB entries") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.memory.storage().write64(kPa, 1);
    tb.memory.storage().write64(kSecondPa, 2);
    Result stale;
    uint64_t debug_value = 0;
    tb.run([&] {
        CHECK(tb.cpu.read(kVa).value == 1);
        const uint64_t leaf = tb.builder.entry_address(tb.root, kVa, 1);
        tb.builder.write(leaf, (tb.builder.read(leaf) & ~0x000f'ffff'ffff'f000ull) | kSecondPa);
        stale = tb.cpu.read(kVa);
        tb.cpu.debug(tlm::TLM_READ_COMMAND, kVa, reinterpret_cast<unsigned char*>(&debug_value), 8);
    });
    CHECK(stale.value == 1);
    CHECK(stale.ext.source == Source::l1);
    CHECK(debug_value == 2);
}
