// Test-case macros in the style of riscv-tests' test_macros.h (same names and
// arguments, so tests written against it assemble here). Each case loads its
// number into TESTNUM (gp), computes a result into x14 and branches to `fail`
// when it differs from the expected value.
#ifndef TLMMU_TEST_MACROS_H
#define TLMMU_TEST_MACROS_H

#define TEST_DATA

#define MASK_XLEN(x) ((x) & 0xffffffffffffffff)
#define SEXT_IMM(x) ((x) | (-(((x) >> 11) & 1) << 11))

#define TEST_CASE(testnum, testreg, correctval, code...)                \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    code;                                                               \
    li  x7, MASK_XLEN(correctval);                                      \
    bne testreg, x7, fail;

// ---- register-immediate ------------------------------------------------
#define TEST_IMM_OP(testnum, inst, result, val1, imm)                   \
    TEST_CASE(testnum, x14, result,                                     \
      li  x1, MASK_XLEN(val1);                                          \
      inst x14, x1, SEXT_IMM(imm);                                      \
    )

#define TEST_IMM_SRC1_EQ_DEST(testnum, inst, result, val1, imm)         \
    TEST_CASE(testnum, x1, result,                                      \
      li  x1, MASK_XLEN(val1);                                          \
      inst x1, x1, SEXT_IMM(imm);                                       \
    )

#define TEST_IMM_DEST_BYPASS(testnum, nop_cycles, inst, result, val1, imm) \
    TEST_CASE(testnum, x6, result,                                      \
      li  x4, 0;                                                        \
1:    li  x1, MASK_XLEN(val1);                                          \
      inst x14, x1, SEXT_IMM(imm);                                      \
      TEST_INSERT_NOPS_ ## nop_cycles                                   \
      addi  x6, x14, 0;                                                 \
      addi  x4, x4, 1;                                                  \
      li  x5, 2;                                                        \
      bne x4, x5, 1b                                                    \
    )

#define TEST_IMM_SRC1_BYPASS(testnum, nop_cycles, inst, result, val1, imm) \
    TEST_CASE(testnum, x14, result,                                     \
      li  x4, 0;                                                        \
1:    li  x1, MASK_XLEN(val1);                                          \
      TEST_INSERT_NOPS_ ## nop_cycles                                   \
      inst x14, x1, SEXT_IMM(imm);                                      \
      addi  x4, x4, 1;                                                  \
      li  x5, 2;                                                        \
      bne x4, x5, 1b                                                    \
    )

#define TEST_IMM_ZEROSRC1(testnum, inst, result, imm)                   \
    TEST_CASE(testnum, x1, result,                                      \
      inst x1, x0, SEXT_IMM(imm);                                       \
    )

#define TEST_IMM_ZERODEST(testnum, inst, val1, imm)                     \
    TEST_CASE(testnum, x0, 0,                                           \
      li  x1, MASK_XLEN(val1);                                          \
      inst x0, x1, SEXT_IMM(imm);                                       \
    )

// ---- register-register -------------------------------------------------
#define TEST_RR_OP(testnum, inst, result, val1, val2)                   \
    TEST_CASE(testnum, x14, result,                                     \
      li  x1, MASK_XLEN(val1);                                          \
      li  x2, MASK_XLEN(val2);                                          \
      inst x14, x1, x2;                                                 \
    )

#define TEST_RR_SRC1_EQ_DEST(testnum, inst, result, val1, val2)         \
    TEST_CASE(testnum, x1, result,                                      \
      li  x1, MASK_XLEN(val1);                                          \
      li  x2, MASK_XLEN(val2);                                          \
      inst x1, x1, x2;                                                  \
    )

#define TEST_RR_SRC2_EQ_DEST(testnum, inst, result, val1, val2)         \
    TEST_CASE(testnum, x2, result,                                      \
      li  x1, MASK_XLEN(val1);                                          \
      li  x2, MASK_XLEN(val2);                                          \
      inst x2, x1, x2;                                                  \
    )

#define TEST_RR_SRC12_EQ_DEST(testnum, inst, result, val1)              \
    TEST_CASE(testnum, x1, result,                                      \
      li  x1, MASK_XLEN(val1);                                          \
      inst x1, x1, x1;                                                  \
    )

