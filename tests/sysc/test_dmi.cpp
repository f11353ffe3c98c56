// Direct memory interface through MmuModule: granted per translated page,
// write only once D is set, revoked by every flush.
#include "testbench.h"

#include <string>
#include <utility>

using namespace tlmmu;
using namespace tlmmu::test;

namespace {

// DMI requests carry no time: their walks start at simulation time, behind
// the initiator's local time. The probe's time-order check does not apply.
struct DmiTestbench : Testbench {
    DmiTestbench() { probe.check_time_order = false; }
};

uint8_t* host_pointer(Testbench& tb, uint64_t pa) {
    uint64_t start = 0, end = 0;
    uint8_t* block = tb.memory.storage().block(pa, start, end);
    return block ? block + (pa - start) : nullptr;
}
}  // namespace

TEST_CASE("DMI is granted for the translated page with the pointer to its physical frame") {
    DmiTestbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.memory.storage().write64(kPa + 0x10, 0x0102030405060708);
    tlm::tlm_dmi dmi;
    bool granted = false;
    tb.run([&] { granted = tb.cpu.dmi(kVa + 0x10, dmi); });

    REQUIRE(granted);
    CHECK(dmi.get_start_address() == kVa);
    CHECK(dmi.get_end_address() == kVa + 0xfff);
    CHECK(dmi.get_dmi_ptr() == host_pointer(tb, kPa));
    uint64_t value = 0;
    std::memcpy(&value, dmi.get_dmi_ptr() + 0x10, 8);
    CHECK(value == 0x0102030405060708);
    CHECK(dmi.is_read_allowed());
    CHECK(!dmi.is_write_allowed());  // D is clear
    const sc_time tlb_hit = ns(1) * double(tb.options.config.l1d.latency);
    CHECK(dmi.get_read_latency() == tb.options.read_latency + tlb_hit);
    CHECK(dmi.get_write_latency() == tb.options.write_latency + tlb_hit);
    // The request was a normal translation: A set, TLB filled.
    CHECK((tb.entry(kVa) & pte::A));
    CHECK(tb.l1d_entry(kVa) != nullptr);
}

TEST_CASE("DMI write access is granted only once D is set, and never for a read-only page") {
    constexpr uint64_t kReadOnly = kVa + 0x1000, kSupervisor = kVa + 0x2000;
    DmiTestbench tb;
    tb.map(kVa, kPa);
    tb.map(kReadOnly, kPa + 0x1000, pte::US | pte::A | pte::D);
    tb.map(kSupervisor, kPa + 0x2000, pte::RW | pte::A | pte::D);
    tb.boot();
    Request user;
    user.user = true;
    tlm::tlm_dmi clean, dirty, read_only, supervisor_for_user;
    bool clean_granted = false, dirty_granted = false, read_only_granted = false, user_granted = true;
    tb.run([&] {
        clean_granted = tb.cpu.dmi(kVa, clean, tlm::TLM_WRITE_COMMAND);
        CHECK(tb.cpu.write(kVa + 8, 0x77).ok());  // through b_transport: sets D
        dirty_granted = tb.cpu.dmi(kVa, dirty, tlm::TLM_WRITE_COMMAND);
        read_only_granted = tb.cpu.dmi(kReadOnly, read_only, tlm::TLM_WRITE_COMMAND);
        user_granted = tb.cpu.dmi(kSupervisor, supervisor_for_user, tlm::TLM_READ_COMMAND, user);
    });

    REQUIRE(clean_granted);
    CHECK(clean.is_read_allowed());
    CHECK(!clean.is_write_allowed());

    REQUIRE(dirty_granted);
    CHECK(dirty.is_read_write_allowed());
    const uint64_t value = 0xfeedface;
    std::memcpy(dirty.get_dmi_ptr() + 0x20, &value, 8);
    CHECK(tb.stored64(kPa + 0x20) == 0xfeedface);

    REQUIRE(read_only_granted);
    CHECK(read_only.is_read_allowed());
    CHECK(!read_only.is_write_allowed());

    CHECK(!user_granted);
    CHECK(supervisor_for_user.is_none_allowed());
}

