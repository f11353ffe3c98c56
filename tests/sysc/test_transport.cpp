// Blocking transport through MmuModule: data, timing, A/D bits, faults,
// page-crossing accesses and the control operations.
#include "testbench.h"

using namespace tlmmu;
using namespace tlmmu::test;

TEST_CASE("a read through the MMU returns the bytes stored at the physical address") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    tb.memory.storage().write64(kPa + 0x18, 0x1122334455667788);
    Result r;
    tb.run([&] { r = tb.cpu.read(kVa + 0x18); });

    REQUIRE(r.ok());
    CHECK(r.value == 0x1122334455667788);
    CHECK(r.ext.pa == kPa + 0x18);
    CHECK(r.ext.page_size == PageSize::k4);
    CHECK(r.ext.source == Source::walk);
    CHECK(!r.ext.fault);
    const auto data = tb.probe.data_accesses();
    REQUIRE(data.size() == 1);
    CHECK(data[0].address == kPa + 0x18);
    CHECK(data[0].length == 8);
}

TEST_CASE("the walker reads entries as page-walk transactions and sets A with locked read-modify-writes") {
    Testbench tb;
    tb.map(kVa, kPa);  // no A bit anywhere yet
    tb.boot();
    tb.run([&] { CHECK(tb.cpu.read(kVa).ok()); });

    std::vector<uint64_t> entries;
    for (unsigned level = 4; level >= 1; --level) entries.push_back(tb.builder.entry_address(tb.root, kVa, level));
    std::vector<uint64_t> plain_reads, locked_reads, locked_writes;
    for (const Probe::Record& x : tb.probe.log) {
        if (!x.page_walk) continue;
        CHECK(x.length == 8);
        if (!x.locked) plain_reads.push_back(x.address);
        else if (x.command == tlm::TLM_READ_COMMAND) locked_reads.push_back(x.address);
        else locked_writes.push_back(x.address);
    }
    CHECK(plain_reads == entries);
    CHECK(locked_reads == entries);
    CHECK(locked_writes == entries);
    for (unsigned level = 1; level <= 4; ++level) CHECK((tb.entry(kVa, level) & pte::A));

    // Each access is issued when the translation gets to it: the first entry
    // read after the TLB and PSC lookups, the data after the whole walk.
    const MmuConfig& c = tb.options.config;
    const uint64_t lookups = c.l1d.latency + c.l2.latency + c.psc_latency;
    const uint64_t walk = lookups + 4 * 20 + 4 * (20 + 30);
    REQUIRE(tb.probe.log.size() == 13);
    CHECK(tb.probe.log.front().issued_at == ns(1) * double(lookups));
    CHECK(tb.probe.log[1].issued_at == ns(1) * double(lookups + 20));  // the locked read of the PML4E
    CHECK(tb.probe.log.back().issued_at == ns(1) * double(walk));
    CHECK(!tb.probe.log.back().page_walk);
}

TEST_CASE("the annotated delay is translation cycles times the clock period plus the memory latency") {
    TestbenchOptions options;
    options.clock_period = ns(3);  // walker reads: 20 ns -> 7 cycles, writes: 30 ns -> 10 cycles (rounded up)
    Testbench tb(options);
    tb.map(kVa, kPa);
    tb.boot();
    Result walk, hit;
    tb.run([&] {
        walk = tb.cpu.read(kVa);
        hit = tb.cpu.read(kVa + 8);
    });

    const MmuConfig& c = options.config;
    const uint64_t read = 7, write = 10;
    // L1 and L2 miss, one PSC lookup, four entry reads, four A-bit updates.
    const uint64_t walk_cycles = c.l1d.latency + c.l2.latency + c.psc_latency + 4 * read + 4 * (read + write);
    REQUIRE(walk.ok());
    CHECK(walk.ext.source == Source::walk);
    CHECK(walk.ext.pt_reads == 4);
    CHECK(walk.ext.ad_updates == 4);
    CHECK(walk.ext.cycles == walk_cycles);
    CHECK(walk.delay == ns(3) * double(walk_cycles) + ns(20));

    REQUIRE(hit.ok());
    CHECK(hit.ext.source == Source::l1);
    CHECK(hit.ext.cycles == c.l1d.latency);
    CHECK(hit.delay == ns(3) * double(c.l1d.latency) + ns(20));
    CHECK(hit.delay < walk.delay);
}

