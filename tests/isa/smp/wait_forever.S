/* A guest that waits forever (run with cpus=3): hart 0 sends hart 1 an IPI
   and spins for an acknowledgement that never comes, because hart 1 has its
   interrupts masked (mstatus.MIE = 0); hart 2 sleeps in wfi. The run must
   stop at the instruction limit naming hart 0 and 2 as waiting and hart 1 as
   silent. */
#include "smp.h"
        .section .text.init
        .globl _start
_start:
        csrr a0, mhartid
        li t0, MIP_MSIP
        csrw mie, t0                  /* MSIE, but mstatus.MIE stays 0 */
        bnez a0, park
        li t1, CLINT_MSIP(1)
        li t2, 1
        sw t2, 0(t1)
        la t1, ack
1:      lw t2, 0(t1)
        beqz t2, 1b
        li a0, 0
        EXIT_WITH(a0)
park:   wfi
        j park

        TOHOST_SECTION

        .data
ack:    .word 0