TEST_CASE("DMI is refused where the access would fault, and a fetch never gets write access") {
    constexpr uint64_t kCode = kVa + 0x1000, kData = kVa + 0x2000;
    DmiTestbench tb;
    tb.map(kCode, kPa + 0x1000, pte::RW | pte::US | pte::A | pte::D);
    tb.map(kData, kPa + 0x2000, pte::RW | pte::US | pte::XD);
    tb.boot();
    Request fetch;
    fetch.fetch = true;
    tlm::tlm_dmi unmapped, code, data_as_code;
    bool unmapped_granted = true, code_granted = false, data_granted = true;
    tb.run([&] {
        unmapped_granted = tb.cpu.dmi(kUnmapped, unmapped);
        code_granted = tb.cpu.dmi(kCode, code, tlm::TLM_READ_COMMAND, fetch);
        data_granted = tb.cpu.dmi(kData, data_as_code, tlm::TLM_READ_COMMAND, fetch);
    });
    CHECK(!unmapped_granted);
    CHECK(unmapped.is_none_allowed());
    REQUIRE(code_granted);
    CHECK(code.is_read_allowed());
    CHECK(!code.is_write_allowed());
    CHECK(code.get_read_latency() == tb.options.read_latency + ns(1) * double(tb.options.config.l1i.latency));
    CHECK(!data_granted);  // XD
}

TEST_CASE("a 2 MiB page is handed out in pieces of the memory's 64 KiB DMI blocks") {
    constexpr uint64_t kLarge = 0x4000'0000, kLargePa = 0x20'0000;
    DmiTestbench tb;
    tb.map(kLarge, kLargePa, pte::RW | pte::US, PageSize::m2);
    tb.boot();
    tlm::tlm_dmi dmi;
    bool granted = false;
    tb.run([&] { granted = tb.cpu.dmi(kLarge + 0x12345, dmi); });
    REQUIRE(granted);
    CHECK(dmi.get_start_address() == kLarge + 0x10000);
    CHECK(dmi.get_end_address() == kLarge + 0x1ffff);
    CHECK(dmi.get_dmi_ptr() == host_pointer(tb, kLargePa + 0x10000));
}

TEST_CASE("with paging off DMI covers the memory's whole block at the same address") {
    DmiTestbench tb;  // not booted
    tlm::tlm_dmi dmi;
    bool granted = false;
    tb.run([&] { granted = tb.cpu.dmi(0x12345, dmi, tlm::TLM_WRITE_COMMAND); });
    REQUIRE(granted);
    CHECK(dmi.get_start_address() == 0x10000);
    CHECK(dmi.get_end_address() == 0x1ffff);
    CHECK(dmi.get_dmi_ptr() == host_pointer(tb, 0x10000));
    CHECK(dmi.is_read_write_allowed());
}

TEST_CASE("INVLPG, CR3 writes, every flush and page faults invalidate the DMI handed out") {
    DmiTestbench tb;
    tb.map(kVa, kPa);
    tb.boot(cr4::PGE);
    struct Step {
        std::string name;
        std::function<bool(sc_time&)> operation;  // true when it did not fault
    };
    sysc::MmuModule& mmu = tb.mmu;
    const std::vector<Step> steps = {
        {"invlpg of another page", [&](sc_time& d) { return mmu.invlpg(kUnmapped, d).ok(); }},
        {"mov cr3", [&](sc_time& d) { return mmu.write_cr3(tb.root, d).ok(); }},
        {"invpcid address", [&](sc_time& d) { return mmu.invpcid(0, 0, kUnmapped, d).ok(); }},
        {"invpcid single context", [&](sc_time& d) { return mmu.invpcid(1, 0, 0, d).ok(); }},
        {"invpcid all", [&](sc_time& d) { return mmu.invpcid(2, 0, 0, d).ok(); }},
        {"invpcid all but global", [&](sc_time& d) { return mmu.invpcid(3, 0, 0, d).ok(); }},
        {"mov cr4 clearing PGE", [&](sc_time& d) { return mmu.write_cr4(cr4::PAE, d).ok(); }},
        {"wrmsr efer", [&](sc_time& d) { return mmu.write_efer(efer::LME | efer::NXE, d).ok(); }},
        {"wrpkru", [&](sc_time& d) { return mmu.write_pkru(0, d).ok(); }},
        {"EFLAGS.AC", [&](sc_time&) { mmu.set_ac(true); return true; }},
        {"page fault", [&](sc_time&) { return !tb.cpu.read(kUnmapped).ok(); }},
        {"mov cr0 clearing PG", [&](sc_time& d) { return mmu.write_cr0(cr0::PE, d).ok(); }},
    };
    std::vector<unsigned> invalidations(steps.size());
    std::vector<bool> granted(steps.size()), operated(steps.size());
    unsigned without_outstanding_dmi = 0;
    bool whole_range = true;
    tb.run([&] {
        for (size_t i = 0; i < steps.size(); ++i) {
            tlm::tlm_dmi dmi;
            granted[i] = tb.cpu.dmi(kVa, dmi);
            const unsigned before = tb.cpu.dmi_invalidations;
            sc_time delay;
            operated[i] = steps[i].operation(delay);
            invalidations[i] = tb.cpu.dmi_invalidations - before;
            whole_range &= tb.cpu.last_invalidated_start == 0 && tb.cpu.last_invalidated_end == ~0ull;
        }
        // Nothing outstanding: nothing to revoke.
        const unsigned before = tb.cpu.dmi_invalidations;
        sc_time delay;
        mmu.invlpg(kVa, delay);
        without_outstanding_dmi = tb.cpu.dmi_invalidations - before;
    });

    for (size_t i = 0; i < steps.size(); ++i) {
        INFO(steps[i].name);
        CHECK(granted[i]);
        CHECK(operated[i]);
        CHECK(invalidations[i] == 1);
    }
    CHECK(whole_range);
    CHECK(without_outstanding_dmi == 0);
}

