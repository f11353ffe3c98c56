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

# a0 = base, a1 = pages, a2 = pages the child writes: store to every page,
# fork; the parent reports the fork's round trip and exits, the child stores
# to its first a2 pages twice (the first pass takes the copy-on-write faults)
# and reports both pass times, then exits. No stack: forked pages stay exact.
    .globl user_fork_bench
user_fork_bench:
    li t6, 4096
    mv t0, a0
    mv t1, a1
1:  sd zero, 0(t0)
    add t0, t0, t6
    addi t1, t1, -1
    bnez t1, 1b
    mv s0, a0
    mv s1, a2
    rdcycle t3
    li a7, 6             # SYS_FORK
    ecall
    rdcycle t4
    beqz a0, 3f
    sub a0, t4, t3       # parent
    li a7, 2
    ecall
    li a0, 0
    li a7, 1
    ecall
2:  j 2b
3:  rdcycle t3           # child
    mv t0, s0
    mv t1, s1
    beqz t1, 5f
4:  sd t1, 8(t0)
    add t0, t0, t6
    addi t1, t1, -1
    bnez t1, 4b
5:  rdcycle t4
    mv t0, s0
    mv t1, s1
    beqz t1, 7f
6:  sd t1, 16(t0)
    add t0, t0, t6
    addi t1, t1, -1
    bnez t1, 6b
7:  rdcycle t5
    sub a0, t4, t3
    li a7, 2
    ecall
    sub a0, t5, t4
    li a7, 2
    ecall
    li a0, 0
    li a7, 1
    ecall
8:  j 8b

# a0 = base, a1 = pages, a2 = 1 to write-protect the shared segment: store
# to every page, yield; (protect;) store pages-left + a2 to every page again,
# timed, report it, yield, exit.
    .globl user_shm_bench
user_shm_bench:
    li t6, 4096
    mv t0, a0
    mv t1, a1
1:  sd t1, 0(t0)
    add t0, t0, t6
    addi t1, t1, -1
    bnez t1, 1b
    mv s0, a0
    mv s1, a1
    mv s2, a2
    li a7, 0             # SYS_YIELD
    ecall
    beqz s2, 2f
    li a7, 7             # SYS_SHM_PROTECT
    ecall
2:  rdcycle t3
    mv t0, s0
    mv t1, s1
3:  add t2, t1, s2       # the protecting process stores one more than the other
    sd t2, 8(t0)
    add t0, t0, t6
    addi t1, t1, -1
    bnez t1, 3b
    rdcycle t4
    sub a0, t4, t3
    li a7, 2
    ecall
    li a7, 0
    ecall
    li a0, 0
    li a7, 1
    ecall
4:  j 4b

# a0 = base, a1 = the reference string (uint16 page numbers), a2 = its
# length: store the position to page base + 4096 * seq[i] for every i (s1 is
# the position: the kernel's reclaim reads it at a fault), report the loop's
# cycles, exit.
    .globl user_ref_run
user_ref_run:
    mv s0, a0
    mv s2, a1
    mv s3, a2
    li s1, 0
    rdcycle s4
1:  bgeu s1, s3, 2f
    slli t0, s1, 1
    add t0, s2, t0
    lhu t1, 0(t0)
    slli t1, t1, 12
    add t1, s0, t1
    sd s1, 0(t1)
    addi s1, s1, 1
    j 1b
2:  rdcycle t0
    sub a0, t0, s4
    li a7, 2             # SYS_REPORT
    ecall
    li a0, 0
    li a7, 1             # SYS_EXIT
    ecall
3:  j 3b
