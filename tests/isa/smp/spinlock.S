/* Four harts increment a shared counter 500 times each under an LR/SC
   spinlock (a plain load/add/store inside the lock), and a second counter
   with amoadd.d without a lock; hart 0 waits for everyone and checks that
   both reached exactly 4 x 500. Run with cpus=4. Exit 0 = pass; 2, 3 name
   the counter that was wrong. */
#include "smp.h"
#define HARTS 4
#define ROUNDS 500
        .section .text.init
        .globl _start
_start:
        la t0, trap
        csrw mtvec, t0
        li s0, ROUNDS
        la s1, lock
        la s2, counter
        la s3, amo_counter
        li s4, 1
loop:
acquire:
        lr.w t0, (s1)
        bnez t0, acquire
        sc.w.aq t1, s4, (s1)
        bnez t1, acquire
        ld t2, 0(s2)                  /* the critical section: not atomic by itself */
        addi t2, t2, 1
        sd t2, 0(s2)
        amoswap.w.rl zero, zero, (s1) /* release */
        amoadd.d zero, s4, (s3)
        addi s0, s0, -1
        bnez s0, loop
        la t0, done
        amoadd.w zero, s4, (t0)
        csrr a0, mhartid
        bnez a0, park
1:      lw t1, 0(t0)
        li t2, HARTS
        bne t1, t2, 1b
        li a1, 2
        ld t1, 0(s2)
        li t2, HARTS * ROUNDS
        bne t1, t2, fail
        li a1, 3
        ld t1, 0(s3)
        bne t1, t2, fail
        li a0, 0
        EXIT_WITH(a0)
park:   j park
trap:   li a1, 9
fail:   EXIT_WITH(a1)

        TOHOST_SECTION

        .data
        .align 6
lock:   .word 0
        .align 6
counter: .dword 0
        .align 6
amo_counter: .dword 0
        .align 6
done:   .word 0
