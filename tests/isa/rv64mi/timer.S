# CLINT timer and software interrupts: mtime follows mcycle, an enabled
# timer interrupt is taken once mtime >= mtimecmp (cause 0x8000000000000007),
# wfi sleeps until it, msip raises a software interrupt (cause ...03).
#include "riscv_test.h"
#include "test_macros.h"
#include "trap_macros.h"

#define CLINT_MSIP      0x02000000
#define CLINT_MTIMECMP  0x02004000
#define CLINT_MTIME     0x0200bff8

RVTEST_RV64M
RVTEST_CODE_BEGIN

  li s0, CLINT_MTIMECMP
  li s1, CLINT_MTIME

test_2:                        # mtime advances
  li TESTNUM, 2
  ld a0, 0(s1)
  nop
  nop
  ld a1, 0(s1)
  bgeu a0, a1, fail

test_3:                        # nothing pending at reset (mtimecmp = all ones)
  li TESTNUM, 3
  csrr a0, mip
  bnez a0, fail

test_4:                        # the timer interrupt arrives after mtimecmp, not before
  li TESTNUM, 4
  li s8, -1
  la s11, 2f
  ld a0, 0(s1)
  addi a0, a0, 500
  sd a0, 0(s0)
  li t0, 0x80
  csrs mie, t0
  csrsi mstatus, 8
1:
  ld a1, 0(s1)
  j 1b
2:
  li t0, 0x8000000000000007
  bne s8, t0, fail
  ld a1, 0(s1)
  ld a0, 0(s0)
  bltu a1, a0, fail            # taken no earlier than mtimecmp
  csrr a2, mip                 # still pending until mtimecmp moves
  andi a2, a2, 0x80
  beqz a2, fail
  li t0, -1
  sd t0, 0(s0)
  csrr a2, mip
  bnez a2, fail

test_5:                        # wfi sleeps until the timer (interrupts globally off)
  li TESTNUM, 5
  csrci mstatus, 8
  ld a0, 0(s1)
  li t0, 100000
  add a0, a0, t0
  sd a0, 0(s0)
  wfi
  ld a1, 0(s1)
  bltu a1, a0, fail
  csrr a2, mip
  andi a2, a2, 0x80
  beqz a2, fail
  li t0, -1
  sd t0, 0(s0)

test_6:                        # wfi with nothing enabled is a no-op
  li TESTNUM, 6
  csrw mie, x0
  wfi

test_7:                        # software interrupt through msip
  li TESTNUM, 7
  li s8, -1
  la s11, 2f
  li t0, 8
  csrs mie, t0
  li t1, CLINT_MSIP
  li t2, 1
  csrsi mstatus, 8
  sw t2, 0(t1)
1:
  j 1b
2:
  li t0, 0x8000000000000003
  bne s8, t0, fail
  li t1, CLINT_MSIP
  lw t2, 0(t1)
  li t0, 1
  bne t2, t0, fail
  sw x0, 0(t1)
  csrr a2, mip
  bnez a2, fail

test_8:                        # mtvec vectored mode: interrupts go to base + 4 * cause
  li TESTNUM, 8
  csrci mstatus, 8
  la t0, vector_table
  ori t0, t0, 1
  csrw mtvec, t0
  li s8, -1
  la s11, 2f
  li t1, CLINT_MSIP
  li t2, 1
  sw t2, 0(t1)
  csrsi mstatus, 8
1:
  j 1b
2:
  li t0, 3
  bne s5, t0, fail             # arrived through slot 3
  li t1, CLINT_MSIP
  sw x0, 0(t1)
  la t0, trap_vector
  csrw mtvec, t0
  csrw mie, x0

  TEST_PASSFAIL

  .align 6
vector_table:
  j vector_0
  j vector_1
  j vector_2
  j vector_3
  j vector_4
  j vector_5
  j vector_6
  j vector_7
vector_0:
  li s5, 0
  j mtvec_handler
vector_1:
  li s5, 1
  j mtvec_handler
vector_2:
  li s5, 2
  j mtvec_handler
vector_3:
  li s5, 3
  j mtvec_handler
vector_4:
  li s5, 4
  j mtvec_handler
vector_5:
  li s5, 5
  j mtvec_handler
vector_6:
  li s5, 6
  j mtvec_handler
vector_7:
  li s5, 7
  j mtvec_handler

  TRAP_RECORDER

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
RVTEST_DATA_END
