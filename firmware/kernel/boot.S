# Reset entry: stack, trap vector, zeroed .bss, then kernel_main.
    .section .text.boot, "ax"
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, secondary_start
    la sp, boot_stack_top
    csrw mscratch, zero          # 0 = "trapped from the kernel" (trap.S)
    la t0, trap_entry
    csrw mtvec, t0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call kernel_main
    call kernel_exit             # a0 = kernel_main's result
3:  j 3b

# Secondary harts: sleep until hart 0 sets smp_release (in .data, untouched by
# the .bss clearing) and sends a software interrupt, then enter the kernel on
# this hart's stack (smp.c). Interrupts stay off: wfi wakes on the pending
# msip without taking it.
secondary_start:
    li t1, 8                     # mie.MSIE
    csrw mie, t1
4:  la t1, smp_release
    ld t1, 0(t1)
    bnez t1, 5f
    wfi
    j 4b
5:  li t1, 0x02000000            # clear this hart's msip (CLINT, paging still off)
    slli t2, t0, 2
    add t1, t1, t2
    sw zero, 0(t1)
    la sp, smp_stacks
    li t1, 16384                 # SMP_STACK_BYTES
    addi t2, t0, 1
    mul t1, t1, t2
    add sp, sp, t1               # top of stack t0
    csrw mscratch, zero
    la t1, trap_entry
    csrw mtvec, t1
    mv a0, t0
    call smp_secondary_main
6:  j 6b

    .section .bss.stack, "aw", @nobits
    .balign 16
    .globl boot_stack_top
boot_stack:
    .skip 65536
boot_stack_top:
    .globl trap_stack_top
trap_stack:
    .skip 16384
trap_stack_top:
    .globl smp_stacks
    .balign 16
smp_stacks:                      # SMP_STACK_BYTES per hart (hart 0 uses boot_stack)
    .skip 16384 * 16

# riscv-tests exit device: the platform watches these symbols.
    .section .tohost, "aw", @progbits
    .balign 64
    .globl tohost
tohost: .dword 0
    .balign 64
    .globl fromhost
fromhost: .dword 0
