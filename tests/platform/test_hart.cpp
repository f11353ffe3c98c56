#include <catch2/catch.hpp>

#include "rig.h"

using namespace tlmmu;
using namespace tlmmu::platform;
using namespace tlmmu::platform::test;

namespace {
// Registers by ABI role used below.
constexpr uint32_t t0 = 5, t1 = 6, t2 = 7, a0 = 10, a1 = 11, a2 = 12;
}  // namespace

TEST_CASE("hart: arithmetic, x0 and the M extension edge cases") {
    Rig rig;
    const int32_t big = rig.constant(0, 0x8000000000000000ull);
    const int32_t minus1 = rig.constant(1, ~0ull);
    rig.load({
        enc::addi(0, 0, 5),          // x0 stays 0
        enc::addi(t0, 0, -7),
        enc::addi(t1, 0, 3),
        enc::add(a0, t0, t1),        // -4
        enc::mul(a1, t0, t1),        // -21
        enc::div(a2, t0, 0),         // division by zero: all ones
        enc::ld(t2, 0, big),
        enc::ld(t1, 0, minus1),
        enc::div(13, t2, t1),        // overflow: INT64_MIN
        enc::r(1, t1, t2, 6, 14, 0x33),  // rem overflow: 0
        enc::r(0, 0, t0, 0, 15, 0x1b),   // addiw x15, t0, 0: sign-extended -7
        enc::self_loop(),
    });
    rig.run(11);
    Hart& h = rig.hart();
    CHECK(h.reg(0) == 0);
    CHECK(int64_t(h.reg(a0)) == -4);
    CHECK(int64_t(h.reg(a1)) == -21);
    CHECK(h.reg(a2) == ~0ull);
    CHECK(h.reg(13) == 0x8000000000000000ull);
    CHECK(h.reg(14) == 0);
    CHECK(int64_t(h.reg(15)) == -7);
    CHECK(h.instructions() >= 11);
}

TEST_CASE("hart: loads and stores of each width, little-endian, sign- and zero-extended") {
    Rig rig;
    const int32_t value = rig.constant(0, 0x8899aabbccddeeffull);
    rig.load({
        enc::ld(t0, 0, value),
        enc::lui(t1, 0x200),           // t1 = 0x200000
        enc::sd(t0, t1, 0),
        enc::lw(a0, t1, 4),            // 0x8899aabb sign-extended
        enc::lbu(a1, t1, 0),           // 0xff
        enc::i(0, t1, 0, a2, 0x03),    // lb: 0xff -> -1
        enc::sb(0, t1, 1),             // clear byte 1
        enc::ld(13, t1, 0),
        enc::self_loop(),
    });
    rig.run(8);
    Hart& h = rig.hart();
    CHECK(h.reg(a0) == 0xffffffff8899aabbull);
    CHECK(h.reg(a1) == 0xff);
    CHECK(h.reg(a2) == ~0ull);
    CHECK(h.reg(13) == 0x8899aabbccdd00ffull);
    CHECK(rig.peek64(0x200000) == 0x8899aabbccdd00ffull);
}

TEST_CASE("hart: an illegal instruction traps (mcause 2, mtval = bits, mepc) and the simulation continues") {
    Rig rig;
    rig.load({enc::nop, 0xffffffffu, enc::nop});
    rig.run(5);
    CHECK(rig.csr_value(csr::mcause) == cause::illegal_instruction);
    CHECK(rig.csr_value(csr::mtval) == 0xffffffffu);
    CHECK(rig.csr_value(csr::mepc) == Rig::kCode + 4);
    CHECK(rig.hart().pc() == Rig::kHandler);
    CHECK(rig.hart().privilege() == Privilege::machine);
}