TEST_CASE("memory withdrawing its DMI revokes the MMU's DMI") {
    DmiTestbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    bool granted = false;
    tb.run([&] {
        tlm::tlm_dmi dmi;
        granted = tb.cpu.dmi(kVa, dmi);
        tb.probe.invalidate_memory_dmi();
    });
    CHECK(granted);
    CHECK(tb.cpu.dmi_invalidations == 1);
}

namespace {
// An initiator's DMI cache of one region, used as a real initiator uses it:
// a read inside the region goes through the pointer until the MMU
// invalidates it; any other read goes through b_transport and asks again.
struct CachingReader {
    explicit CachingReader(Testbench& bench) : tb(bench) {}
    Testbench& tb;
    tlm::tlm_dmi region;
    bool held = false;
    unsigned seen_invalidations = 0;
    unsigned through_pointer = 0, through_transport = 0;

    uint64_t read(uint64_t va) {
        if (held && tb.cpu.dmi_invalidations != seen_invalidations) held = false;  // revoked
        if (held && va >= region.get_start_address() && va + 7 <= region.get_end_address()) {
            ++through_pointer;
            uint64_t value = 0;
            std::memcpy(&value, region.get_dmi_ptr() + (va - region.get_start_address()), 8);
            return value;
        }
        ++through_transport;
        const Result r = tb.cpu.read(va);
        CHECK(r.ok());
        seen_invalidations = tb.cpu.dmi_invalidations;
        held = tb.cpu.dmi(va, region) && region.is_read_allowed();
        return r.value;
    }
};
}  // namespace

TEST_CASE("a page-table store through the MMU revokes DMI, and no stale pointer is read after it") {
    constexpr uint64_t kTableWindow = 0x7200'0000;  // a linear view of the page table that maps kVa
    DmiTestbench tb;
    tb.map(kVa, kPa);
    const uint64_t pte = tb.builder.entry_address(tb.root, kVa, 1);
    tb.map(kTableWindow, pte & ~0xfffull, pte::RW | pte::A | pte::D);
    tb.boot();
    tb.memory.storage().write64(kPa, 0x1111);
    tb.memory.storage().write64(kSecondPa, 0x2222);
    CachingReader reader(tb);
    uint64_t before = 0, after_store = 0, after_invlpg = 0;
    unsigned revoked_by_store = 0, pointer_reads_after_store = 0;
    tb.run([&] {
        before = reader.read(kVa);
        CHECK(reader.read(kVa) == 0x1111);  // through the pointer now
        CHECK(reader.through_pointer == 1);
        const unsigned invalidations = tb.cpu.dmi_invalidations;
        // Remap kVa to the second frame by a store through the MMU.
        CHECK(tb.cpu.write(kTableWindow + (pte & 0xfff), kSecondPa | pte::P | pte::RW | pte::US | pte::A).ok());
        revoked_by_store = tb.cpu.dmi_invalidations - invalidations;
        const unsigned pointer_reads = reader.through_pointer;
        after_store = reader.read(kVa);  // the TLB may still translate to the old frame (SDM 4.10.4.3)
        pointer_reads_after_store = reader.through_pointer - pointer_reads;
        sc_time delay;
        tb.mmu.invlpg(kVa, delay);
        after_invlpg = reader.read(kVa);
        after_invlpg = reader.read(kVa);  // and again, through the new region
    });
    CHECK(before == 0x1111);
    CHECK(revoked_by_store == 1);
    CHECK(pointer_reads_after_store == 0);
    CHECK(after_store == 0x1111);
    CHECK(after_invlpg == 0x2222);
}

