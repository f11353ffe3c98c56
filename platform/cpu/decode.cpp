#include "cpu/decode.h"

namespace tlmmu::platform {

namespace {

// Immediates: the fields are gathered at the top of a 32-bit word (bit 31 is
// always the sign), then an arithmetic right shift sign-extends them.
int32_t imm_i(uint32_t r) { return int32_t(r) >> 20; }
int32_t imm_s(uint32_t r) { return int32_t((r & 0xfe000000u) | ((r & 0xf80u) << 13)) >> 20; }
int32_t imm_b(uint32_t r) {
    return int32_t((r & 0x80000000u) | ((r & 0x80u) << 23) | ((r >> 1) & 0x3f000000u) | ((r & 0xf00u) << 12)) >> 19;
}
int32_t imm_u(uint32_t r) { return int32_t(r & 0xfffff000u); }
int32_t imm_j(uint32_t r) {
    return int32_t((r & 0x80000000u) | ((r & 0xff000u) << 11) | ((r & 0x100000u) << 2) | ((r >> 9) & 0x3ff000u)) >> 11;
}

constexpr const char* kNames[] = {
    "illegal", "lui", "auipc", "jal", "jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu",
    "lb", "lh", "lw", "ld", "lbu", "lhu", "lwu", "sb", "sh", "sw", "sd",
    "addi", "slti", "sltiu", "xori", "ori", "andi", "slli", "srli", "srai",
    "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
    "addiw", "slliw", "srliw", "sraiw", "addw", "subw", "sllw", "srlw", "sraw",
    "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
    "mulw", "divw", "divuw", "remw", "remuw",
    "fence", "fence.i", "ecall", "ebreak", "mret", "wfi",
    "csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci", "invlpg", "invpcid", "invlpgb", "tlbsync",
    "lr.w", "lr.d", "sc.w", "sc.d", "amoswap.w", "amoswap.d", "amoadd.w", "amoadd.d", "amoxor.w", "amoxor.d",
    "amoand.w", "amoand.d", "amoor.w", "amoor.d", "amomin.w", "amomin.d", "amomax.w", "amomax.d",
    "amominu.w", "amominu.d", "amomaxu.w", "amomaxu.d"};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == unsigned(Op::count), "a name per op");

}  // namespace

const char* to_string(Op op) { return unsigned(op) < unsigned(Op::count) ? kNames[unsigned(op)] : "?"; }