TEST_CASE("hart: ecall from M and from U, mret restores privilege and MIE") {
    Rig rig;
    // Enter U mode at kCode + 0x100 with mret (MPP = 0), which does ecall.
    rig.poke32(Rig::kCode + 0x100, enc::ecall);
    const int32_t target = rig.constant(0, Rig::kCode + 0x100);
    rig.load({
        enc::ld(t0, 0, target),
        enc::csrw(csr::mepc, t0),
        enc::mret,
    });
    rig.run(3);
    CHECK(rig.hart().privilege() == Privilege::user);
    CHECK(rig.hart().pc() == Rig::kCode + 0x100);
    rig.run(1);
    CHECK(rig.csr_value(csr::mcause) == cause::ecall_u);
    CHECK(rig.csr_value(csr::mepc) == Rig::kCode + 0x100);
    CHECK((rig.csr_value(csr::mstatus) & mstatus_bits::MPP) == 0);  // came from U
    CHECK(rig.hart().privilege() == Privilege::machine);

    Rig m;
    m.load({enc::ecall});
    m.run(1);
    CHECK(m.csr_value(csr::mcause) == cause::ecall_m);
    CHECK((m.csr_value(csr::mstatus) & mstatus_bits::MPP) == mstatus_bits::MPP);
}

TEST_CASE("hart: U mode cannot use machine CSRs, mret, wfi or the flush instructions") {
    const uint32_t privileged[] = {enc::csrr(a0, csr::mstatus), enc::csrw(csr::cr3, t0), enc::mret, enc::wfi,
                                   enc::invlpg(t0), enc::invpcid(t0, t1), enc::csrr(a0, csr::pferr)};
    for (uint32_t insn : privileged) {
        Rig rig;
        rig.poke32(Rig::kCode + 0x100, insn);
        const int32_t target = rig.constant(0, Rig::kCode + 0x100);
        rig.load({enc::ld(t0, 0, target), enc::csrw(csr::mepc, t0), enc::mret});
        rig.run(4);
        INFO("instruction " << std::hex << insn);
        CHECK(rig.csr_value(csr::mcause) == cause::illegal_instruction);
        CHECK(rig.csr_value(csr::mtval) == insn);
    }
    // ...but reads the counters.
    Rig rig;
    rig.poke32(Rig::kCode + 0x100, enc::csrr(a0, csr::cycle));
    rig.poke32(Rig::kCode + 0x104, enc::csrr(a1, 0xC03));  // hpmcounter3
    rig.poke32(Rig::kCode + 0x108, enc::ecall);
    const int32_t target = rig.constant(0, Rig::kCode + 0x100);
    rig.load({enc::ld(t0, 0, target), enc::csrw(csr::mepc, t0), enc::mret});
    rig.run(6);
    CHECK(rig.csr_value(csr::mcause) == cause::ecall_u);
    CHECK(rig.hart().reg(a0) > 0);
}

TEST_CASE("hart: control CSRs write through the MMU; a refused write is #GP (mcause 24)") {
    Rig rig;
    rig.load({enc::self_loop()});
    REQUIRE(rig.set_csr(csr::efer, efer::LME | efer::NXE));
    REQUIRE(rig.set_csr(csr::cr4, cr4::PAE | cr4::PGE));
    CHECK(rig.board->mmu().regs().cr4 == (cr4::PAE | cr4::PGE));
    CHECK(rig.csr_value(csr::cr4) == (cr4::PAE | cr4::PGE));
    REQUIRE(rig.set_csr(csr::pkru, 0x0c));
    CHECK(rig.board->mmu().regs().pkru == 0x0c);
    REQUIRE(rig.set_csr(csr::xflags, 1));
    CHECK(rig.board->mmu().regs().ac);
    // CR4.PCIDE with a non-zero PCID in CR3 is refused (SDM MOV CR4).
    REQUIRE(rig.set_csr(csr::cr3, 0x5000 | 7));
    CHECK_FALSE(rig.set_csr(csr::cr4, cr4::PAE | cr4::PCIDE));
    CHECK(rig.csr_value(csr::mcause) == cause::general_protection);
    CHECK(rig.csr_value(csr::cr4) == (cr4::PAE | cr4::PGE));
    // Flush operations are counted in mhpmcounter13.
    CHECK(rig.csr_value(0xB0D) >= 2);
}

