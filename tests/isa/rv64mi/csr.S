# Zicsr: csrrw/csrrs/csrrc and their immediate forms, read-only and
# unimplemented CSRs, the machine information and counter CSRs.
#include "riscv_test.h"
#include "test_macros.h"
#include "trap_macros.h"

RVTEST_RV64M
RVTEST_CODE_BEGIN

  TEST_CASE(2, a0, 0x0, csrwi mscratch, 0; csrr a0, mscratch)
  TEST_CASE(3, a0, 0x0, li a1, 0x123456789abcdef0; csrrw a0, mscratch, a1)        # old value returned
  TEST_CASE(4, a0, 0x123456789abcdef0, csrr a0, mscratch)
  TEST_CASE(5, a0, 0x123456789abcdef0, li a1, 0xf; csrrs a0, mscratch, a1)
  TEST_CASE(6, a0, 0x123456789abcdeff, csrr a0, mscratch)
  TEST_CASE(7, a0, 0x123456789abcdeff, li a1, 0xff00; csrrc a0, mscratch, a1)
  TEST_CASE(8, a0, 0x123456789abc00ff, csrr a0, mscratch)
  TEST_CASE(9, a0, 0x123456789abc00ff, csrrwi a0, mscratch, 0x1f)
  TEST_CASE(10, a0, 0x1f, csrr a0, mscratch)
  TEST_CASE(11, a0, 0x1f, csrrsi a0, mscratch, 0x0; csrr a0, mscratch)             # rs1 = 0: no write
  TEST_CASE(12, a0, 0x3f, csrrsi a0, mscratch, 0x10; csrrsi a0, mscratch, 0x0; li t0, 0x20; csrs mscratch, t0; csrr a0, mscratch)
  TEST_CASE(13, a0, 0x2a, csrrci a0, mscratch, 0x15; csrr a0, mscratch)
  TEST_CASE(14, a0, 0x2a, csrrc a0, mscratch, x0)                                  # no write
  TEST_CASE(15, a0, 0x0, csrr a0, mhartid)
  TEST_CASE(16, a0, 0x1, csrr a0, misa; srli a0, a0, 62; addi a0, a0, -1)         # MXL = 2 (RV64)
  TEST_CASE(17, a0, 0x1100, csrr a0, misa; li a1, 0x1100; and a0, a0, a1)          # I and M
  TEST_CASE(18, a0, 0x0, csrr a0, mvendorid; csrr a1, marchid; or a0, a0, a1; csrr a1, mimpid; or a0, a0, a1)

  # minstret counts retired instructions exactly.
  TEST_CASE(19, a0, 1, csrr a1, minstret; csrr a2, minstret; sub a0, a2, a1)
  TEST_CASE(20, a0, 4, csrr a1, instret; nop; nop; nop; csrr a2, instret; sub a0, a2, a1)
  # mcycle advances by at least one cycle per instruction.
  TEST_CASE(21, a0, 1, csrr a1, mcycle; nop; nop; nop; csrr a2, mcycle; sub a0, a2, a1; sltiu a0, a0, 4; xori a0, a0, 1)
  # mcycle and minstret are writable.
  TEST_CASE(22, a0, 1, li a1, 1000000; csrw mcycle, a1; csrr a0, mcycle; sub a0, a0, a1; sltiu a0, a0, 10)
  TEST_CASE(23, a0, 1000, li a1, 1000; csrw minstret, a1; csrr a0, minstret)
  # cycle/instret mirror mcycle/minstret; time reads mtime.
  TEST_CASE(24, a0, 1, csrr a1, mcycle; csrr a2, cycle; sub a0, a2, a1; sltiu a0, a0, 4)
  TEST_CASE(25, a0, 1, csrr a1, time; li t0, 0x0200bff8; ld a2, 0(t0); sub a0, a2, a1; sltiu a0, a0, 50)
  # Writes to the MMU event counters are ignored; with paging off they stay 0.
  TEST_CASE(26, a0, 0, li a1, 55; csrw mhpmcounter9, a1; csrr a0, mhpmcounter9)
  TEST_CASE(27, a0, 0, csrr a0, hpmcounter20)
  # mepc clears bits 1:0; mtvec keeps direct (0) and vectored (1) modes.
  TEST_CASE(28, a0, 0x80000100, li a1, 0x80000103; csrw mepc, a1; csrr a0, mepc)

  # Read-only and unimplemented CSRs raise illegal instruction with the encoding in mtval.
  TEST_TRAP(29, 2, 0xf1429073, csrw mhartid, t0)          # csrrw x0, mhartid, t0
  TEST_TRAP(30, 2, 0x18029073, csrw satp, t0)             # no S mode
  TEST_TRAP(31, 2, 0xc0029073, csrw cycle, t0)            # user counters are read-only
  TEST_TRAP(32, 2, 0xfc029073, csrw 0xfc0, t0)            # pferr is read-only
  TEST_TRAP(33, 2, 0x7ff02573, csrr a0, 0x7ff)            # unimplemented custom CSR
  TEST_CASE(34, a0, 0, csrr a0, 0xfc0)                    # pferr readable, 0 before any page fault

  TEST_PASSFAIL

  TRAP_RECORDER

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
RVTEST_DATA_END
