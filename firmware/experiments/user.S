# User-mode programs. They run at CPL3 from the user-accessible text pages,
# use no stack and talk to the kernel with ecall (a7 = system call number).
    .section .user_text, "ax"

# a0 = base, a1 = pages, a2 = stride: touch every page once, yield, repeat.
    .globl user_touch_yield
user_touch_yield:
1:  mv t0, a0
    mv t1, a1
2:  ld t2, 64(t0)
    add t0, t0, a2
    addi t1, t1, -1
    bnez t1, 2b
    li a7, 0             # SYS_YIELD
    ecall
    j 1b

# a0 = base, a1 = pages: store to each page twice over; the first pass takes
# a demand-paging fault per page. Reports both pass times, then exits.
    .globl user_fault_probe
user_fault_probe:
    li t6, 4096
    rdcycle t3
    mv t0, a0
    mv t1, a1
2:  sd zero, 0(t0)
    add t0, t0, t6
    addi t1, t1, -1
    bnez t1, 2b
    rdcycle t4
    mv t0, a0
    mv t1, a1
3:  sd zero, 0(t0)
    add t0, t0, t6
    addi t1, t1, -1
    bnez t1, 3b
    rdcycle t5
    sub a0, t4, t3
    li a7, 2             # SYS_REPORT
    ecall
    sub a0, t5, t4
    li a7, 2
    ecall
    li a0, 0
    li a7, 1             # SYS_EXIT
    ecall
4:  j 4b