TEST_CASE("hart: with paging on, loads and stores go through the MMU's translation") {
    Rig rig;
    rig.load({
        enc::lui(t0, 0x400),   // va 0x400000: outside the identity map, mapped to 0x200000
        enc::ld(a0, t0, 8),
        enc::addi(a1, 0, 77),
        enc::sd(a1, t0, 16),
        enc::self_loop(),
    });
    const uint64_t root = rig.identity_map();
    rig.builder.map(root, 0x400000, 0x200000, PageSize::k4, pte::RW);
    rig.poke64(0x200008, 0x1234);
    rig.enable_paging(root);
    const uint64_t walks_before = rig.board->mmu().stats().walk.walks;
    rig.run(4);
    CHECK(rig.hart().reg(a0) == 0x1234);
    CHECK(rig.peek64(0x200010) == 77);
    CHECK(rig.board->mmu().stats().walk.walks > walks_before);
    CHECK(rig.csr_value(0xC09) == rig.board->mmu().stats().walk.walks);  // hpmcounter9 = walks
    CHECK(rig.csr_value(0xC05) == rig.board->mmu().stats().l1d.total_hits());
}

TEST_CASE("hart: page faults report mcause, mtval = linear address and the x86 error code in pferr") {
    struct Case {
        const char* what;
        uint32_t insn;
        uint64_t cause;
        uint32_t error_code;
    };
    const Case cases[] = {
        {"load from a non-present page", enc::ld(a0, t0, 0), cause::load_page_fault, 0},
        {"store to a read-only page", enc::sd(a0, t1, 0), cause::store_page_fault, pf::P | pf::W},
        {"store to a non-present page", enc::sd(a0, t0, 8), cause::store_page_fault, pf::W},
        {"fetch from a non-present page", enc::jalr(0, t0, 0), cause::fetch_page_fault, pf::ID},
    };
    for (const Case& c : cases) {
        Rig rig;
        rig.load({enc::lui(t0, 0x400), enc::lui(t1, 0x401), c.insn, enc::self_loop()});
        const uint64_t root = rig.identity_map();
        rig.builder.map(root, 0x401000, 0x200000, PageSize::k4, 0);  // read-only
        rig.enable_paging(root);
        rig.run(4);  // the fetch fault is taken when the next instruction is fetched
        INFO(c.what);
        CHECK(rig.csr_value(csr::mcause) == c.cause);
        const uint64_t expected_va = c.insn == enc::sd(a0, t1, 0) ? 0x401000 : c.insn == enc::sd(a0, t0, 8) ? 0x400008 : 0x400000;
        CHECK(rig.csr_value(csr::mtval) == expected_va);
        CHECK(rig.csr_value(csr::pferr) == c.error_code);
        CHECK(rig.csr_value(0xB0C) == 1);  // mhpmcounter12: page faults
    }
}

TEST_CASE("hart: a user access to a supervisor page faults with U in the error code") {
    Rig rig;
    rig.poke32(0x5000, enc::ld(a0, 0, 0x100));  // user code at 0x5000 reads supervisor page 0
    const int32_t target = rig.constant(0, 0x5000);
    rig.load({enc::ld(t0, 0, target), enc::csrw(csr::mepc, t0), enc::mret});
    const uint64_t root = rig.builder.new_root();
    for (uint64_t pa = 0; pa < rig.options.ram_bytes; pa += 4096)
        rig.builder.map(root, pa, pa, PageSize::k4, pte::RW | (pa == 0x5000 ? pte::US : 0));
    rig.enable_paging(root);
    rig.run(4);
    CHECK(rig.csr_value(csr::mcause) == cause::load_page_fault);
    CHECK(rig.csr_value(csr::mtval) == 0x100);
    CHECK(rig.csr_value(csr::pferr) == (pf::P | pf::U));
    CHECK(rig.csr_value(csr::mepc) == 0x5000);
}

TEST_CASE("hart: a non-canonical address is #GP with the address in mtval") {
    Rig rig;
    const int32_t bad = rig.constant(0, 0x0000800000000000ull);
    rig.load({enc::ld(t0, 0, bad), enc::ld(a0, t0, 0), enc::self_loop()});
    rig.enable_paging(rig.identity_map());
    rig.run(2);
    CHECK(rig.csr_value(csr::mcause) == cause::general_protection);
    CHECK(rig.csr_value(csr::mtval) == 0x0000800000000000ull);
}