#define TEST_RR_DEST_BYPASS(testnum, nop_cycles, inst, result, val1, val2) \
    TEST_CASE(testnum, x6, result,                                      \
      li  x4, 0;                                                        \
1:    li  x1, MASK_XLEN(val1);                                          \
      li  x2, MASK_XLEN(val2);                                          \
      inst x14, x1, x2;                                                 \
      TEST_INSERT_NOPS_ ## nop_cycles                                   \
      addi  x6, x14, 0;                                                 \
      addi  x4, x4, 1;                                                  \
      li  x5, 2;                                                        \
      bne x4, x5, 1b                                                    \
    )

#define TEST_RR_SRC12_BYPASS(testnum, src1_nops, src2_nops, inst, result, val1, val2) \
    TEST_CASE(testnum, x14, result,                                     \
      li  x4, 0;                                                        \
1:    li  x1, MASK_XLEN(val1);                                          \
      TEST_INSERT_NOPS_ ## src1_nops                                    \
      li  x2, MASK_XLEN(val2);                                          \
      TEST_INSERT_NOPS_ ## src2_nops                                    \
      inst x14, x1, x2;                                                 \
      addi  x4, x4, 1;                                                  \
      li  x5, 2;                                                        \
      bne x4, x5, 1b                                                    \
    )

#define TEST_RR_SRC21_BYPASS(testnum, src1_nops, src2_nops, inst, result, val1, val2) \
    TEST_CASE(testnum, x14, result,                                     \
      li  x4, 0;                                                        \
1:    li  x2, MASK_XLEN(val2);                                          \
      TEST_INSERT_NOPS_ ## src1_nops                                    \
      li  x1, MASK_XLEN(val1);                                          \
      TEST_INSERT_NOPS_ ## src2_nops                                    \
      inst x14, x1, x2;                                                 \
      addi  x4, x4, 1;                                                  \
      li  x5, 2;                                                        \
      bne x4, x5, 1b                                                    \
    )

#define TEST_RR_ZEROSRC1(testnum, inst, result, val)                    \
    TEST_CASE(testnum, x2, result,                                      \
      li x1, MASK_XLEN(val);                                            \
      inst x2, x0, x1;                                                  \
    )

#define TEST_RR_ZEROSRC2(testnum, inst, result, val)                    \
    TEST_CASE(testnum, x2, result,                                      \
      li x1, MASK_XLEN(val);                                            \
      inst x2, x1, x0;                                                  \
    )

#define TEST_RR_ZEROSRC12(testnum, inst, result)                        \
    TEST_CASE(testnum, x1, result,                                      \
      inst x1, x0, x0;                                                  \
    )

#define TEST_RR_ZERODEST(testnum, inst, val1, val2)                     \
    TEST_CASE(testnum, x0, 0,                                           \
      li x1, MASK_XLEN(val1);                                           \
      li x2, MASK_XLEN(val2);                                           \
      inst x0, x1, x2;                                                  \
    )

// ---- loads and stores --------------------------------------------------
#define TEST_LD_OP(testnum, inst, result, offset, base)                 \
    TEST_CASE(testnum, x14, result,                                     \
      la  x1, base;                                                     \
      inst x14, offset(x1);                                             \
    )

#define TEST_ST_OP(testnum, load_inst, store_inst, result, offset, base) \
    TEST_CASE(testnum, x14, result,                                     \
      la  x1, base;                                                     \
      li  x2, result;                                                   \
      store_inst x2, offset(x1);                                        \
      load_inst x14, offset(x1);                                        \
    )

#define TEST_LD_DEST_BYPASS(testnum, nop_cycles, inst, result, offset, base) \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x4, 0;                                                          \
1:  la  x13, base;                                                      \
    inst x14, offset(x13);                                              \
    TEST_INSERT_NOPS_ ## nop_cycles                                     \
    addi  x6, x14, 0;                                                   \
    li  x7, result;                                                     \
    bne x6, x7, fail;                                                   \
    addi  x4, x4, 1;                                                    \
    li  x5, 2;                                                          \
    bne x4, x5, 1b;

#define TEST_LD_SRC1_BYPASS(testnum, nop_cycles, inst, result, offset, base) \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x4, 0;                                                          \
1:  la  x13, base;                                                      \
    TEST_INSERT_NOPS_ ## nop_cycles                                     \
    inst x14, offset(x13);                                              \
    li  x7, result;                                                     \
    bne x14, x7, fail;                                                  \
    addi  x4, x4, 1;                                                    \
    li  x5, 2;                                                          \
    bne x4, x5, 1b                                                      \