Insn decode(uint32_t r) {
    Insn in;
    in.raw = r;
    in.rd = uint8_t((r >> 7) & 31);
    in.rs1 = uint8_t((r >> 15) & 31);
    in.rs2 = uint8_t((r >> 20) & 31);
    const unsigned f3 = (r >> 12) & 7;
    const unsigned f7 = r >> 25;
    Op op = Op::illegal;
    if ((r & 3) != 3) return in;  // compressed encodings are not implemented
    switch ((r >> 2) & 31) {
        case 0x0D: op = Op::lui; in.imm = imm_u(r); break;
        case 0x05: op = Op::auipc; in.imm = imm_u(r); break;
        case 0x1B: op = Op::jal; in.imm = imm_j(r); break;
        case 0x19:
            if (f3 == 0) op = Op::jalr;
            in.imm = imm_i(r);
            break;
        case 0x18: {
            static constexpr Op kBranch[8] = {Op::beq, Op::bne, Op::illegal, Op::illegal,
                                              Op::blt, Op::bge, Op::bltu,    Op::bgeu};
            op = kBranch[f3];
            in.imm = imm_b(r);
            break;
        }
        case 0x00: {
            static constexpr Op kLoad[8] = {Op::lb, Op::lh, Op::lw, Op::ld, Op::lbu, Op::lhu, Op::lwu, Op::illegal};
            op = kLoad[f3];
            in.imm = imm_i(r);
            break;
        }
        case 0x08: {
            static constexpr Op kStore[8] = {Op::sb, Op::sh, Op::sw, Op::sd,
                                             Op::illegal, Op::illegal, Op::illegal, Op::illegal};
            op = kStore[f3];
            in.imm = imm_s(r);
            break;
        }
        case 0x04: {  // OP-IMM
            in.imm = imm_i(r);
            const unsigned f6 = r >> 26;
            switch (f3) {
                case 0: op = Op::addi; break;
                case 2: op = Op::slti; break;
                case 3: op = Op::sltiu; break;
                case 4: op = Op::xori; break;
                case 6: op = Op::ori; break;
                case 7: op = Op::andi; break;
                case 1:
                    if (f6 == 0) op = Op::slli;
                    in.imm &= 63;
                    break;
                case 5:
                    if (f6 == 0) op = Op::srli;
                    else if (f6 == 0x10) op = Op::srai;
                    in.imm &= 63;
                    break;
            }
            break;
        }
        case 0x06: {  // OP-IMM-32
            in.imm = imm_i(r);
            if (f3 == 0) {
                op = Op::addiw;
            } else if (f3 == 1 && f7 == 0) {
                op = Op::slliw;
                in.imm &= 31;
            } else if (f3 == 5 && (f7 == 0 || f7 == 0x20)) {
                op = f7 ? Op::sraiw : Op::srliw;
                in.imm &= 31;
            }
            break;
        }
        case 0x0C: {  // OP
            static constexpr Op kBase[8] = {Op::add, Op::sll, Op::slt, Op::sltu, Op::xor_, Op::srl, Op::or_, Op::and_};
            static constexpr Op kMul[8] = {Op::mul, Op::mulh, Op::mulhsu, Op::mulhu, Op::div, Op::divu, Op::rem, Op::remu};
            if (f7 == 0) op = kBase[f3];
            else if (f7 == 1) op = kMul[f3];
            else if (f7 == 0x20 && f3 == 0) op = Op::sub;
            else if (f7 == 0x20 && f3 == 5) op = Op::sra;
            break;
        }
        case 0x0E: {  // OP-32
            static constexpr Op kBase[8] = {Op::addw, Op::sllw, Op::illegal, Op::illegal,
                                            Op::illegal, Op::srlw, Op::illegal, Op::illegal};
            static constexpr Op kMul[8] = {Op::mulw, Op::illegal, Op::illegal, Op::illegal,
                                           Op::divw, Op::divuw, Op::remw, Op::remuw};
            if (f7 == 0) op = kBase[f3];
            else if (f7 == 1) op = kMul[f3];
            else if (f7 == 0x20 && f3 == 0) op = Op::subw;
            else if (f7 == 0x20 && f3 == 5) op = Op::sraw;
            break;
        }
        case 0x03:  // MISC-MEM
            if (f3 == 0) op = Op::fence;
            else if (f3 == 1) op = Op::fence_i;
            break;
        case 0x1C: {  // SYSTEM
            in.imm = int32_t(r >> 20);  // CSR number, unsigned
            if (f3 == 0) {
                if (r == 0x00000073) op = Op::ecall;
                else if (r == 0x00100073) op = Op::ebreak;
                else if (r == 0x30200073) op = Op::mret;
                else if (r == 0x10500073) op = Op::wfi;
            } else {
                static constexpr Op kCsr[8] = {Op::illegal, Op::csrrw,  Op::csrrs,  Op::csrrc,
                                               Op::illegal, Op::csrrwi, Op::csrrsi, Op::csrrci};
                op = kCsr[f3];
            }
            break;
        }
        case 0x02:  // custom-0: invlpg / invpcid / invlpgb / tlbsync (docs/isa.md)
            if (f3 == 0 && f7 == 0 && in.rd == 0 && in.rs2 == 0) op = Op::invlpg;
            else if (f3 == 0 && f7 == 1 && in.rd == 0) op = Op::invpcid;
            else if (f3 == 0 && f7 == 2 && in.rd == 0) op = Op::invlpgb;
            else if (f3 == 0 && f7 == 3 && in.rd == 0 && in.rs1 == 0 && in.rs2 == 0) op = Op::tlbsync;
            break;
        case 0x0B: {  // AMO: funct5 in bits 31:27, aq/rl (bits 26:25) accepted and ignored
            if (f3 != 2 && f3 != 3) break;
            const unsigned f5 = r >> 27;
            Op word = Op::illegal;
            switch (f5) {
                case 0x02: if (in.rs2 == 0) word = Op::lr_w; break;
                case 0x03: word = Op::sc_w; break;
                case 0x01: word = Op::amoswap_w; break;
                case 0x00: word = Op::amoadd_w; break;
                case 0x04: word = Op::amoxor_w; break;
                case 0x0C: word = Op::amoand_w; break;
                case 0x08: word = Op::amoor_w; break;
                case 0x10: word = Op::amomin_w; break;
                case 0x14: word = Op::amomax_w; break;
                case 0x18: word = Op::amominu_w; break;
                case 0x1C: word = Op::amomaxu_w; break;
                default: break;
            }
            if (word != Op::illegal) op = Op(unsigned(word) + (f3 == 3 ? 1 : 0));
            break;
        }
        default:
            break;
    }
    in.op = op;
    return in;
}

}  // namespace tlmmu::platform