TEST_CASE("hart: accesses outside memory and devices are access faults, never host errors") {
    struct Case {
        uint32_t insn;
        uint64_t cause;
    };
    const Case cases[] = {{enc::ld(a0, t0, 0), cause::load_access},
                          {enc::sd(a0, t0, 0), cause::store_access},
                          {enc::jalr(0, t0, 0), cause::fetch_access}};
    for (const Case& c : cases) {
        Rig rig;
        const int32_t far = rig.constant(0, 0x40000000ull);  // nothing there
        rig.load({enc::ld(t0, 0, far), c.insn, enc::self_loop()});
        rig.run(3);
        CHECK(rig.csr_value(csr::mcause) == c.cause);
        CHECK(rig.csr_value(csr::mtval) == 0x40000000ull);
    }
    // A page table pointing outside memory: the walker's read fails -> access fault.
    Rig rig;
    rig.load({enc::lui(t0, 0x400), enc::ld(a0, t0, 0), enc::self_loop()});
    const uint64_t root = rig.identity_map();
    rig.builder.map(root, 0x400000, 0x200000, PageSize::k4, pte::RW);
    const uint64_t pde = rig.builder.entry_address(root, 0x400000, 2);
    rig.builder.write(pde, 0x7f000000ull | pte::P | pte::RW);  // PT outside the 4 MiB of RAM
    rig.enable_paging(root);
    rig.run(2);
    CHECK(rig.csr_value(csr::mcause) == cause::load_access);
    CHECK(rig.csr_value(csr::mtval) == 0x400000);
}

TEST_CASE("hart: a misaligned access crossing a page is split and each page translated") {
    Rig rig;
    const int32_t value = rig.constant(0, 0x1122334455667788ull);
    rig.load({enc::ld(t1, 0, value), enc::lui(t0, 0x201), enc::sd(t1, t0, -3), enc::ld(a0, t0, -3),
              enc::self_loop()});
    rig.enable_paging(rig.identity_map());
    const uint64_t before = rig.hart().counters().data_translations;
    rig.run(4);
    CHECK(rig.hart().reg(a0) == 0x1122334455667788ull);
    CHECK(rig.hart().counters().data_translations - before == 5);  // ld constant + 2 + 2
    uint8_t last = 0;
    rig.ram.read(0x201004, &last, 1);
    CHECK(last == 0x11);
}

TEST_CASE("hart: instruction fetch is translated once per 64-byte block and after taken branches") {
    SECTION("straight-line code: one lookup per block") {
        Rig rig;
        std::vector<uint32_t> code(32, enc::nop);  // two 64-byte blocks
        code.push_back(enc::self_loop());
        rig.load(code);
        const uint64_t before = rig.hart().counters().fetch_translations;
        rig.run(32);
        CHECK(rig.hart().counters().fetch_translations - before == 2);
    }
    SECTION("fetch=instruction: one lookup per instruction") {
        PlatformOptions o = Rig::defaults();
        o.fetch = FetchGranularity::instruction;
        Rig rig(o);
        std::vector<uint32_t> code(32, enc::nop);
        code.push_back(enc::self_loop());
        rig.load(code);
        const uint64_t before = rig.hart().counters().fetch_translations;
        rig.run(32);
        CHECK(rig.hart().counters().fetch_translations - before == 32);
    }
    SECTION("a taken branch starts a new lookup, a CR3 write drops the current one") {
        Rig rig;
        rig.load({enc::beq(0, 0, 8), enc::nop, enc::nop, enc::csrw(csr::cr3, t0), enc::nop, enc::self_loop()});
        rig.hart().set_reg(t0, rig.board->mmu().regs().cr3);
        const uint64_t before = rig.hart().counters().fetch_translations;
        rig.run(4);  // beq, nop, csrw, nop
        CHECK(rig.hart().counters().fetch_translations - before == 3);
    }
}

TEST_CASE("hart: self-modifying code is re-decoded after the store") {
    Rig rig;
    const int32_t insn = rig.constant(0, enc::addi(a0, 0, 42));
    rig.load({
        enc::lw(t1, 0, insn),
        enc::lui(t0, Rig::kCode >> 12),
        enc::sw(t1, t0, 16),  // patch the instruction two ahead, in the block being executed
        enc::nop,
        enc::addi(a0, 0, 1),
        enc::self_loop(),
    });
    rig.run(5);
    CHECK(rig.hart().reg(a0) == 42);
}