#define TEST_ST_SRC12_BYPASS(testnum, src1_nops, src2_nops, load_inst, store_inst, result, offset, base) \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x4, 0;                                                          \
1:  li  x1, result;                                                     \
    TEST_INSERT_NOPS_ ## src1_nops                                      \
    la  x2, base;                                                       \
    TEST_INSERT_NOPS_ ## src2_nops                                      \
    store_inst x1, offset(x2);                                          \
    load_inst x14, offset(x2);                                          \
    li  x7, result;                                                     \
    bne x14, x7, fail;                                                  \
    addi  x4, x4, 1;                                                    \
    li  x5, 2;                                                          \
    bne x4, x5, 1b                                                      \

#define TEST_ST_SRC21_BYPASS(testnum, src1_nops, src2_nops, load_inst, store_inst, result, offset, base) \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x4, 0;                                                          \
1:  la  x2, base;                                                       \
    TEST_INSERT_NOPS_ ## src1_nops                                      \
    li  x1, result;                                                     \
    TEST_INSERT_NOPS_ ## src2_nops                                      \
    store_inst x1, offset(x2);                                          \
    load_inst x14, offset(x2);                                          \
    li  x7, result;                                                     \
    bne x14, x7, fail;                                                  \
    addi  x4, x4, 1;                                                    \
    li  x5, 2;                                                          \
    bne x4, x5, 1b                                                      \

// ---- branches and jumps ------------------------------------------------
#define TEST_BR2_OP_TAKEN(testnum, inst, val1, val2)                    \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x1, val1;                                                       \
    li  x2, val2;                                                       \
    inst x1, x2, 2f;                                                    \
    bne x0, TESTNUM, fail;                                              \
1:  bne x0, TESTNUM, 3f;                                                \
2:  inst x1, x2, 1b;                                                    \
    bne x0, TESTNUM, fail;                                              \
3:

#define TEST_BR2_OP_NOTTAKEN(testnum, inst, val1, val2)                 \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x1, val1;                                                       \
    li  x2, val2;                                                       \
    inst x1, x2, 1f;                                                    \
    bne x0, TESTNUM, 2f;                                                \
1:  bne x0, TESTNUM, fail;                                              \
2:  inst x1, x2, 1b;                                                    \
3:

#define TEST_BR2_SRC12_BYPASS(testnum, src1_nops, src2_nops, inst, val1, val2) \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x4, 0;                                                          \
1:  li  x1, val1;                                                       \
    TEST_INSERT_NOPS_ ## src1_nops                                      \
    li  x2, val2;                                                       \
    TEST_INSERT_NOPS_ ## src2_nops                                      \
    inst x1, x2, fail;                                                  \
    addi  x4, x4, 1;                                                    \
    li  x5, 2;                                                          \
    bne x4, x5, 1b                                                      \

#define TEST_JR_SRC1_BYPASS(testnum, nop_cycles, inst)                  \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x4, 0;                                                          \
1:  la  x6, 2f;                                                         \
    TEST_INSERT_NOPS_ ## nop_cycles                                     \
    inst x6;                                                            \
    bne x0, TESTNUM, fail;                                              \
2:  addi  x4, x4, 1;                                                    \
    li  x5, 2;                                                          \
    bne x4, x5, 1b                                                      \

#define TEST_JALR_SRC1_BYPASS(testnum, nop_cycles, inst)                \
test_ ## testnum:                                                       \
    li  TESTNUM, testnum;                                               \
    li  x4, 0;                                                          \
1:  la  x6, 2f;                                                         \
    TEST_INSERT_NOPS_ ## nop_cycles                                     \
    inst x13, x6, 0;                                                    \
    bne x0, TESTNUM, fail;                                              \
2:  addi  x4, x4, 1;                                                    \
    li  x5, 2;                                                          \
    bne x4, x5, 1b                                                      \

#define TEST_INSERT_NOPS_0
#define TEST_INSERT_NOPS_1  nop;
#define TEST_INSERT_NOPS_2  nop; nop;
#define TEST_INSERT_NOPS_3  nop; nop; nop;
#define TEST_INSERT_NOPS_4  nop; nop; nop; nop;

#define TEST_PASSFAIL                                                   \
        bne x0, TESTNUM, pass;                                          \
fail:                                                                   \
        RVTEST_FAIL;                                                    \
pass:                                                                   \
        RVTEST_PASS                                                     \

#endif
