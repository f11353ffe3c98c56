# Privilege: user mode (CPL3) cannot touch machine CSRs or run mret/wfi or
# the flush instructions; ecall/ebreak causes; mstatus MPP/MPIE/MIE across
# traps and mret; user mode reads the counters unless mcounteren forbids it.
#include "riscv_test.h"
#include "test_macros.h"
#include "trap_macros.h"

// Runs `code` in user mode; it must trap with `cause` (s8) and mtval `tval` (s9).
#define TEST_USER_TRAP(testnum, cause, tval, code...)                   \
test_ ## testnum:                                                       \
  li TESTNUM, testnum;                                                  \
  li s8, -1;                                                            \
  la s11, 9f;                                                           \
  li t0, MSTATUS_MPP;                                                   \
  csrc mstatus, t0;                                                     \
  la t0, 8f;                                                            \
  csrw mepc, t0;                                                        \
  mret;                                                                 \
8:                                                                      \
  code;                                                                 \
  j fail;                                                               \
9:                                                                      \
  li t0, cause;                                                         \
  bne s8, t0, fail;                                                     \
  li t0, tval;                                                          \
  bne s9, t0, fail;

// ecall goes to the environment's pass/fail path; these tests take it directly.
#define DIRECT_TRAPS la t0, mtvec_handler; csrw mtvec, t0
#define ENV_TRAPS la t0, trap_vector; csrw mtvec, t0

RVTEST_RV64M
RVTEST_CODE_BEGIN

  TEST_USER_TRAP(2, 2, 0x30002573, csrr a0, mstatus)
  TEST_USER_TRAP(3, 2, 0x34029073, csrw mscratch, t0)
  TEST_USER_TRAP(4, 2, 0x30200073, mret)
  TEST_USER_TRAP(5, 2, 0x10500073, wfi)
  TEST_USER_TRAP(6, 2, 0x7c102573, csrr a0, 0x7c1)                     # cr3
  TEST_USER_TRAP(7, 2, 0x0002800b, .insn r 0x0B, 0, 0, x0, t0, x0)     # invlpg
  TEST_USER_TRAP(8, 2, 0x0262800b, .insn r 0x0B, 0, 1, x0, t0, t1)     # invpcid
  TEST_USER_TRAP(9, 2, 0xb0002573, csrr a0, mcycle)
  # The trap came from user mode: MPP = 0 in mstatus at the trap.
  TEST_CASE(10, a0, 0, li t0, MSTATUS_MPP; and a0, s6, t0)

  DIRECT_TRAPS
  TEST_USER_TRAP(11, 8, 0, ecall)                                       # ecall from U
  # User mode reads cycle, instret, time and the MMU counters.
  TEST_USER_TRAP(12, 8, 0, csrr a0, cycle; csrr a1, instret; csrr a2, time; csrr a3, hpmcounter3; csrr a4, hpmcounter15; ecall)
  # ecall from M: cause 11; at the trap MPP = 3, MPIE = the old MIE (1), MIE = 0.
  TEST_TRAP(13, 11, 0, csrsi mstatus, 8; ecall)
  TEST_CASE(14, a0, 0x1880, li t0, 0x1888; and a0, s6, t0)
  ENV_TRAPS

  # mcounteren clear: user reads of cycle trap.
  csrw mcounteren, x0
  TEST_USER_TRAP(15, 2, 0xc0002573, csrr a0, cycle)
  li t0, -1
  csrw mcounteren, t0

  # mret: MIE = MPIE, MPIE = 1, MPP = U (0); privilege = the old MPP (M here).
  TEST_CASE(16, a0, 0x88,
    li t0, 0x1880; csrs mstatus, t0; csrci mstatus, 8;
    la t0, 1f; csrw mepc, t0; mret; 1: csrr a0, mstatus; li t0, 0x1888; and a0, a0, t0)

test_17:                       # ebreak: cause 3, mtval and mepc = its address
  li TESTNUM, 17
  la s11, 9f
  la a5, 8f
8:
  ebreak
  j fail
9:
  li t0, 3
  bne s8, t0, fail
  bne s9, a5, fail
  bne s7, a5, fail

  # Illegal encodings trap in machine mode too, with the bits in mtval.
  TEST_TRAP(18, 2, 0x00000000, .word 0x00000000)
  TEST_TRAP(19, 2, 0xffffffff, .word 0xffffffff)
  TEST_TRAP(20, 2, 0x12000073, .word 0x12000073)                        # sfence.vma: no S mode
  TEST_TRAP(21, 2, 0x4200d09b, .word 0x4200d09b)                        # sraiw with shamt bit 5
  TEST_TRAP(22, 2, 0x00007503, .word 0x00007503)                        # load funct3 7
  TEST_TRAP(23, 2, 0x0000100b, .word 0x0000100b)                        # custom-0 funct3 1

  TEST_PASSFAIL

  TRAP_RECORDER

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
RVTEST_DATA_END
