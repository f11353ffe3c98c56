// The OS model builds real page tables from buddy frames, maps on first
// touch, follows its page-size policy and switches address spaces under the
// PCID and KPTI policies of docs/os-model.md.
#include <catch2/catch.hpp>

#include <set>

#include "tlmmu/os/os_model.h"

using namespace tlmmu;
using namespace tlmmu::os;

namespace {

constexpr uint64_t kBase = 0x100000000ull;  // 4 GiB: 1 GiB aligned

OsConfig small_config() {
    OsConfig c;
    c.memory_bytes = 512ull << 20;
    return c;
}

// Touches `pages` pages of 4 KiB from kBase with loads.
void touch(OsModel& os, unsigned pages, AccessType type = AccessType::read) {
    for (unsigned i = 0; i < pages; ++i) REQUIRE(os.access(kBase + i * 4096ull, type).ok());
}

}  // namespace

TEST_CASE("page tables are built from buddy frames and walked by the MMU") {
    OsModel os(MmuConfig::skylake(), small_config());
    const unsigned p = os.create_process();
    os.schedule(p, false);
    const uint64_t root = os.kernel_root(p);
    CHECK(os.buddy().is_allocated(root >> 12, 0));
    CHECK((os.mmu().regs().cr3 & ~0xfffull) == root);

    const Translation t = os.access(kBase + 0x123, AccessType::read);
    REQUIRE(t.ok());
    CHECK(t.source == Source::walk);
    CHECK(os.buddy().is_allocated(t.pa >> 12, 0));  // the data frame is a buddy block
    CHECK((t.pa & 0xfff) == 0x123);
    // Every table on the path is a buddy frame of its own.
    std::set<uint64_t> tables = {root};
    for (unsigned level = 4; level >= 2; --level) {
        const uint64_t e = os.entry_at(root, kBase, level);
        REQUIRE((e & pte::P));
        CHECK(os.buddy().is_allocated((e & 0xffffffffff000ull) >> 12, 0));
        tables.insert(e & 0xffffffffff000ull);
    }
    CHECK(tables.size() == 4);
    CHECK(os.stats().table_pages == 4);  // root + PDPT + PD + PT
    // The faulting walk and the retried one: two walks; the retry read all four levels.
    CHECK(os.mmu().stats().walk.walks == 2);
    CHECK(os.stats().walk_reads[1] == 1);  // the PT entry, read by the retry only
    CHECK(os.stats().walk_reads[4] == 2);
}

TEST_CASE("demand paging maps each page once, on the first touch") {
    OsModel os(MmuConfig::skylake(), small_config());
    os.schedule(os.create_process(), false);
    touch(os, 100);
    CHECK(os.stats().demand_faults == 100);
    CHECK(os.stats().mapped[0] == 100);
    CHECK(os.mmu().stats().faults[unsigned(FaultKind::pf)] == 100);
    touch(os, 100);
    CHECK(os.stats().demand_faults == 100);
    CHECK(os.stats().fault_cycles >= 100 * (os.config().fault_cycles + os.config().zero_cycles));
}

TEST_CASE("page-size policy: 2 MiB where the region is free and an order-9 block exists") {
    OsConfig c = small_config();
    c.page_size = PageSize::m2;
    OsModel os(MmuConfig::skylake(), c);
    os.schedule(os.create_process(), false);
    touch(os, 1024);  // two 2 MiB regions
    CHECK(os.stats().demand_faults == 2);
    CHECK(os.stats().mapped[1] == 2);
    const Translation t = os.access(kBase + 5, AccessType::read);
    CHECK(t.size == PageSize::m2);
    CHECK((t.pa & ((2u << 20) - 1)) == 5);  // a 2 MiB aligned order-9 block
    CHECK(os.buddy().is_allocated(t.pa >> 12, 9));
}

TEST_CASE("page-size policy: fragmented memory falls back to 4 KiB pages") {
    OsConfig c = small_config();
    c.page_size = PageSize::m2;
    c.fragment_percent = 10;
    OsModel os(MmuConfig::skylake(), c);
    os.schedule(os.create_process(), false);
    CHECK(os.buddy().unusable_index(9) > 0.99);
    touch(os, 8);
    CHECK(os.stats().mapped[1] == 0);
    CHECK(os.stats().mapped[0] == 8);
    CHECK(os.stats().thp_fallbacks == 8);
}

