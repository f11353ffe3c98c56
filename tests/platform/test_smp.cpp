// Several harts on one board: the CLINT's per-hart slots and IPI timing, the
// A extension's translation as a store, INVLPGB/TLBSYNC faults, per-hart
// counters. Multi-hart guests run end to end in tests/isa/smp.
#include <catch2/catch.hpp>

#include "rig.h"

using namespace tlmmu;
using namespace tlmmu::platform;
using namespace tlmmu::platform::test;

namespace {
constexpr uint32_t t0 = 5, t1 = 6, t2 = 7, a0 = 10;

uint32_t amo(uint32_t funct5, uint32_t rd, uint32_t rs1, uint32_t rs2, bool doubleword) {
    return enc::r(funct5 << 2, rs2, rs1, doubleword ? 3 : 2, rd, 0x2f);
}
uint32_t invlpgb(uint32_t rs1, uint32_t rs2) { return enc::r(2, rs2, rs1, 0, 0, 0x0b); }
constexpr uint32_t kTlbsync = (3u << 25) | 0x0b;

PlatformOptions harts(unsigned n) {
    PlatformOptions o = Rig::defaults();
    o.smp.cpus = n;
    return o;
}
}  // namespace

TEST_CASE("clint: one msip and mtimecmp slot per hart; a missing hart's slot is a bus error") {
    Clint clint(2, 1, 150, 1000);
    uint8_t one[4] = {1, 0, 0, 0};
    uint8_t word[8] = {};
    clint.set_requester(0);
    CHECK(clint.write(Clint::kMsip + 4, one, 4, 5000));  // hart 0 -> hart 1: an IPI
    CHECK(clint.state(1).msip);
    CHECK(clint.state(1).msip_at == 6000);                // ipi_latency after the write
    CHECK(clint.stall_cycles(Clint::kMsip + 4, true, 5000) == 150);  // ipi_send for the sender
    CHECK(clint.stall_cycles(Clint::kMsip, true, 5000) == 0);        // its own msip: no IPI
    CHECK(clint.write(Clint::kMsip, one, 4, 5000));
    CHECK(clint.state(0).msip);
    CHECK(clint.state(0).msip_at == 0);                   // its own: at once
    CHECK_FALSE(clint.write(Clint::kMsip + 8, one, 4, 0));        // hart 2 does not exist
    CHECK_FALSE(clint.read(Clint::kMsip + 8, word, 4, 0));
    CHECK_FALSE(clint.write(Clint::kMtimecmp + 16, word, 8, 0));
    uint64_t cmp = 12345;
    CHECK(clint.write(Clint::kMtimecmp + 8, reinterpret_cast<uint8_t*>(&cmp), 8, 0));
    CHECK(clint.state(1).mtimecmp == 12345);
    CHECK(clint.state(0).mtimecmp == ~0ull);
    CHECK(clint.read(Clint::kMtime, word, 8, 777));
    uint64_t mtime = 0;
    std::memcpy(&mtime, word, 8);
    CHECK(mtime == 777);
}

TEST_CASE("smp: each hart reads its own mhartid and its own MMU's counters") {
    Rig rig(harts(3));
    REQUIRE(rig.board->harts() == 3);
    for (unsigned i = 0; i < 3; ++i) {
        uint64_t id = 99;
        REQUIRE(rig.board->hart(i).read_csr(csr::mhartid, id));
        CHECK(id == i);
        CHECK(&rig.board->machine().cpu(i).mmu != &rig.board->machine().cpu((i + 1) % 3).mmu);
    }
    uint64_t misa = 0;
    REQUIRE(rig.hart().read_csr(csr::misa, misa));
    CHECK((misa & 1) == 1);  // A
}

TEST_CASE("smp: an AMO is translated as a store: a read-only page faults with W in the error code") {
    Rig rig;
    rig.load({enc::lui(t0, 0x401), enc::addi(t1, 0, 1), amo(0x00, a0, t0, t1, true), enc::self_loop()});
    const uint64_t root = rig.identity_map();
    rig.builder.map(root, 0x401000, 0x200000, PageSize::k4, 0);  // read-only
    rig.enable_paging(root);
    rig.run(3);
    CHECK(rig.csr_value(csr::mcause) == cause::store_page_fault);
    CHECK(rig.csr_value(csr::mtval) == 0x401000);
    CHECK(rig.csr_value(csr::pferr) == (pf::P | pf::W));
}

TEST_CASE("smp: INVLPGB/TLBSYNC: #UD without the feature is an illegal instruction, too many pages #GP") {
    SECTION("smp.invlpgb = off") {
        PlatformOptions o = Rig::defaults();
        o.smp.invlpgb = false;
        Rig rig(o);
        rig.load({kTlbsync, enc::self_loop()});
        rig.run(1);
        CHECK(rig.csr_value(csr::mcause) == cause::illegal_instruction);
        CHECK(rig.csr_value(csr::mtval) == kTlbsync);
        CHECK(rig.board->machine().cpu(0).stats.ud_faults == 1);
    }
    SECTION("ECX[15:0] above smp.invlpgb_max_extra") {
        Rig rig;
        rig.load({enc::addi(t1, 0, 8), enc::addi(t0, 0, 1), invlpgb(t0, t1), enc::self_loop()});
        rig.run(3);
        CHECK(rig.csr_value(csr::mcause) == cause::general_protection);
        CHECK(rig.board->machine().cpu(0).stats.gp_faults == 1);
    }
    SECTION("a valid INVLPGB is counted by the machine and costs smp.invlpgb_cost") {
        Rig rig;
        rig.load({enc::addi(t0, 0, 1), invlpgb(t0, 0), enc::self_loop()});
        rig.run(1);
        const uint64_t before = rig.hart().cycles();
        rig.run(1);
        CHECK(rig.hart().cycles() - before == 1 + rig.options.smp.invlpgb_cost);
        CHECK(rig.board->machine().cpu(0).stats.invlpgb_issued == 1);
        CHECK(rig.board->machine().outstanding_broadcasts(0) == 1);
    }
}

TEST_CASE("smp: an IPI shows in the receiver's mip ipi_latency cycles after the write") {
    Rig rig(harts(2));
    // hart 0 writes msip[1]; hart 1 then reads mip repeatedly.
    const int32_t msip1 = rig.constant(0, Clint::kBase + 4);
    rig.load({enc::ld(t0, 0, msip1), enc::addi(t1, 0, 1), enc::sw(t1, t0, 0), enc::self_loop()});
    Hart& h0 = rig.board->hart(0);
    Hart& h1 = rig.board->hart(1);
    h0.run(h0.instructions() + 3, ~0ull);
    const uint64_t sent = h0.cycles();
    h1.set_pc(Rig::kCode + 12);  // the self loop
    CHECK(rig.board->clint().state(1).msip);
    uint64_t mip = 0;
    REQUIRE(h1.read_csr(csr::mip, mip));
    CHECK((mip & kMipMsip) == 0);  // its clock is before the arrival
    h1.run(~0ull, sent + rig.options.smp.ipi_latency);
    REQUIRE(h1.read_csr(csr::mip, mip));
    CHECK((mip & kMipMsip) != 0);
    CHECK(rig.board->machine().cpu(0).stats.ipis_sent == 1);
    CHECK(rig.board->machine().cpu(1).stats.ipis_received == 1);
}
