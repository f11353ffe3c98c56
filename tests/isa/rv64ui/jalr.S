# jalr: link, offset added, bit 0 of the target cleared, rd == rs1.
#include "riscv_test.h"
#include "test_macros.h"

RVTEST_RV64U
RVTEST_CODE_BEGIN

test_2:
  li TESTNUM, 2
  li t0, 0
  la t1, target_2
  jalr t0, t1, 0
linkaddr_2:
  j fail
target_2:
  la t1, linkaddr_2
  bne t0, t1, fail

test_3:                      # rd == rs1: the target uses the old value
  li TESTNUM, 3
  la t0, target_3
  jalr t0, t0, 0
linkaddr_3:
  j fail
target_3:
  la t1, linkaddr_3
  bne t0, t1, fail

test_4:                      # positive and negative offsets
  li TESTNUM, 4
  la t0, target_4
  addi t0, t0, -12
  jalr x0, t0, 12
  j fail
target_4:
  la t0, target_4b
  addi t0, t0, 8
  jalr x0, t0, -8
  j fail
target_4b:

test_5:                      # bit 0 of the target is ignored
  li TESTNUM, 5
  la t0, target_5
  addi t0, t0, 1
  jalr x0, t0, 0
  j fail
target_5:

  TEST_JALR_SRC1_BYPASS(6, 0, jalr);
  TEST_JALR_SRC1_BYPASS(7, 1, jalr);
  TEST_JALR_SRC1_BYPASS(8, 2, jalr);

  TEST_PASSFAIL

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
RVTEST_DATA_END
