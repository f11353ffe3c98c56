# x86-64 paging through the control CSRs (docs/isa.md): enabling 4-level
# paging, translation, page faults with mcause/mtval/pferr, #GP for a refused
# CR4 write, a non-canonical address and a bad INVPCID type, stale TLB
# entries until INVLPG, the MMU event counters, user-mode fetch from a
# supervisor page, access faults outside memory.
#include "riscv_test.h"
#include "test_macros.h"
#include "trap_macros.h"

#define CR0 0x7c0
#define CR3 0x7c1
#define CR4 0x7c2
#define EFER 0x7c3
#define PFERR 0xfc0
#define INVLPG(rs1) .insn r 0x0B, 0, 0, x0, rs1, x0
#define INVPCID(rs1, rs2) .insn r 0x0B, 0, 1, x0, rs1, rs2

RVTEST_RV64M
RVTEST_CODE_BEGIN

  # Paging off: outside memory is an access fault with the address in mtval.
  TEST_TRAP(2, 5, 0x0, li t1, 0; ld t2, 0(t1))
  TEST_TRAP(3, 7, 0x08, li t1, 8; sd t2, 0(t1))
  TEST_TRAP(4, 1, 0x20000000, li t1, 0x20000000; jr t1)

  # Page tables: 2 MiB identity pages over the first GiB of RAM (0x80000000),
  # and at 0x40000000 a page table: [0] -> page_a (RW), [1] not present,
  # [2] -> page_b (read-only).
  la t0, pd_ram
  li t1, 0x80000083            # 0x80000000 | PS | RW | P
  li t2, 512
  li t3, 0x200000
1:
  sd t1, 0(t0)
  add t1, t1, t3
  addi t0, t0, 8
  addi t2, t2, -1
  bnez t2, 1b
  la t0, pml4
  la t1, pdpt
  ori t1, t1, 3
  sd t1, 0(t0)
  la t0, pdpt
  la t1, pd_ram
  ori t1, t1, 3
  sd t1, 16(t0)                # pdpt[2]: 0x80000000
  la t1, pd_test
  ori t1, t1, 3
  sd t1, 8(t0)                 # pdpt[1]: 0x40000000
  la t0, pd_test
  la t1, pt_test
  ori t1, t1, 3
  sd t1, 0(t0)
  la t0, pt_test
  la t1, page_a
  ori t1, t1, 3
  sd t1, 0(t0)
  la t1, page_b
  ori t1, t1, 1
  sd t1, 16(t0)

test_5:                        # enable long-mode paging
  li TESTNUM, 5
  li t0, 0x900                 # LME | NXE
  csrw EFER, t0
  li t0, 0x20                  # PAE
  csrw CR4, t0
  la t0, pml4
  csrw CR3, t0
  li t0, 0x80010001            # PG | WP | PE
  csrw CR0, t0
  csrr a0, CR0
  bne a0, t0, fail
  csrr a0, EFER
  li t1, 0xd00                 # LMA set by the MMU
  bne a0, t1, fail
  csrr a0, CR3
  la t1, pml4
  bne a0, t1, fail

  TEST_CASE(6, a0, 0x1111, li t1, 0x40000000; ld a0, 0(t1))
  TEST_CASE(7, a0, 0x2222, li t1, 0x40002000; ld a0, 0(t1))
  # The walks were counted (hpmcounter9), and the walk reads (10).
  TEST_CASE(8, a0, 1, csrr a0, hpmcounter9; sltu a0, x0, a0)
  TEST_CASE(9, a0, 1, csrr a0, hpmcounter10; sltu a0, x0, a0)

  # Page faults: mtval = linear address, pferr = x86 error code.
  TEST_PAGE_FAULT(10, 13, 0x40001000, 0x0, li t1, 0x40001000; ld a0, 0(t1))
  TEST_PAGE_FAULT(11, 15, 0x40002000, 0x3, li t1, 0x40002000; sd a0, 0(t1))   # P | W (CR0.WP)
  TEST_PAGE_FAULT(12, 15, 0x40001008, 0x2, li t1, 0x40001008; sd a0, 0(t1))   # W
  TEST_PAGE_FAULT(13, 12, 0x40001000, 0x10, li t1, 0x40001000; jr t1)         # I/D
  TEST_CASE(14, a0, 0x40001000, mv a0, s7)                                    # mepc = the target
  # A store that crosses into the absent page faults at the first byte of that page
  # and writes nothing.
  TEST_PAGE_FAULT(15, 15, 0x40001000, 0x2, li t1, 0x40000ffc; li t2, -1; sd t2, 0(t1))
  TEST_CASE(16, a0, 0, li t1, 0x40000ff8; ld a0, 0(t1))
  TEST_CASE(17, a0, 5, csrr a0, hpmcounter12)                                 # 5 page faults
  TEST_CASE(18, a0, 5, csrr a0, mhpmcounter12)

  # #GP: non-canonical address, refused CR4 write (clearing PAE in long mode).
  TEST_TRAP(19, 24, 0x0000800000000000, li t1, 0x0000800000000000; ld a0, 0(t1))
  TEST_TRAP(20, 24, 0, csrw CR4, x0)
  TEST_CASE(21, a0, 0x20, csrr a0, CR4)

test_22:                       # a changed PTE is not seen until INVLPG
  li TESTNUM, 22
  li t1, 0x40000000
  ld a0, 0(t1)                 # cached in the TLB
  la t0, pt_test
  la t2, page_b
  ori t2, t2, 3
  sd t2, 0(t0)
  ld a0, 0(t1)
  li t3, 0x1111
  bne a0, t3, fail
  INVLPG(t1)
  ld a0, 0(t1)
  li t3, 0x2222
  bne a0, t3, fail

test_23:                       # INVPCID type 2 (all contexts) and a bad type (#GP)
  li TESTNUM, 23
  la t2, descriptor
  li t1, 2
  INVPCID(t1, t2)
  csrr a0, mhpmcounter13       # flushes: CR4, CR3, CR0, CR4 (refused), INVLPG, INVPCID
  sltiu a0, a0, 5
  bnez a0, fail
  TEST_TRAP(24, 24, 0, la t2, descriptor; li t1, 4; INVPCID(t1, t2))
  TEST_CASE(25, a0, 1, csrr a0, hpmcounter15; sltu a0, x0, a0)                # translation cycles
  TEST_CASE(26, a0, 1, csrr a0, hpmcounter14; sltu a0, x0, a0)                # entries dropped

test_27:                       # user mode cannot fetch from a supervisor page: P | U | I/D
  li TESTNUM, 27
  li s8, -1
  la s11, 9f
  li t0, MSTATUS_MPP
  csrc mstatus, t0
  la t0, 8f
  csrw mepc, t0
  mret
8:
  j fail
9:
  li t0, 12
  bne s8, t0, fail
  la t0, 8b
  bne s9, t0, fail
  li t0, 0x15
  bne s10, t0, fail

  TEST_PASSFAIL

  TRAP_RECORDER

RVTEST_CODE_END
  .data
RVTEST_DATA_BEGIN
  .align 12
pml4: .fill 512, 8, 0
pdpt: .fill 512, 8, 0
pd_ram: .fill 512, 8, 0
pd_test: .fill 512, 8, 0
pt_test: .fill 512, 8, 0
page_a: .dword 0x1111
  .align 12
page_b: .dword 0x2222
  .align 12
descriptor: .dword 0, 0
RVTEST_DATA_END