TEST_CASE("hart: cycles = 1 per instruction + translation + mul/div + CSR write + flush costs") {
    PlatformOptions o = Rig::defaults();
    o.mul_cycles = 3;
    o.div_cycles = 20;
    o.csr_write_cycles = 5;
    Rig rig(o);
    rig.load({enc::nop, enc::nop, enc::mul(a0, a0, a0), enc::div(a0, a0, a1), enc::csrw(csr::mscratch, a0),
              enc::invlpg(a0), enc::self_loop()});
    const uint64_t start = rig.hart().cycles();
    rig.run(4);  // paging off: no translation cycles
    CHECK(rig.hart().cycles() - start == 4 + 3 + 20);
    const uint64_t before_csr = rig.hart().cycles();
    rig.run(1);
    CHECK(rig.hart().cycles() - before_csr == 1 + 5);
    const uint64_t before_invlpg = rig.hart().cycles();
    rig.run(1);
    CHECK(rig.hart().cycles() - before_invlpg == 1 + MmuConfig::skylake().costs.invlpg);
    CHECK(rig.csr_value(csr::mcycle) == rig.hart().cycles());
}

TEST_CASE("hart: with paging on, each access adds its translation latency") {
    PlatformOptions o = Rig::defaults();
    Rig rig(o);
    rig.load({enc::ld(a0, 0, 0x100), enc::ld(a0, 0, 0x100), enc::self_loop()});
    rig.enable_paging(rig.identity_map());
    rig.run(1);  // warms the TLBs
    const uint64_t before = rig.hart().cycles();
    const uint64_t lat_before = rig.board->mmu().stats().latency.sum;
    rig.run(1);  // same block: no fetch lookup; one L1D hit
    CHECK(rig.hart().cycles() - before == 1 + (rig.board->mmu().stats().latency.sum - lat_before));
    CHECK(rig.board->mmu().stats().latency.sum - lat_before == o.mmu.l1d.latency);
}

TEST_CASE("hart: INVLPG makes a changed mapping visible; INVPCID reads its descriptor through translation") {
    Rig rig;
    rig.load({enc::lui(t0, 0x400), enc::ld(a0, t0, 0), enc::ld(a1, t0, 0), enc::invlpg(t0), enc::ld(a2, t0, 0),
              enc::addi(t1, 0, 2), enc::lui(t2, 0x500), enc::invpcid(t1, t2), enc::self_loop()});
    const uint64_t root = rig.identity_map();
    rig.builder.map(root, 0x400000, 0x200000, PageSize::k4, pte::RW);
    rig.poke64(0x200000, 1);
    rig.poke64(0x300000, 2);
    rig.enable_paging(root);
    rig.run(2);
    rig.builder.unmap(root, 0x400000);
    rig.builder.map(root, 0x400000, 0x300000, PageSize::k4, pte::RW);  // remapped without a flush
    rig.run(3);
    CHECK(rig.hart().reg(a0) == 1);
    CHECK(rig.hart().reg(a1) == 1);  // the TLB still holds the old translation
    CHECK(rig.hart().reg(a2) == 2);  // after INVLPG the new one
    rig.run(3);                      // invpcid with its descriptor at unmapped 0x500000
    CHECK(rig.csr_value(csr::mcause) == cause::load_page_fault);
    CHECK(rig.csr_value(csr::mtval) == 0x500000);
}

TEST_CASE("hart: the timer interrupt is taken once mtime reaches mtimecmp; wfi sleeps until it") {
    Rig rig;
    const int32_t clint = rig.constant(0, Clint::kBase);
    rig.load({
        enc::ld(t0, 0, clint),
        enc::lui(t1, 0x1),                // 4096
        enc::lui(t2, 0x4),
        enc::add(t2, t2, t0),             // &mtimecmp
        enc::sd(t1, t2, 0),               // mtimecmp = 4096
        enc::addi(a0, 0, 0x80),
        enc::csrw(csr::mie, a0),          // MTIE
        enc::addi(a0, 0, 8),
        enc::csrrs(0, csr::mstatus, a0),  // MIE
        enc::wfi,
        enc::self_loop(),                 // kCode + 40
    });
    rig.run(11);
    CHECK(rig.csr_value(csr::mcause) == cause::machine_timer_interrupt);
    CHECK(rig.hart().cycles() >= 4096);
    CHECK(rig.hart().cycles() < 4096 + 100);  // wfi skipped ahead instead of spinning
    CHECK(rig.csr_value(csr::mepc) == Rig::kCode + 40);
}

