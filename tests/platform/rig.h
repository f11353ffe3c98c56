// Test rig: the platform's board (direct backend) with RAM at physical 0, a
// tiny RV64 encoder, a page-table builder over the same RAM, and functions
// that load a program and run it.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <vector>

#include "board.h"
#include "tlmmu/core/page_table_builder.h"

namespace tlmmu::platform::test {

// Encoders of the instruction formats (x registers by number).
namespace enc {
inline uint32_t r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op) {
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
inline uint32_t i(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op) {
    return uint32_t(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
inline uint32_t s(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
    return uint32_t((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | uint32_t(imm & 31) << 7 | 0x23;
}
inline uint32_t b(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3) {
    const uint32_t u = uint32_t(imm);
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
inline uint32_t jal(uint32_t rd, int32_t imm) {
    const uint32_t u = uint32_t(imm);
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 | ((u >> 12) & 0xff) << 12 |
           rd << 7 | 0x6f;
}
inline uint32_t lui(uint32_t rd, uint32_t imm20) { return imm20 << 12 | rd << 7 | 0x37; }
inline uint32_t addi(uint32_t rd, uint32_t rs1, int32_t imm) { return i(imm, rs1, 0, rd, 0x13); }
inline uint32_t add(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r(0, rs2, rs1, 0, rd, 0x33); }
inline uint32_t mul(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r(1, rs2, rs1, 0, rd, 0x33); }
inline uint32_t div(uint32_t rd, uint32_t rs1, uint32_t rs2) { return r(1, rs2, rs1, 4, rd, 0x33); }
inline uint32_t ld(uint32_t rd, uint32_t rs1, int32_t imm) { return i(imm, rs1, 3, rd, 0x03); }
inline uint32_t lw(uint32_t rd, uint32_t rs1, int32_t imm) { return i(imm, rs1, 2, rd, 0x03); }
inline uint32_t lbu(uint32_t rd, uint32_t rs1, int32_t imm) { return i(imm, rs1, 4, rd, 0x03); }
inline uint32_t sd(uint32_t rs2, uint32_t rs1, int32_t imm) { return s(imm, rs2, rs1, 3); }
inline uint32_t sw(uint32_t rs2, uint32_t rs1, int32_t imm) { return s(imm, rs2, rs1, 2); }
inline uint32_t sb(uint32_t rs2, uint32_t rs1, int32_t imm) { return s(imm, rs2, rs1, 0); }
inline uint32_t beq(uint32_t rs1, uint32_t rs2, int32_t imm) { return b(imm, rs2, rs1, 0); }
inline uint32_t jalr(uint32_t rd, uint32_t rs1, int32_t imm) { return i(imm, rs1, 0, rd, 0x67); }
inline uint32_t csrrw(uint32_t rd, uint32_t csr, uint32_t rs1) { return csr << 20 | rs1 << 15 | 1 << 12 | rd << 7 | 0x73; }
inline uint32_t csrrs(uint32_t rd, uint32_t csr, uint32_t rs1) { return csr << 20 | rs1 << 15 | 2 << 12 | rd << 7 | 0x73; }
inline uint32_t csrr(uint32_t rd, uint32_t csr) { return csrrs(rd, csr, 0); }
inline uint32_t csrw(uint32_t csr, uint32_t rs1) { return csrrw(0, csr, rs1); }
constexpr uint32_t ecall = 0x00000073, ebreak = 0x00100073, mret = 0x30200073, wfi = 0x10500073, nop = 0x00000013;
inline uint32_t invlpg(uint32_t rs1) { return r(0, 0, rs1, 0, 0, 0x0b); }
inline uint32_t invpcid(uint32_t rs1, uint32_t rs2) { return r(1, rs2, rs1, 0, 0, 0x0b); }
inline uint32_t self_loop() { return jal(0, 0); }
}  // namespace enc

// RAM at physical 0 (4 MiB), code at kCode, constants at kConstants (reached
// with `ld rd, offset(x0)`), trap handler at kHandler (records nothing: it
// stops the hart with a self-loop; tests inspect the CSRs), page tables from
// kTables.
struct Rig {
    static constexpr uint64_t kCode = 0x1000;
    static constexpr uint64_t kHandler = 0x3000;
    static constexpr uint64_t kConstants = 0x100;
    static constexpr uint64_t kTables = 0x100000;
    static constexpr uint64_t kScratch = 0x3f0000;

    explicit Rig(PlatformOptions o = defaults())
        : options(o), ram(o.ram_bytes), builder(ram, [this] { return allocate_table(); }, 4) {
        board = std::make_unique<Board>(options, ram, bus, uart);
        bus.attach(board.get());
    }
    static PlatformOptions defaults() {
        PlatformOptions o;
        o.ram_base = 0;
        o.ram_bytes = 4ull << 20;
        o.cache.enabled = false;  // the tests count cycles against memory.latency
        return o;
    }
    uint64_t allocate_table() {
        const uint64_t frame = m_next_table;
        m_next_table += 4096;
        return frame;
    }

    // `ld rd, constant(k)` loads the k-th constant.
    int32_t constant(unsigned k, uint64_t value) {
        ram.write(kConstants + 8 * k, &value, 8);
        return int32_t(kConstants + 8 * k);
    }
    void poke32(uint64_t pa, uint32_t v) { ram.write(pa, &v, 4); }
    void poke64(uint64_t pa, uint64_t v) { ram.write(pa, &v, 8); }
    uint64_t peek64(uint64_t pa) {
        uint64_t v = 0;
        ram.read(pa, &v, 8);
        return v;
    }
    // Loads `code` at `at`, the trap handler (a self-loop) at kHandler with
    // mtvec pointing to it, and resets the hart at kCode.
    void load(const std::vector<uint32_t>& code, uint64_t at = kCode) {
        for (size_t n = 0; n < code.size(); ++n) poke32(at + 4 * n, code[n]);
        poke32(kHandler, enc::self_loop());
        ElfImage image;
        image.entry = image.entry_paddr = kCode;
        board->load(image);  // no segments: the program is already in RAM
        // mtvec = kHandler, written through the CSR path by a prologue the test does not see.
        REQUIRE(set_csr(csr::mtvec, kHandler));
    }
    // Writes a CSR the way the guest does (csrrw from a scratch page, so the
    // MMU's checks and costs apply), then restores pc and t6. False if it trapped.
    bool set_csr(unsigned number, uint64_t value) {
        Hart& h = hart();
        const uint64_t pc = h.pc();
        const uint64_t saved = h.reg(31);
        const uint64_t traps = h.counters().traps;
        h.set_reg(31, value);
        poke32(kScratch, enc::csrw(number, 31));
        h.invalidate_code();
        h.set_pc(kScratch);
        h.run(h.instructions() + 1, ~0ull);
        h.set_reg(31, saved);
        h.set_pc(pc);
        return h.counters().traps == traps;
    }
    // Runs until `n` more instructions retired (or the hart stops).
    void run(uint64_t n) { board->hart().run(board->hart().instructions() + n, ~0ull); }
    Hart& hart() { return board->hart(); }
    uint64_t csr_value(unsigned number) {
        uint64_t v = 0;
        REQUIRE(hart().read_csr(number, v));
        return v;
    }
    // Identity-maps [0, 4 MiB) with 4 KiB supervisor pages and returns the root;
    // `user` adds U/S to the leaves.
    uint64_t identity_map(bool user = false) {
        const uint64_t root = builder.new_root();
        for (uint64_t pa = 0; pa < options.ram_bytes; pa += 4096)
            builder.map(root, pa, pa, PageSize::k4, pte::RW | (user ? pte::US : 0));
        return root;
    }
    // The System::boot sequence through the CSRs: EFER, CR4, CR3, CR0.
    void enable_paging(uint64_t root) {
        REQUIRE(set_csr(csr::efer, efer::LME | efer::NXE));
        REQUIRE(set_csr(csr::cr4, cr4::PAE));
        REQUIRE(set_csr(csr::cr3, root));
        REQUIRE(set_csr(csr::cr0, cr0::PE | cr0::PG | cr0::WP));
        REQUIRE(board->mmu().regs().paging());
    }

    PlatformOptions options;
    SparseMemory ram;
    DirectBus bus;
    std::ostringstream uart;
    std::unique_ptr<Board> board;
    PageTableBuilder builder;

 private:
    uint64_t m_next_table = kTables;
};

}  // namespace tlmmu::platform::test
