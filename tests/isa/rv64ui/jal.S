# jal: link register, forward/backward targets, x0 as link.
#include "riscv_test.h"
#include "test_macros.h"

RVTEST_RV64U
RVTEST_CODE_BEGIN

test_2:
  li TESTNUM, 2
  li ra, 0
  jal x4, target_2
linkaddr_2:
  nop
  nop
  j fail
target_2:
  la x2, linkaddr_2
  bne x2, x4, fail

test_3:                      # jal x0 does not write x0
  li TESTNUM, 3
  jal x0, 1f
  j fail
1:
  bnez x0, fail

test_4:                      # backward jump
  li TESTNUM, 4
  li x5, 0
  j 2f
1:
  addi x5, x5, 1
  j 3f
2:
  jal x6, 1b
3:
  li x7, 1
  bne x5, x7, fail

test_5:                      # the instruction after jal is not executed
  li TESTNUM, 5
  li x1, 1
  jal x0, 1f
  addi x1, x1, 1
  addi x1, x1, 1
1:
  addi x1, x1, 1
  li x7, 2
  bne x1, x7, fail

  TEST_PASSFAIL

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
RVTEST_DATA_END
