/* The A extension on one hart: every AMO's result and returned old value
   (W forms sign-extend and compare as 32-bit numbers), LR/SC success and
   failure, misaligned AMO/SC (cause 6) and LR (cause 4), and misa.A.
   Exit 0 = pass, else the number of the failed check. */
#include "smp.h"

/* check N: reg must equal the 64-bit constant */
#define EXPECT(n, reg, value) li a1, n; li t6, value; bne reg, t6, fail

/* AMO of the doubleword/word at `cell` (reset to `init`) with operand `op`:
   expect the old value in t1 and the new memory value */
#define AMO_D(n, insn, init, op, new) \
        la s1, cell; li t0, init; sd t0, 0(s1); li t2, op; insn t1, t2, (s1); \
        EXPECT(n, t1, init); ld t3, 0(s1); EXPECT(n, t3, new)
#define AMO_W(n, insn, init, op, new) \
        la s1, cell; li t0, 0x5555555555555555; sd t0, 0(s1); li t0, init; sw t0, 0(s1); li t2, op; \
        insn t1, t2, (s1); EXPECT(n, t1, init); lw t3, 0(s1); EXPECT(n, t3, new); \
        lw t3, 4(s1); EXPECT(n, t3, 0x55555555)

        .section .text.init
        .globl _start
_start:
        la t0, trap
        csrw mtvec, t0
        csrr t0, misa
        srli t0, t0, 0                 /* bit 0 = A */
        andi t0, t0, 1
        EXPECT(2, t0, 1)
        AMO_D(3, amoswap.d, 0x1122334455667788, -2, -2)
        AMO_D(4, amoadd.d, 0x7fffffffffffffff, 1, 0x8000000000000000)
        AMO_D(5, amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0)
        AMO_D(6, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0x0f000f000f000f00)
        AMO_D(7, amoor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0)
        AMO_D(8, amomin.d, -5, 3, -5)
        AMO_D(9, amomax.d, -5, 3, 3)
        AMO_D(10, amominu.d, -5, 3, 3)
        AMO_D(11, amomaxu.d, -5, 3, -5)
        AMO_W(12, amoswap.w, 0x7fffffff, 0x80000000, 0xffffffff80000000)
        AMO_W(13, amoadd.w, 0x7fffffff, 1, 0xffffffff80000000)
        AMO_W(14, amoxor.w, 0x0f0f0f0f, 0xffffffff, 0xfffffffff0f0f0f0)
        AMO_W(15, amoand.w, 0x0f0f0f0f, 0x3c3c3c3c, 0x0c0c0c0c)
        AMO_W(16, amoor.w, 0x0f0f0f0f, 0x30303030, 0x3f3f3f3f)
        AMO_W(17, amomin.w, 0xffffffff80000000, 1, 0xffffffff80000000)
        AMO_W(18, amomax.w, 0xffffffff80000000, 1, 1)
        AMO_W(19, amominu.w, 0xffffffff80000000, 1, 1)
        AMO_W(20, amomaxu.w, 0xffffffff80000000, 1, 0xffffffff80000000)
        /* amoadd.w wraps at 32 bits and leaves the upper word alone */
        AMO_W(21, amoadd.w, 0xffffffffffffffff, 1, 0)
        /* rd = x0 discards the old value; rs2 = rd is read before the write */
        la s1, cell; li t0, 40; sd t0, 0(s1); li t1, 2
        amoadd.d t1, t1, (s1)
        EXPECT(22, t1, 40)
        ld t3, 0(s1); EXPECT(23, t3, 42)
        /* LR/SC: success writes and returns 0; a second SC (no reservation) fails */
        la s1, cell; li t0, 7; sd t0, 0(s1)
        lr.d t1, (s1)
        EXPECT(24, t1, 7)
        li t2, 8
        sc.d t3, t2, (s1)
        EXPECT(25, t3, 0)
        li t2, 9
        sc.d t3, t2, (s1)
        EXPECT(26, t3, 1)
        ld t3, 0(s1); EXPECT(27, t3, 8)
        /* an SC to another granule than the LR's fails */
        lr.w t1, (s1)
        addi t4, s1, 64
        sc.w t3, t2, (t4)
        bnez t3, 1f
        li a1, 28; j fail
1:      /* lr.w sign-extends */
        li t0, 0x80000000; sw t0, 0(s1)
        lr.w t1, (s1)
        EXPECT(29, t1, 0xffffffff80000000)
        /* misaligned: AMO and SC cause 6, LR cause 4; mtval = the address */
        li s5, 6
        addi s6, s1, 4
        la s7, 2f
        amoadd.d t1, t2, (s6)
        li a1, 30; j fail
2:      li s5, 6
        addi s6, s1, 2
        la s7, 3f
        sc.w t1, t2, (s6)
        li a1, 31; j fail
3:      li s5, 4
        addi s6, s1, 1
        la s7, 4f
        lr.w t1, (s6)
        li a1, 32; j fail
4:      /* AMO outside memory: store access fault (7) */
        li s5, 7
        li s6, 0x100
        la s7, 5f
        amoor.w t1, t2, (s6)
        li a1, 33; j fail
5:      li a0, 0
        EXIT_WITH(a0)

/* An expected trap: mcause = s5, mtval = s6, then continue at s7. */
trap:   li a1, 40
        csrr t0, mcause
        bne t0, s5, fail
        li a1, 41
        csrr t0, mtval
        bne t0, s6, fail
        csrw mepc, s7
        mret
fail:   EXIT_WITH(a1)

        TOHOST_SECTION

        .data
        .align 6
cell:   .dword 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
