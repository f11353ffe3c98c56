# sweep(base, n, k, s1, s2, passes): the one loop every working-set point and
# its calibration run, so they differ only in the addresses they touch.
    .section .text
    .globl sweep
    .balign 64
sweep:
    beqz a5, 9f
    beqz a1, 9f
1:  mv t0, a0            # start of the current row
    mv t1, a0            # current address
    li t2, 0             # pages done in this row
    mv t3, a1            # pages left in this pass
2:  ld t4, 64(t1)
    add t1, t1, a3
    addi t2, t2, 1
    addi t3, t3, -1
    bne t2, a2, 3f
    add t0, t0, a4
    mv t1, t0
    li t2, 0
3:  bnez t3, 2b
    addi a5, a5, -1
    bnez a5, 1b
9:  ret

# sweep_fetch_only: the same loop without the load (a nop in its place), so
# its translation cycles are the instruction-fetch lookups alone.
    .globl sweep_fetch_only
    .balign 64
sweep_fetch_only:
    beqz a5, 9f
    beqz a1, 9f
1:  mv t0, a0
    mv t1, a0
    li t2, 0
    mv t3, a1
2:  addi x0, x0, 0
    add t1, t1, a3
    addi t2, t2, 1
    addi t3, t3, -1
    bne t2, a2, 3f
    add t0, t0, a4
    mv t1, t0
    li t2, 0
3:  bnez t3, 2b
    addi a5, a5, -1
    bnez a5, 1b
9:  ret
