// RV64IMA + Zicsr instruction decoding (plus the custom-0 flush
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
    invlpg, invpcid, invlpgb, tlbsync,
    // A extension: LR/SC and the AMOs, word then doubleword of each.
    lr_w, lr_d, sc_w, sc_d,
    amoswap_w, amoswap_d, amoadd_w, amoadd_d, amoxor_w, amoxor_d, amoand_w, amoand_d, amoor_w, amoor_d,
    amomin_w, amomin_d, amomax_w, amomax_d, amominu_w, amominu_d, amomaxu_w, amomaxu_d,
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

// The A extension's ops: true for lr/sc/amo*, and whether the op is a doubleword one.
inline bool is_atomic(Op op) { return op >= Op::lr_w && op <= Op::amomaxu_d; }
inline bool is_doubleword_atomic(Op op) { return (unsigned(op) - unsigned(Op::lr_w)) % 2 == 1; }

}  // namespace tlmmu::platform
