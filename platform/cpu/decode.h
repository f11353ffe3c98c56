// RV64IM + Zicsr instruction decoding (plus the two custom-0 flush
// instructions of docs/isa.md) into a compact form the hart executes from a
// per-page cache. Pure C++.
#pragma once

#include <cstdint>

namespace tlmmu::platform {

enum class Op : uint8_t {
    illegal,
    lui, auipc, jal, jalr,
    beq, bne, blt, bge, bltu, bgeu,
    lb, lh, lw, ld, lbu, lhu, lwu,
    sb, sh, sw, sd,
    addi, slti, sltiu, xori, ori, andi, slli, srli, srai,
    add, sub, sll, slt, sltu, xor_, srl, sra, or_, and_,
    addiw, slliw, srliw, sraiw,
    addw, subw, sllw, srlw, sraw,
    mul, mulh, mulhsu, mulhu, div, divu, rem, remu,
    mulw, divw, divuw, remw, remuw,
    fence, fence_i, ecall, ebreak, mret, wfi,
    csrrw, csrrs, csrrc, csrrwi, csrrsi, csrrci,
    invlpg, invpcid,
    count
};
const char* to_string(Op op);

// One decoded instruction. For CSR instructions imm holds the CSR number and
// rs1 the register or the 5-bit immediate.
struct Insn {
    Op op = Op::illegal;
    uint8_t rd = 0;
    uint8_t rs1 = 0;
    uint8_t rs2 = 0;
    int32_t imm = 0;
    uint32_t raw = 0;
};

Insn decode(uint32_t raw);

}  // namespace tlmmu::platform
