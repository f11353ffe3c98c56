# fence_i: code written by stores runs after fence.i (and the platform's
# decoded-instruction cache never serves stale code).
#include "riscv_test.h"
#include "test_macros.h"

RVTEST_RV64U
RVTEST_CODE_BEGIN

test_2:                        # patch an instruction of the code below, then run it
  li TESTNUM, 2
  la t0, patch
  lw t1, insn_addi_100         # addi a0, a0, 100
  sw t1, 0(t0)
  fence.i
  li a0, 0
  jal ra, patch
  li t2, 100
  bne a0, t2, fail

test_3:                        # patch it again: the new code runs, not the cached one
  li TESTNUM, 3
  la t0, patch
  lw t1, insn_addi_7           # addi a0, a0, 7
  sw t1, 0(t0)
  fence.i
  li a0, 0
  jal ra, patch
  li t2, 7
  bne a0, t2, fail

test_4:                        # a store into the block being executed takes effect at once
  li TESTNUM, 4
  la t0, 1f
  lw t1, insn_addi_100
  li a0, 0
  sw t1, 0(t0)
  fence.i
1:
  addi a0, a0, 1
  li t2, 100
  bne a0, t2, fail

  TEST_PASSFAIL

patch:
  addi a0, a0, 1
  ret

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
insn_addi_100: addi a0, a0, 100
insn_addi_7: addi a0, a0, 7
RVTEST_DATA_END