TEST_CASE("page-size policy: 1 GiB pages come from the boot-time pool") {
    OsConfig c;
    c.memory_bytes = 3ull << 30;
    c.page_size = PageSize::g1;
    OsModel os(MmuConfig::skylake(), c);
    os.schedule(os.create_process(), false);
    touch(os, 4);
    const Translation t = os.access(kBase + (512ull << 20), AccessType::write);
    CHECK(t.size == PageSize::g1);
    CHECK((t.pa & ((1ull << 30) - 1)) == (512ull << 20));
    CHECK(os.stats().mapped[2] == 1);
    // The pool had one page: the next gigabyte gets 2 MiB pages.
    REQUIRE(os.access(kBase + (1ull << 30), AccessType::read).ok());
    CHECK(os.stats().mapped[1] == 1);
    CHECK(os.stats().gigantic_fallbacks == 1);
}

TEST_CASE("a memory too small for the gigantic pool is a configuration error naming the key") {
    OsConfig c = small_config();
    c.page_size = PageSize::g1;
    CHECK_THROWS_WITH(OsModel(MmuConfig::skylake(), c), Catch::Contains("gigantic_pages"));
}

TEST_CASE("first fetch maps code read-only; a later write upgrades it with one INVLPG") {
    OsModel os(MmuConfig::skylake(), small_config());
    os.schedule(os.create_process(), false);
    Translation t = os.access(kBase, AccessType::fetch);
    REQUIRE(t.ok());
    CHECK_FALSE(t.rights.writable);
    CHECK_FALSE(t.rights.nx);
    t = os.access(kBase + 8, AccessType::write);
    REQUIRE(t.ok());
    CHECK(os.stats().protection_faults == 1);
    CHECK(os.mmu().stats().ops[unsigned(Operation::invlpg)].count == 1);
    // A data page becomes executable on its first fetch.
    REQUIRE(os.access(kBase + 0x10000, AccessType::read).ok());
    REQUIRE(os.access(kBase + 0x10000, AccessType::fetch).ok());
    CHECK(os.stats().protection_faults == 2);
    CHECK(os.stats().unresolved_faults == 0);
}

TEST_CASE("non-canonical and kernel-half addresses stay unresolved faults") {
    OsModel os(MmuConfig::skylake(), small_config());
    os.schedule(os.create_process(), false);
    Translation t = os.access(0x0000900000000000ull, AccessType::read);
    CHECK(t.fault.kind == FaultKind::gp);
    CHECK(os.stats().unresolved_faults == 1);
    t = os.access(0xffff900000000000ull, AccessType::read);  // canonical, kernel half
    CHECK(t.fault.kind == FaultKind::pf);
    CHECK(os.stats().unresolved_faults == 2);
    CHECK(os.stats().demand_faults == 0);
}

namespace {

// Two processes take turns touching the same 8 pages each, `rounds` times;
// returns the L1D misses of the last round.
uint64_t misses_of_last_round(PcidMode mode, bool kpti, unsigned rounds = 4) {
    OsConfig c = small_config();
    c.pcid = mode;
    c.kpti = kpti;
    OsModel os(MmuConfig::skylake(), c);
    const unsigned a = os.create_process(), b = os.create_process();
    uint64_t before = 0;
    for (unsigned r = 0; r < rounds; ++r) {
        before = os.mmu().stats().l1d.total_misses();
        for (unsigned p : {a, b}) {
            os.schedule(p, true);
            touch(os, 8);
        }
    }
    return os.mmu().stats().l1d.total_misses() - before;
}

}  // namespace

TEST_CASE("PCIDs off: every switch refills the TLB; no-flush ASIDs keep it") {
    CHECK(misses_of_last_round(PcidMode::off, false) == 16);
    CHECK(misses_of_last_round(PcidMode::on, false) == 16);  // a PCID, but written without the no-flush bit
    CHECK(misses_of_last_round(PcidMode::noflush, false) == 0);
    // KPTI adds a CR3 write on every kernel entry and exit: without PCIDs each
    // one flushes; with no-flush ASIDs the refills still vanish.
    CHECK(misses_of_last_round(PcidMode::off, true) == 16);
    CHECK(misses_of_last_round(PcidMode::noflush, true) == 0);
}

TEST_CASE("Linux's six dynamic ASIDs: reused up to six processes, taken over beyond") {
    for (unsigned n : {6u, 7u}) {
        OsConfig c = small_config();
        c.pcid = PcidMode::noflush;
        OsModel os(MmuConfig::skylake(), c);
        for (unsigned i = 0; i < n; ++i) os.create_process();
        std::set<uint16_t> pcids;
        for (unsigned round = 0; round < 3; ++round)
            for (unsigned p = 0; p < n; ++p) {
                os.schedule(p, true);
                pcids.insert(os.mmu().current_pcid());
                touch(os, 2);
            }
        CHECK(pcids.size() == 6);
        CHECK(*pcids.begin() == 1);  // PCID 0 stays with the boot tables
        CHECK(*pcids.rbegin() == 6);
        if (n == 6) {
            CHECK(os.stats().asid_allocations == 6);
            CHECK(os.stats().asid_reuses == 12);
        } else {  // round robin over 6 slots with 7 processes: every switch evicts
            CHECK(os.stats().asid_allocations == 21);
            CHECK(os.stats().asid_reuses == 0);
        }
    }
}

TEST_CASE("KPTI gives every process a user PCID = kernel PCID | 0x800 and user-only tables") {
    OsConfig c = small_config();
    c.kpti = true;
    c.pcid = PcidMode::noflush;
    c.kernel_pages = 4;
    OsModel os(MmuConfig::skylake(), c);
    const unsigned a = os.create_process(), b = os.create_process();
    CHECK(os.user_root(a) != os.kernel_root(a));
    std::set<uint16_t> pcids;
    for (unsigned r = 0; r < 2; ++r)
        for (unsigned p : {a, b}) {
            os.schedule(p, true);
            pcids.insert(os.mmu().current_pcid());  // running in user mode
            touch(os, 2);
        }
    CHECK(pcids == std::set<uint16_t>{0x801, 0x802});
    CHECK((os.mmu().regs().cr3 & ~0xfffull) == os.user_root(b));
    // The kernel half is mapped in the kernel tables only (the entry area aside).
    const uint64_t kernel_text = 0xffffffff81000000ull;
    CHECK(os.entry_at(os.kernel_root(a), kernel_text, 1) & pte::P);
    CHECK(os.entry_at(os.user_root(a), kernel_text, 1) == 0);
    CHECK(os.entry_at(os.user_root(a), 0xfffffe0000000000ull, 1) & pte::P);
    // The user half is shared: user pages mapped after the fault appear in both.
    CHECK(os.entry_at(os.user_root(a), kBase, 1) == os.entry_at(os.kernel_root(a), kBase, 1));
    CHECK(os.stats().kernel_accesses > 0);
    CHECK(os.stats().unresolved_faults == 0);
}

TEST_CASE("5-level paging walks a PML5 table") {
    OsConfig c = small_config();
    c.levels = 5;
    OsModel os(MmuConfig::skylake(), c);
    os.schedule(os.create_process(), false);
    touch(os, 1);
    CHECK(os.stats().walk_reads[5] == 2);
    CHECK(os.stats().table_pages == 5);
}

TEST_CASE("OS settings are checked and errors name the key") {
    OsConfig c;
    apply_os_setting(c, "page_size=2m");
    apply_os_setting(c, "memory=1g");
    apply_os_setting(c, "pcid=off");
    CHECK(c.page_size == PageSize::m2);
    CHECK(c.memory_bytes == (1ull << 30));
    CHECK(c.pcid == PcidMode::off);
    CHECK_THROWS_WITH(apply_os_setting(c, "pcid=maybe"), Catch::Contains("pcid"));
    CHECK_THROWS_WITH(apply_os_setting(c, "quantum=abc"), Catch::Contains("quantum"));
    CHECK_THROWS_WITH(apply_os_setting(c, "colour=blue"), Catch::Contains("colour"));
    CHECK_THROWS_AS(apply_os_setting(c, "levels=3"), OsError);
}