TEST_CASE("board: tohost exit codes, limits and the UART") {
    SECTION("pass, fail with a code, process exit codes") {
        for (uint64_t value : {1ull, (5ull << 1) | 1, (300ull << 1) | 1}) {
            Rig rig;
            const int32_t tohost = rig.constant(0, 0x80001000ull);
            const int32_t v = rig.constant(1, value);
            rig.load({enc::ld(t0, 0, tohost), enc::ld(t1, 0, v), enc::sd(t1, t0, 0), enc::self_loop()});
            const RunResult r = rig.board->run({});
            CHECK(r.stop == StopReason::exited);
            CHECK(r.exit_code == int(value >> 1));
            CHECK(process_exit_code(r) == std::min<int>(int(value >> 1), kMaxGuestExitCode));
        }
    }
    SECTION("a runaway loop stops at the instruction limit") {
        PlatformOptions o = Rig::defaults();
        o.max_instructions = 5000;
        Rig rig(o);
        rig.load({enc::self_loop()});
        const RunResult r = rig.board->run({});
        CHECK(r.stop == StopReason::instruction_limit);
        CHECK(r.instructions == 5000);
        CHECK(process_exit_code(r) == kExitInstructionLimit);
        CHECK(r.message.find("instruction limit") != std::string::npos);
    }
    SECTION("the cycle limit") {
        PlatformOptions o = Rig::defaults();
        o.max_cycles = 777;
        Rig rig(o);
        rig.load({enc::self_loop()});
        const RunResult r = rig.board->run({});
        CHECK(r.stop == StopReason::time_limit);
        CHECK(r.cycles == 777);
        CHECK(process_exit_code(r) == kExitTimeLimit);
    }
    SECTION("a long guest reports progress from the run loop, counts increasing") {
        PlatformOptions o = Rig::defaults();
        o.max_instructions = 200000;
        o.quantum_cycles = 5000;
        o.progress_delay_seconds = 0;  // every quantum: the test does not wait for host time
        o.progress_interval_seconds = 0;
        std::vector<RunProgress> seen;
        o.progress = [&](const RunProgress& p) { seen.push_back(p); };
        Rig rig(o);
        rig.load({enc::addi(t0, t0, 1), enc::jal(0, -4)});
        const RunResult r = rig.board->run({});
        CHECK(r.stop == StopReason::instruction_limit);
        REQUIRE(seen.size() >= 10);
        for (size_t i = 1; i < seen.size(); ++i) {
            CHECK(seen[i].instructions > seen[i - 1].instructions);
            CHECK(seen[i].cycles > seen[i - 1].cycles);
            CHECK(seen[i].wall_seconds >= seen[i - 1].wall_seconds);
        }
        CHECK(seen.back().instructions <= r.instructions);
    }
    SECTION("no progress call before the delay has passed") {
        PlatformOptions o = Rig::defaults();
        o.max_instructions = 5000;
        o.progress_delay_seconds = 3600;
        unsigned calls = 0;
        o.progress = [&](const RunProgress&) { ++calls; };
        Rig rig(o);
        rig.load({enc::self_loop()});
        rig.board->run({});
        CHECK(calls == 0);
    }
    SECTION("UART THR prints, LSR reads transmitter empty") {
        Rig rig;
        const int32_t uart = rig.constant(0, Uart::kBase);
        rig.load({enc::ld(t0, 0, uart), enc::addi(t1, 0, 'h'), enc::sb(t1, t0, 0), enc::addi(t1, 0, 'i'),
                  enc::sb(t1, t0, 0), enc::lbu(a0, t0, 5), enc::self_loop()});
        rig.run(6);
        CHECK(rig.uart.str() == "hi");
        CHECK(rig.hart().reg(a0) == 0x60);
    }
}