TEST_CASE("a write sets D in the page-table entry, also when the TLB holds the page clean") {
    constexpr uint64_t kReadFirst = kVa + 0x1000, kReadFirstPa = kPa + 0x5000;
    Testbench tb;
    tb.map(kVa, kPa);
    tb.map(kReadFirst, kReadFirstPa);
    tb.boot();
    Result write, read, write_after_read;
    uint64_t entry_after_read = 0;
    tb.run([&] {
        write = tb.cpu.write(kVa + 0x10, 0xabcdef);
        read = tb.cpu.read(kReadFirst);
        entry_after_read = tb.entry(kReadFirst);
        write_after_read = tb.cpu.write(kReadFirst + 8, 42);
    });

    REQUIRE(write.ok());
    CHECK(tb.stored64(kPa + 0x10) == 0xabcdef);
    CHECK((tb.entry(kVa) & (pte::A | pte::D)) == (pte::A | pte::D));

    REQUIRE(read.ok());
    CHECK((entry_after_read & pte::A));
    CHECK(!(entry_after_read & pte::D));
    REQUIRE(write_after_read.ok());
    CHECK((tb.entry(kReadFirst) & pte::D));
    CHECK(tb.stored64(kReadFirstPa + 8) == 42);
    CHECK(tb.mmu.core().stats().walk.d_bit_assists == 1);
}

