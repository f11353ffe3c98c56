# Start-up of the CPU benchmark guest: a stack, then main(); main's return
# value is written to tohost as the exit code ((code << 1) | 1).
  .section .text.init
  .globl _start
_start:
  la sp, stack_top
  la t0, trap
  csrw mtvec, t0
  call main
  slli a0, a0, 1
  ori a0, a0, 1
  la t0, tohost
1:
  sd a0, 0(t0)
  j 1b

  .align 2
trap:                          # any trap ends the run with code 99
  li a0, (99 << 1) | 1
  la t0, tohost
  sd a0, 0(t0)
  j trap

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .bss
  .align 4
  .space 16384
stack_top:
