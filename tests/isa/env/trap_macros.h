// Tests that expect a trap: the test defines `mtvec_handler` as TRAP_RECORDER,
// which the environment's trap vector calls for every trap but ecall. It
// records mcause in s8, mtval in s9, pferr in s10, the trapping pc in s7 and
// mstatus at the trap in s6, then resumes at s11 in machine mode with
// interrupts disabled (mstatus.MIE = 0).
#ifndef TLMMU_TRAP_MACROS_H
#define TLMMU_TRAP_MACROS_H

#define TRAP_RECORDER                                                   \
  .global mtvec_handler;                                                \
mtvec_handler:                                                          \
  csrr s8, mcause;                                                      \
  csrr s9, mtval;                                                       \
  csrr s10, 0xfc0;                                                      \
  csrr s7, mepc;                                                        \
  csrr s6, mstatus;                                                     \
  csrw mepc, s11;                                                       \
  li t5, MSTATUS_MPP;                                                   \
  csrs mstatus, t5;                                                     \
  li t5, 0x80; /* MPIE = 0: resume with interrupts off */              \
  csrc mstatus, t5;                                                     \
  mret

// Runs `code`, which must trap with `cause` and mtval `tval`.
#define TEST_TRAP(testnum, cause, tval, code...)                        \
test_ ## testnum:                                                       \
  li TESTNUM, testnum;                                                  \
  li s8, -1;                                                            \
  la s11, 9f;                                                           \
  code;                                                                 \
  j fail;                                                               \
9:                                                                      \
  li t0, cause;                                                         \
  bne s8, t0, fail;                                                     \
  li t0, tval;                                                          \
  bne s9, t0, fail;

// As TEST_TRAP, and the x86 error code (pferr) must equal `code_bits`.
#define TEST_PAGE_FAULT(testnum, cause, tval, code_bits, code...)       \
  TEST_TRAP(testnum, cause, tval, code)                                 \
  li t0, code_bits;                                                     \
  bne s10, t0, fail;

#endif
