// The riscv-tests "p" environment (physical addresses, one hart), written for
// the tlmmu platform from the conventions of the riscv-tests suite: tests
// written against riscv-tests' riscv_test.h assemble unchanged.
//
// Start-up: machine mode, a trap vector that skips CSRs the platform does not
// implement (satp, pmp, medeleg/mideleg), then mret into user mode (RV64U
// tests) or machine mode (RV64M tests) at the test body. RVTEST_PASS and
// RVTEST_FAIL end the test with an ecall; the trap handler writes
// TESTNUM to tohost: 1 = pass, (n << 1) | 1 = test case n failed.
#ifndef TLMMU_RISCV_TEST_H
#define TLMMU_RISCV_TEST_H

#define TESTNUM gp

#define MSTATUS_MPP 0x1800
#define CAUSE_USER_ECALL 8
#define CAUSE_SUPERVISOR_ECALL 9
#define CAUSE_MACHINE_ECALL 11

#define RVTEST_RV64U                                                    \
  .macro init;                                                          \
  .endm

#define RVTEST_RV64UF RVTEST_RV64U
#define RVTEST_RV32U RVTEST_RV64U

#define RVTEST_RV64M                                                    \
  .macro init;                                                          \
  li t0, MSTATUS_MPP;                                                   \
  csrs mstatus, t0;                                                     \
  .endm

#define RVTEST_RV64S RVTEST_RV64M

#define INIT_XREG                                                       \
  li x1, 0; li x2, 0; li x3, 0; li x4, 0; li x5, 0; li x6, 0; li x7, 0; \
  li x8, 0; li x9, 0; li x10, 0; li x11, 0; li x12, 0; li x13, 0;       \
  li x14, 0; li x15, 0; li x16, 0; li x17, 0; li x18, 0; li x19, 0;     \
  li x20, 0; li x21, 0; li x22, 0; li x23, 0; li x24, 0; li x25, 0;     \
  li x26, 0; li x27, 0; li x28, 0; li x29, 0; li x30, 0; li x31, 0;

#ifndef EXTRA_INIT
#define EXTRA_INIT
#endif

#define RVTEST_CODE_BEGIN                                               \
        .section .text.init;                                            \
        .align  6;                                                      \
        .weak stvec_handler;                                            \
        .weak mtvec_handler;                                            \
        .globl _start;                                                  \
_start:                                                                 \
        j reset_vector;                                                 \
        .align 2;                                                       \
trap_vector:                                                            \
        csrr t5, mcause;                                                \
        li t6, CAUSE_USER_ECALL;                                        \
        beq t5, t6, write_tohost;                                       \
        li t6, CAUSE_SUPERVISOR_ECALL;                                  \
        beq t5, t6, write_tohost;                                       \
        li t6, CAUSE_MACHINE_ECALL;                                     \
        beq t5, t6, write_tohost;                                       \
        la t5, mtvec_handler;                                           \
        beqz t5, 1f;                                                    \
        jr t5;                                                          \
1:      csrr t5, mcause;                                                \
        bgez t5, handle_exception;                                      \
        j other_exception;                                              \
handle_exception:                                                       \
other_exception:                                                        \
        ori TESTNUM, TESTNUM, 1337;                                     \
write_tohost:                                                           \
        sw TESTNUM, tohost, t5;                                         \
        sw zero, tohost + 4, t5;                                        \
        j write_tohost;                                                 \
reset_vector:                                                           \
        INIT_XREG;                                                      \
        csrr a0, mhartid;                                               \
1:      bnez a0, 1b;                                                    \
        la t0, 1f;                                                      \
        csrw mtvec, t0;                                                 \
        csrwi 0x180, 0;                                                 \
        .align 2;                                                       \
1:      la t0, 1f;                                                      \
        csrw mtvec, t0;                                                 \
        li t0, -1;                                                      \
        csrw 0x3b0, t0;                                                 \
        li t0, 0x1f;                                                    \
        csrw 0x3a0, t0;                                                 \
        .align 2;                                                       \
1:      csrwi mie, 0;                                                   \
        la t0, 1f;                                                      \
        csrw mtvec, t0;                                                 \
        csrwi 0x302, 0;                                                 \
        csrwi 0x303, 0;                                                 \
        .align 2;                                                       \
1:      li TESTNUM, 0;                                                  \
        la t0, trap_vector;                                             \
        csrw mtvec, t0;                                                 \
        csrwi mstatus, 0;                                               \
        init;                                                           \
        EXTRA_INIT;                                                     \
        la t0, 1f;                                                      \
        csrw mepc, t0;                                                  \
        csrr a0, mhartid;                                               \
        mret;                                                           \
        .text;                                                          \
1:

#define RVTEST_CODE_END                                                 \
        unimp

#define RVTEST_PASS                                                     \
        fence;                                                          \
        li TESTNUM, 1;                                                  \
        li a7, 93;                                                      \
        li a0, 0;                                                       \
        ecall

#define RVTEST_FAIL                                                     \
        fence;                                                          \
1:      beqz TESTNUM, 1b;                                               \
        sll TESTNUM, TESTNUM, 1;                                        \
        or TESTNUM, TESTNUM, 1;                                         \
        li a7, 93;                                                      \
        addi a0, TESTNUM, 0;                                            \
        ecall

#define RVTEST_DATA_BEGIN                                               \
        .pushsection .tohost, "aw", @progbits;                          \
        .align 6; .global tohost; tohost: .dword 0; .size tohost, 8;    \
        .align 6; .global fromhost; fromhost: .dword 0; .size fromhost, 8; \
        .popsection;                                                    \
        .align 4; .global begin_signature; begin_signature:

#define RVTEST_DATA_END .align 4; .global end_signature; end_signature:

#endif
