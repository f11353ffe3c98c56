#include <catch2/catch.hpp>

#include "cpu/decode.h"
#include "rig.h"

using namespace tlmmu::platform;
using namespace tlmmu::platform::test;

TEST_CASE("decoder: each instruction class decodes with its operands") {
    struct Case {
        uint32_t raw;
        Op op;
    };
    const Case cases[] = {
        {enc::lui(5, 0x12345), Op::lui},         {0x00000297, Op::auipc},
        {enc::jal(1, 8), Op::jal},               {enc::jalr(1, 2, -4), Op::jalr},
        {enc::beq(1, 2, 16), Op::beq},           {enc::b(16, 2, 1, 7), Op::bgeu},
        {enc::ld(3, 4, -8), Op::ld},             {enc::i(0, 1, 6, 2, 0x03), Op::lwu},
        {enc::sd(3, 4, 8), Op::sd},              {enc::sb(3, 4, 8), Op::sb},
        {enc::addi(1, 2, -1), Op::addi},         {enc::i(63, 1, 1, 2, 0x13), Op::slli},
        {enc::i(0x400 | 63, 1, 5, 2, 0x13), Op::srai},
        {enc::add(1, 2, 3), Op::add},            {enc::r(0x20, 3, 2, 0, 1, 0x33), Op::sub},
        {enc::r(0x20, 3, 2, 5, 1, 0x33), Op::sra}, {enc::i(31, 1, 1, 2, 0x1b), Op::slliw},
        {enc::r(0x20, 3, 2, 0, 1, 0x3b), Op::subw}, {enc::mul(1, 2, 3), Op::mul},
        {enc::div(1, 2, 3), Op::div},            {enc::r(1, 3, 2, 7, 1, 0x3b), Op::remuw},
        {0x0ff0000f, Op::fence},                 {0x0000100f, Op::fence_i},
        {enc::ecall, Op::ecall},                 {enc::ebreak, Op::ebreak},
        {enc::mret, Op::mret},                   {enc::wfi, Op::wfi},
        {enc::csrrw(1, 0x7c1, 2), Op::csrrw},    {enc::csrr(1, 0xfc0), Op::csrrs},
        {enc::invlpg(5), Op::invlpg},            {enc::invpcid(5, 6), Op::invpcid},
    };
    for (const Case& c : cases) {
        INFO("raw " << std::hex << c.raw << " expected " << to_string(c.op));
        CHECK(decode(c.raw).op == c.op);
    }
    const Insn in = decode(enc::sd(7, 9, -16));
    CHECK(in.rs1 == 9);
    CHECK(in.rs2 == 7);
    CHECK(in.imm == -16);
    CHECK(decode(enc::b(-4096, 2, 1, 0)).imm == -4096);
    CHECK(decode(enc::jal(0, -2)).imm == -2);
    CHECK(decode(enc::jal(0, (1 << 20) - 2)).imm == (1 << 20) - 2);
    CHECK(decode(enc::lui(1, 0x80000)).imm == int32_t(0x80000000u));
    CHECK(decode(enc::csrr(1, 0xfc0)).imm == 0xfc0);
}

TEST_CASE("decoder: reserved encodings are illegal") {
    const uint32_t illegal[] = {
        0x00000000, 0xffffffff,
        0x4501,                              // compressed (no C extension)
        enc::i(0x800 | 1, 1, 1, 2, 0x13),    // slli with funct6 != 0
        enc::r(0x21, 1, 1, 5, 1, 0x1b),      // sraiw with shamt bit 5
        enc::r(0x20, 3, 2, 7, 1, 0x33),      // and with funct7 0x20
        enc::r(2, 3, 2, 0, 1, 0x33),         // funct7 2 on OP
        enc::i(0, 1, 7, 2, 0x03),            // load funct3 7
        enc::s(0, 1, 2, 4),                  // store funct3 4
        enc::b(8, 2, 1, 2),                  // branch funct3 2
        0x00004073,                          // SYSTEM funct3 4
        0x12000073,                          // sfence.vma (no S mode)
        0x10200073,                          // sret
        enc::r(4, 0, 5, 0, 0, 0x0b),         // custom-0 funct7 4
        enc::r(3, 0, 5, 0, 0, 0x0b),         // tlbsync with rs1 != 0
        enc::r(2, 0, 5, 0, 1, 0x0b),         // invlpgb with rd != 0
        enc::r(0x08, 1, 2, 2, 3, 0x2f),      // lr.w with rs2 != 0
        enc::r(0x28, 1, 2, 2, 3, 0x2f),      // AMO funct5 0x0a
        enc::r(0x04, 1, 2, 4, 3, 0x2f),      // AMO funct3 4
        enc::r(0, 0, 5, 0, 3, 0x0b),         // invlpg with rd != 0
        enc::jalr(1, 2, 0) | (1u << 12),     // jalr funct3 1
    };
    for (uint32_t raw : illegal) {
        INFO("raw " << std::hex << raw);
        CHECK(decode(raw).op == Op::illegal);
    }
}
