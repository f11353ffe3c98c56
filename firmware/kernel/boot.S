# Reset entry: stack, trap vector, zeroed .bss, then kernel_main.
    .section .text.boot, "ax"
    .globl _start
_start:
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

# riscv-tests exit device: the platform watches these symbols.
    .section .tohost, "aw", @progbits
    .balign 64
    .globl tohost
tohost: .dword 0
    .balign 64
    .globl fromhost
fromhost: .dword 0