TEST_CASE("options: platform settings are validated") {
    PlatformOptions o;
    o.set("memory.latency", "30");
    CHECK(o.memory_latency == 30);
    o.set("ram_bytes", "1G");
    CHECK(o.ram_bytes == (1ull << 30));
    o.set("fetch", "instruction");
    CHECK(o.fetch == FetchGranularity::instruction);
    CHECK_THROWS_AS(o.set("ram_bytes", "1000"), ConfigError);
    CHECK_THROWS_AS(o.set("memory.latency", "-1"), ConfigError);
    CHECK_THROWS_AS(o.set("backend", "verilator"), ConfigError);
    CHECK_THROWS_AS(o.set("no_such_key", "1"), ConfigError);
    CHECK_THROWS_AS(o.set("ram_bytes", "64G"), ConfigError);
    // RAM over the UART is refused when the board is built.
    PlatformOptions over = Rig::defaults();
    over.ram_base = 0x0f000000;
    over.ram_bytes = 32ull << 20;
    SparseMemory ram(over.ram_bytes);
    DirectBus bus;
    std::ostringstream out;
    CHECK_THROWS_AS(Board(over, ram, bus, out), ConfigError);
}

TEST_CASE("hart: with the data caches on, a load costs the level that serves its line") {
    PlatformOptions o = Rig::defaults();
    o.cache.enabled = true;
    Rig rig(o);
    rig.load({
        enc::lui(t1, 0x200),   // t1 = 0x200000
        enc::ld(a0, t1, 0),    // cold line: DRAM
        enc::ld(a1, t1, 8),    // the same line: L1D
        enc::sd(a1, t1, 16),   // a store hit
        enc::self_loop(),
    });
    Hart& h = rig.hart();
    rig.run(1);
    auto cost_of_next = [&] {
        const uint64_t before = h.cycles();
        rig.run(1);
        return h.cycles() - before;
    };
    const uint64_t cold = cost_of_next(), warm = cost_of_next();
    const cache::CacheConfig& c = o.cache;
    CHECK(cold - warm == c.levels[2].latency + c.dram_latency - c.levels[0].latency);
    cost_of_next();
    const cache::Hierarchy* caches = rig.board->caches();
    REQUIRE(caches);
    const cache::LevelStats& l1 = caches->stats()[0];
    CHECK(l1.misses[size_t(cache::Requester::load)] == 1);
    CHECK(l1.hits[size_t(cache::Requester::load)] == 1);
    CHECK(l1.hits[size_t(cache::Requester::store)] == 1);
    CHECK(l1.hits[size_t(cache::Requester::fetch)] + l1.misses[size_t(cache::Requester::fetch)] == 0);
    // The program's one 64-byte block, and the block of the rig's mtvec prologue.
    CHECK(caches->l1i_stats().misses[size_t(cache::Requester::fetch)] == 2);
}

TEST_CASE("hart: with the caches on, entering a new code block costs its L1I miss beyond a hit") {
    PlatformOptions o = Rig::defaults();
    o.cache.enabled = true;
    Rig rig(o);
    std::vector<uint32_t> code(16, enc::addi(0, 0, 0));  // block 0: sixteen nops
    code.push_back(enc::addi(a0, 0, 1));                  // block 1 starts here
    code.push_back(enc::addi(a1, 0, 2));
    code.push_back(enc::self_loop());
    rig.load(code);
    const cache::Hierarchy* caches = rig.board->caches();
    const uint64_t prologue = caches->l1i_stats().misses[size_t(cache::Requester::fetch)];  // the rig's mtvec write
    Hart& h = rig.hart();
    rig.run(16);
    auto cost_of_next = [&] {
        const uint64_t before = h.cycles();
        rig.run(1);
        return h.cycles() - before;
    };
    const uint64_t first_in_block = cost_of_next(), second = cost_of_next();
    const cache::CacheConfig& c = o.cache;
    CHECK(first_in_block - second == c.levels[2].latency + c.dram_latency - c.l1i.latency);
    CHECK(caches->l1i_stats().misses[size_t(cache::Requester::fetch)] == prologue + 2);
    CHECK(caches->stats()[1].misses[size_t(cache::Requester::fetch)] == prologue + 2);  // L1I misses go to L2
    CHECK(caches->stats()[0].misses[size_t(cache::Requester::fetch)] == 0);  // never to L1D

    // The same program with the L1I off: fetches share L1D.
    o.cache.l1i_enabled = false;
    Rig shared(o);
    shared.load(code);
    const uint64_t shared_prologue = shared.board->caches()->stats()[0].misses[size_t(cache::Requester::fetch)];
    shared.run(18);
    CHECK(shared.board->caches()->stats()[0].misses[size_t(cache::Requester::fetch)] == shared_prologue + 2);
}
