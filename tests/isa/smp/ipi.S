/* Two harts: hart 0 sends hart 1 a software interrupt through msip[1]; hart
   1, asleep in wfi, takes it, clears its msip and acknowledges; hart 0 then
   writes the msip of hart 2, which does not exist, and must take a store
   access fault at that address. Run with cpus=2. Exit 0 = pass; 2..7 name
   the failed check. */
#include "smp.h"
        .section .text.init
        .globl _start
_start:
        csrr a0, mhartid
        la t0, on_interrupt
        csrw mtvec, t0
        bnez a0, secondary
        /* hart 0: wait until hart 1 sleeps with its interrupt enabled */
1:      la t1, ready
        lw t2, 0(t1)
        beqz t2, 1b
        csrr s0, mcycle
        la t1, sent_at
        sd s0, 0(t1)
        li t1, CLINT_MSIP(1)
        li t2, 1
        sw t2, 0(t1)
2:      la t1, acked
        lw t2, 0(t1)
        beqz t2, 2b
        li a1, 2
        li t1, CLINT_MSIP(1)
        lw t2, 0(t1)
        bnez t2, fail                 /* hart 1 cleared its msip */
        /* the IPI was seen no earlier than smp.ipi_latency (1000) after the write */
        li a1, 3
        la t1, taken_at
        ld t2, 0(t1)
        sub t2, t2, s0
        li t3, 1000
        bltu t2, t3, fail
        /* msip of a hart that does not exist: a store access fault */
        la t0, expect_fault
        csrw mtvec, t0
        li t1, CLINT_MSIP(2)
        li t2, 1
        sw t2, 0(t1)
        li a1, 4
        j fail
expect_fault:
        li a1, 5
        csrr t0, mcause
        li t1, 7
        bne t0, t1, fail
        li a1, 6
        csrr t0, mtval
        li t1, CLINT_MSIP(2)
        bne t0, t1, fail
        li a0, 0
        EXIT_WITH(a0)

secondary:
        li t0, MIP_MSIP
        csrw mie, t0
        csrsi mstatus, MSTATUS_MIE
        la t1, ready
        li t2, 1
        sw t2, 0(t1)
3:      wfi
        j 3b

on_interrupt:
        li a1, 7
        csrr t0, mcause
        li t1, CAUSE_MSI
        bne t0, t1, fail
        csrr t0, mcycle
        la t1, taken_at
        sd t0, 0(t1)
        csrr t0, mhartid
        slli t0, t0, 2
        li t1, CLINT_MSIP(0)
        add t1, t1, t0
        sw zero, 0(t1)
        la t1, acked
        li t2, 1
        sw t2, 0(t1)
4:      wfi                           /* MIE is off now: nothing wakes this hart again */
        j 4b

fail:
        EXIT_WITH(a1)

        TOHOST_SECTION

        .data
ready:  .word 0
acked:  .word 0
        .align 3
sent_at: .dword 0
taken_at: .dword 0