TEST_CASE("a page-table edit the MMU cannot see keeps DMI like a TLB entry, and the flush revokes it") {
    DmiTestbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.memory.storage().write64(kPa, 0x1111);
    tb.memory.storage().write64(kSecondPa, 0x2222);
    const uint64_t pte = tb.builder.entry_address(tb.root, kVa, 1);
    CachingReader reader(tb);
    uint64_t stale = 0, fresh = 0;
    unsigned transport_after_flush = 0;
    tb.run([&] {
        reader.read(kVa);
        // Another agent rewrites the entry: as with the TLB, nothing changes before the flush.
        tb.memory.storage().write64(pte, kSecondPa | pte::P | pte::RW | pte::US | pte::A);
        stale = reader.read(kVa);
        sc_time delay;
        tb.mmu.invlpg(kVa, delay);
        const unsigned transports = reader.through_transport;
        fresh = reader.read(kVa);
        transport_after_flush = reader.through_transport - transports;
    });
    CHECK(stale == 0x1111);
    CHECK(transport_after_flush == 1);  // the revoked pointer was not used
    CHECK(fresh == 0x2222);
}

TEST_CASE("DMI never hands out a page table writable, and revokes a writable region once it holds one") {
    constexpr uint64_t kTableWindow = 0x7200'0000;
    DmiTestbench tb;
    tb.map(kVa, kPa, pte::RW | pte::US | pte::A | pte::D);
    const uint64_t pte = tb.builder.entry_address(tb.root, kVa, 1);
    tb.map(kTableWindow, pte & ~0xfffull, pte::RW | pte::A | pte::D);
    tb.boot();
    // kUnmapped's page directory entry, in the same directory as kVa's.
    const uint64_t pde = tb.builder.entry_address(tb.root, kVa, 2) - ((kVa >> 21) & 511) * 8 + ((kUnmapped >> 21) & 511) * 8;
    tlm::tlm_dmi table_view, data, data_again;
    bool table_granted = false, data_granted = false, again_granted = false;
    unsigned revoked_by_walk = 0;
    uint64_t read_through_new_table = 0;
    tb.memory.storage().write64(kSecondPa, 0x2222);
    tb.run([&] {
        CHECK(tb.cpu.read(kVa).ok());  // the walker reads kVa's page table: from now on it is one
        CHECK(tb.cpu.read(kTableWindow).ok());
        table_granted = tb.cpu.dmi(kTableWindow, table_view, tlm::TLM_WRITE_COMMAND);
        data_granted = tb.cpu.dmi(kVa, data, tlm::TLM_WRITE_COMMAND);
        // The page at kPa becomes a page table: the OS writes an entry into it
        // through the writable pointer and links it into the directory.
        const uint64_t entry = kSecondPa | pte::P | pte::RW | pte::US;
        std::memcpy(data.get_dmi_ptr() + ((kUnmapped >> 12) & 511) * 8, &entry, 8);
        tb.memory.storage().write64(pde, kPa | pte::P | pte::RW | pte::US);
        const unsigned invalidations = tb.cpu.dmi_invalidations;
        const Result r = tb.cpu.read(kUnmapped);  // the walk reads the new table at kPa
        CHECK(r.ok());
        read_through_new_table = r.value;
        revoked_by_walk = tb.cpu.dmi_invalidations - invalidations;
        again_granted = tb.cpu.dmi(kVa, data_again, tlm::TLM_WRITE_COMMAND);
    });
    REQUIRE(table_granted);
    CHECK(table_view.is_read_allowed());
    CHECK(!table_view.is_write_allowed());
    REQUIRE(data_granted);
    CHECK(data.is_write_allowed());
    CHECK(read_through_new_table == 0x2222);
    CHECK(revoked_by_walk == 1);
    REQUIRE(again_granted);
    CHECK(!data_again.is_write_allowed());
}
