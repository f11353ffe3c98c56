# ma_data: misaligned loads and stores are performed (docs/isa.md), also
# across a page boundary.
#include "riscv_test.h"
#include "test_macros.h"

RVTEST_RV64U
RVTEST_CODE_BEGIN

  TEST_LD_OP(2, lh,  0xffffffffffff80ff, 1, tdat)
  TEST_LD_OP(3, lhu, 0x00000000000080ff, 1, tdat)
  TEST_LD_OP(4, lw,  0x000000007f80ff00, 0, tdat)
  TEST_LD_OP(5, lw,  0x017f80ff, 1, tdat)
  TEST_LD_OP(6, lwu, 0x00000000fe017f80, 2, tdat)
  TEST_LD_OP(7, ld,  0x12fe017f80ff0000, -1, tdat)
  TEST_LD_OP(8, ld,  0x563412fe017f80ff, 1, tdat)
  TEST_LD_OP(9, ld,  0x78563412fe017f80, 2, tdat)

  TEST_ST_OP(10, ld, sd, 0x0123456789abcdef, 3, sdat)
  TEST_ST_OP(11, lw, sw, 0xffffffff89abcdef, 5, sdat)
  TEST_ST_OP(12, lh, sh, 0xffffffffffffcdef, 7, sdat)

test_13:                       # a doubleword across a page boundary
  li TESTNUM, 13
  la t0, page_end
  li t1, 0x1122334455667788
  sd t1, -3(t0)
  ld t2, -3(t0)
  bne t1, t2, fail
  lbu t3, -3(t0)
  li t4, 0x88
  bne t3, t4, fail
  lbu t3, 4(t0)
  li t4, 0x11
  bne t3, t4, fail
  lw t3, -2(t0)
  li t4, 0x44556677
  bne t3, t4, fail

  TEST_PASSFAIL

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
  .align 3
  .byte 0x00
tdat:
  .byte 0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc
  .align 3
sdat:
  .fill 24, 1, 0
  .align 12
  .fill 4096, 1, 0
page_end:
  .fill 64, 1, 0
RVTEST_DATA_END
