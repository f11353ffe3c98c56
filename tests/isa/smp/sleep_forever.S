/* Every hart sleeps in wfi with only the software interrupt enabled and
   nobody sends one (run with cpus=2): the run stops at once, saying that no
   hart can run. */
#include "smp.h"
        .section .text.init
        .globl _start
_start:
        li t0, MIP_MSIP
        csrw mie, t0
        csrsi mstatus, MSTATUS_MIE
1:      wfi
        j 1b

        TOHOST_SECTION