TEST_CASE("a fault returns an error response and the extension carries the fault, error code and CR2") {
    constexpr uint64_t kReadOnlyUser = kVa, kSupervisor = kVa + 0x1000, kNoExecute = kVa + 0x2000;
    Testbench tb;
    tb.map(kReadOnlyUser, kPa, pte::US);
    tb.map(kSupervisor, kPa + 0x1000, pte::RW);
    tb.map(kNoExecute, kPa + 0x2000, pte::RW | pte::US | pte::XD);
    tb.boot();
    Request user;
    user.user = true;
    Request fetch;
    fetch.fetch = true;
    Request bare;
    bare.with_extension = false;
    Result not_present, read_only, supervisor_only, without_extension, non_canonical, no_execute, fetch_write;
    tb.run([&] {
        not_present = tb.cpu.read(kUnmapped + 0x40, 8, user);
        read_only = tb.cpu.write(kReadOnlyUser + 8, 1, 8, user);
        supervisor_only = tb.cpu.read(kSupervisor, 8, user);
        without_extension = tb.cpu.write(kUnmapped + 0x123, 5, 8, bare);
        non_canonical = tb.cpu.read(0x0000'8000'0000'0000);
        no_execute = tb.cpu.read(kNoExecute, 8, fetch);
        uint8_t data[8] = {};
        fetch_write = tb.cpu.transfer(tlm::TLM_WRITE_COMMAND, kVa, data, 8, fetch);
    });

    CHECK(not_present.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(not_present.ext.fault.kind == FaultKind::pf);
    CHECK(not_present.ext.fault.error_code == pf::U);
    CHECK(not_present.ext.fault.address == kUnmapped + 0x40);

    CHECK(read_only.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(read_only.ext.fault.kind == FaultKind::pf);
    CHECK(read_only.ext.fault.error_code == (pf::P | pf::W | pf::U));
    CHECK(read_only.ext.fault.address == kReadOnlyUser + 8);

    CHECK(supervisor_only.ext.fault.error_code == (pf::P | pf::U));

    // The initiator sent no extension: the MMU attached one to report the fault.
    CHECK(without_extension.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    REQUIRE(without_extension.has_extension);
    CHECK(without_extension.ext.fault.kind == FaultKind::pf);
    CHECK(without_extension.ext.fault.error_code == pf::W);
    CHECK(without_extension.ext.fault.address == kUnmapped + 0x123);

    CHECK(non_canonical.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(non_canonical.ext.fault.kind == FaultKind::gp);

    CHECK(no_execute.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(no_execute.ext.fault.error_code == (pf::P | pf::ID));

    CHECK(fetch_write.status == tlm::TLM_COMMAND_ERROR_RESPONSE);

    CHECK(tb.probe.data_accesses().empty());  // nothing reached memory
}

TEST_CASE("a page-table pointer outside memory gives an address error, not a crash") {
    constexpr uint64_t kOutside = 1ull << 30;  // memory is 64 MiB
    constexpr uint64_t kToNowhere = kVa + 0x1000;
    Testbench tb;
    tb.map(kVa, kPa);
    tb.map(kToNowhere, kOutside);
    tb.boot();
    Result walk_outside, data_outside, afterwards;
    unsigned debug_bytes = 1;
    TranslationExtension debug_ext;
    tb.run([&] {
        sc_time delay;
        CHECK(tb.mmu.write_cr3(kOutside, delay).ok());
        walk_outside = tb.cpu.read(kVa);
        uint8_t data[8];
        debug_bytes = tb.cpu.debug(tlm::TLM_READ_COMMAND, kVa, data, 8, &debug_ext);
        CHECK(tb.mmu.write_cr3(tb.root, delay).ok());
        data_outside = tb.cpu.read(kToNowhere);
        afterwards = tb.cpu.read(kVa);
    });

    // The walker's first read (the PML4 entry) is refused by the memory.
    CHECK(walk_outside.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(walk_outside.ext.fault.kind == FaultKind::bus);
    CHECK(walk_outside.ext.fault.address == kOutside + 8 * PagingGeometry::index(kVa, 4));
    CHECK(debug_bytes == 0);
    CHECK(debug_ext.fault.kind == FaultKind::bus);

    // A mapping to a frame outside memory translates; the data access is refused.
    CHECK(data_outside.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(!data_outside.ext.fault);
    CHECK(data_outside.ext.pa == kOutside);

    CHECK(afterwards.ok());
}

TEST_CASE("an access crossing a page boundary goes to two different physical pages") {
        Testbench tb;
    tb.map(kVa, kPa);
    tb.map(kVa + 0x1000, kSecondPa);
    tb.boot();
    Result write, read;
    tb.run([&] {
        write = tb.cpu.write(kVa + 0xffc, 0x1122334455667788);
        read = tb.cpu.read(kVa + 0xffc);
    });

    REQUIRE(write.ok());
    uint32_t low = 0, high = 0;
    tb.memory.storage().read(kPa + 0xffc, &low, 4);
    tb.memory.storage().read(kSecondPa, &high, 4);
    CHECK(low == 0x55667788);
    CHECK(high == 0x11223344);
    REQUIRE(read.ok());
    CHECK(read.value == 0x1122334455667788);
    CHECK(read.ext.pa == kPa + 0xffc);  // the first byte's translation
    CHECK(read.ext.cycles == 2 * tb.options.config.l1d.latency);  // two L1 hits

    const auto data = tb.probe.data_accesses();
    REQUIRE(data.size() == 4);
    CHECK(data[0].address == kPa + 0xffc);
    CHECK(data[0].length == 4);
    CHECK(data[1].address == kSecondPa);
    CHECK(data[1].length == 4);
}

TEST_CASE("a page-crossing write that faults on the second page writes nothing") {
    Testbench tb;
    tb.map(kVa, kPa);  // kVa + 0x1000 is not mapped
    tb.boot();
    tb.memory.storage().write64(kPa + 0xff8, 0x0123456789abcdef);
    Result r;
    tb.run([&] { r = tb.cpu.write(kVa + 0xffc, ~0ull); });

    CHECK(r.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(r.ext.fault.kind == FaultKind::pf);
    CHECK(r.ext.fault.address == kVa + 0x1000);  // CR2: the first byte of the missing page
    CHECK(tb.stored64(kPa + 0xff8) == 0x0123456789abcdef);
    CHECK(tb.probe.data_accesses().empty());
}

TEST_CASE("byte enables of a page-crossing access stay aligned with the data on each page") {
        Testbench tb;
    tb.map(kVa, kPa);
    tb.map(kVa + 0x1000, kSecondPa);
    tb.boot();
    tb.probe.byte_enable_memory = &tb.memory.storage();
    Result r;
    tb.run([&] {
        uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        uint8_t enable[3] = {0xff, 0x00, 0x00};  // bytes 0, 3 and 6
        r = tb.cpu.transfer(tlm::TLM_WRITE_COMMAND, kVa + 0xffc, data, 8, {}, enable, 3);
    });

    REQUIRE(r.ok());
    uint8_t first[4], second[4];
    tb.memory.storage().read(kPa + 0xffc, first, 4);
    tb.memory.storage().read(kSecondPa, second, 4);
    CHECK(std::vector<uint8_t>(first, first + 4) == std::vector<uint8_t>{1, 0, 0, 4});
    CHECK(std::vector<uint8_t>(second, second + 4) == std::vector<uint8_t>{0, 0, 7, 0});
}

TEST_CASE("TLM_IGNORE_COMMAND translates without touching memory") {
    Testbench tb;
    tb.map(kVa, kPa);
    tb.boot();
    Result mapped, unmapped;
    tb.run([&] {
        mapped = tb.cpu.transfer(tlm::TLM_IGNORE_COMMAND, kVa + 4, nullptr, 0);
        unmapped = tb.cpu.transfer(tlm::TLM_IGNORE_COMMAND, kUnmapped, nullptr, 0);
    });
    CHECK(mapped.ok());
    CHECK(mapped.ext.pa == kPa + 4);
    CHECK(unmapped.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(unmapped.ext.fault.kind == FaultKind::pf);
    CHECK(tb.probe.data_accesses().empty());
    CHECK(tb.l1d_entry(kVa) != nullptr);
}

TEST_CASE("with paging off an access goes to the same physical address with no translation time") {
    Testbench tb;  // not booted
    tb.memory.storage().write64(kPa + 0x10, 77);
    Result r;
    tb.run([&] { r = tb.cpu.read(kPa + 0x10); });
    REQUIRE(r.ok());
    CHECK(r.value == 77);
    CHECK(r.ext.source == Source::none);
    CHECK(r.ext.cycles == 0);
    CHECK(r.delay == tb.options.read_latency);
    CHECK(tb.mmu.core().stats().untranslated == 1);
}

TEST_CASE("control operations add their cost to the delay and change what later accesses see") {
    constexpr uint64_t kOtherPa = 0x60'0000;
    constexpr uint64_t kKeyedUser = kVa + 0x1000;
    Testbench tb;
    tb.map(kVa, kPa, pte::RW);
    tb.map(kKeyedUser, kPa + 0x1000, pte::RW | pte::US | (1ull << pte::PKEY_SHIFT));
    const uint64_t other_root = tb.builder.new_root();
    tb.builder.map(other_root, kVa, kOtherPa, PageSize::k4, pte::RW);
    tb.boot(cr4::PKE | cr4::SMAP);
    const OperationCosts& costs = tb.options.config.costs;
    Request user;
    user.user = true;
    Request implicit;
    implicit.implicit = true;

    sc_time invlpg_delay, cr3_delay, gp_delay;
    OperationResult refused;
    Result before_switch, after_switch, key_disabled, key_enabled, smap, smap_ac, smap_implicit;
    tb.run([&] {
        CHECK(tb.mmu.invlpg(kVa, invlpg_delay).ok());
        refused = tb.mmu.write_cr4(0, gp_delay);  // clearing PAE in long mode

        before_switch = tb.cpu.read(kVa);
        CHECK(tb.mmu.write_cr3(other_root, cr3_delay).ok());
        after_switch = tb.cpu.read(kVa);

        sc_time delay;
        CHECK(tb.mmu.write_cr3(tb.root, delay).ok());
        CHECK(tb.mmu.write_pkru(1u << 2, delay).ok());  // access-disable for key 1
        key_disabled = tb.cpu.read(kKeyedUser, 8, user);
        CHECK(tb.mmu.write_pkru(0, delay).ok());
        key_enabled = tb.cpu.read(kKeyedUser, 8, user);

        smap = tb.cpu.read(kKeyedUser);  // supervisor data access to a user page
        tb.mmu.set_ac(true);
        smap_ac = tb.cpu.read(kKeyedUser);
        smap_implicit = tb.cpu.read(kKeyedUser, 8, implicit);
    });

    CHECK(invlpg_delay == ns(1) * double(costs.invlpg));
    CHECK(cr3_delay == ns(1) * double(costs.mov_cr3));
    CHECK(refused.fault.kind == FaultKind::gp);
    CHECK(gp_delay == ns(1) * double(costs.mov_cr4));

    CHECK(before_switch.ext.pa == kPa);
    CHECK(after_switch.ext.pa == kOtherPa);

    CHECK(key_disabled.ext.fault.error_code == (pf::P | pf::U | pf::PK));
    CHECK(key_enabled.ok());

    CHECK(smap.ext.fault.error_code == pf::P);
    CHECK(smap_ac.ok());
    CHECK(smap_implicit.ext.fault.error_code == pf::P);
}

TEST_CASE("annotated time never goes backwards, whatever the access does") {
        constexpr uint64_t kSupervisor = kVa + 0x2000;
    Testbench tb;
    tb.map(kVa, kPa);
    tb.map(kVa + 0x1000, kSecondPa);
    tb.map(kSupervisor, kPa + 0x2000, pte::RW);
    tb.boot();
    tlm_utils::tlm_quantumkeeper::set_global_quantum(ns(100));  // make the keeper synchronise often
    tb.cpu.qk.reset();
    Request user;
    user.user = true;
    std::vector<sc_time> times;
    tb.run([&] {
        auto step = [&](bool ok, bool must_take_time) {
            CHECK(ok);
            if (must_take_time && !times.empty()) CHECK(tb.cpu.now() > times.back());
            if (!times.empty()) CHECK(tb.cpu.now() >= times.back());
            times.push_back(tb.cpu.now());
        };
        for (int round = 0; round < 3; ++round) {
            step(tb.cpu.read(kVa).ok(), true);                                   // walk, then hits
            step(tb.cpu.write(kVa + 8, round).ok(), true);                        // D update, then hits
            step(tb.cpu.read(kVa + 0xffc).ok(), true);                            // split
            step(!tb.cpu.read(kUnmapped).ok(), true);                             // #PF after a walk
            step(!tb.cpu.read(kSupervisor, 8, user).ok(), true);                  // #PF: supervisor page
            step(!tb.cpu.read(0xdead'0000'0000'0000).ok(), false);                // #GP: no lookup
            uint8_t data[8];
            step(tb.cpu.debug(tlm::TLM_READ_COMMAND, kVa, data, 8) == 8, false);  // debug: no time
            sc_time delay = tb.cpu.qk.get_local_time();
            const bool invalidated = tb.mmu.invlpg(kVa, delay).ok();
            tb.cpu.qk.set(delay);
            if (tb.cpu.qk.need_sync()) tb.cpu.qk.sync();
            step(invalidated, true);
        }
    });
    CHECK(sc_core::sc_time_stamp() == times.back());
}

namespace {
// The simplest memory manager: one payload, reset (which frees auto
// extensions) when its last reference is released.
struct OnePayloadManager : tlm::tlm_mm_interface {
    unsigned frees = 0;
    void free(tlm::tlm_generic_payload* trans) override {
        ++frees;
        trans->reset();
    }
};
}  // namespace

TEST_CASE("a fault on a memory-managed payload without an extension attaches one that release() drops") {
    Testbench tb;
    tb.boot();
    OnePayloadManager manager;
    tlm::tlm_generic_payload trans(&manager);
    uint64_t data = 0;
    tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
    Fault seen;
    bool dropped = false;
    tb.run([&] {
        trans.acquire();
        trans.set_read();
        trans.set_address(kUnmapped);
        trans.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
        trans.set_data_length(8);
        trans.set_streaming_width(8);
        sc_time delay;
        tb.cpu.socket->b_transport(trans, delay);
        status = trans.get_response_status();
        if (const auto* ext = trans.get_extension<TranslationExtension>()) seen = ext->fault;
        trans.release();
        dropped = trans.get_extension<TranslationExtension>() == nullptr;
    });
    CHECK(status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(seen.kind == FaultKind::pf);
    CHECK(seen.address == kUnmapped);
    CHECK(manager.frees == 1);
    CHECK(dropped);
}

TEST_CASE("TranslationExtension clone and copy_from carry every field") {
    TranslationExtension original;
    original.user = original.fetch = original.implicit = original.debug = original.locked = original.page_walk = true;
    original.fault.kind = FaultKind::pf;
    original.fault.error_code = pf::P | pf::W;
    original.fault.address = 0x1234;
    original.pa = 0x5678;
    original.page_size = PageSize::g1;
    original.source = Source::l2;
    original.psc_level = 3;
    original.pt_reads = 2;
    original.ad_updates = 1;
    original.cycles = 99;
    auto same = [&](const TranslationExtension& x) {
        CHECK(x.user);
        CHECK(x.fetch);
        CHECK(x.implicit);
        CHECK(x.debug);
        CHECK(x.locked);
        CHECK(x.page_walk);
        CHECK(x.fault.kind == FaultKind::pf);
        CHECK(x.fault.error_code == (pf::P | pf::W));
        CHECK(x.fault.address == 0x1234);
        CHECK(x.pa == 0x5678);
        CHECK(x.page_size == PageSize::g1);
        CHECK(x.source == Source::l2);
        CHECK(x.psc_level == 3);
        CHECK(x.pt_reads == 2);
        CHECK(x.ad_updates == 1);
        CHECK(x.cycles == 99);
    };
    tlm::tlm_extension_base* clone = original.clone();
    same(static_cast<const TranslationExtension&>(*clone));
    clone->free();
    TranslationExtension copy;
    copy.copy_from(original);
    same(copy);
}
