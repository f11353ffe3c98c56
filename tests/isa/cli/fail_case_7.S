# Not an ISA test: a guest whose test case 7 fails, to check that `tlmmu run`
# reports a failing riscv-tests binary with its test number as exit status.
#include "riscv_test.h"
#include "test_macros.h"

RVTEST_RV64U
RVTEST_CODE_BEGIN
  TEST_CASE(2, x1, 1, li x1, 1)
  TEST_CASE(7, x1, 2, li x1, 3)
  TEST_PASSFAIL
RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
RVTEST_DATA_END
