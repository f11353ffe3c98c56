# auipc: pc-relative upper immediate, positive and negative.
#include "riscv_test.h"
#include "test_macros.h"

RVTEST_RV64U
RVTEST_CODE_BEGIN

  TEST_CASE(2, a0, 10000,
    .align 3;
    lla a0, 1f + 10000;
    jal a1, 1f;
    1: sub a0, a0, a1;
  )

  TEST_CASE(3, a0, -10000,
    .align 3;
    lla a0, 1f - 10000;
    jal a1, 1f;
    1: sub a0, a0, a1;
  )

  TEST_CASE(4, a0, 0,            # auipc 0 gives its own address
    1: auipc a0, 0;
    la a1, 1b;
    sub a0, a0, a1;
  )

  TEST_CASE(5, a0, 0xfffffffffffff000,   # auipc with the top immediate bit: sign extension
    1: auipc a0, 0xfffff;
    la a1, 1b;
    sub a0, a0, a1;
  )

  TEST_PASSFAIL

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
RVTEST_DATA_END
