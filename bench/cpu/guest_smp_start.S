# Start-up of the N-hart CPU benchmark guest: every hart counts the harts
# (the CLINT's msip slots, until the one of a missing hart faults), takes a
# stack of its own and calls main(mhartid). A hart that returns adds itself
# to `finished`; the last one writes tohost (main's return value as the exit
# code), the others sleep in wfi with only the software interrupt enabled
# (nobody sends one), so they retire nothing more.
  .section .text.init
  .globl _start
_start:
  la t0, probe_end
  csrw mtvec, t0
  li t0, 0x02000000            # msip[0]
  li s1, 0
1:
  lw t1, 0(t0)                 # an access fault past the last hart
  addi s1, s1, 1
  addi t0, t0, 4
  j 1b
  .align 2
probe_end:                     # s1 = harts
  csrr a0, mhartid
  la sp, stacks_top
  slli t0, a0, 14              # 16 KiB per hart
  sub sp, sp, t0
  la t0, trap
  csrw mtvec, t0
  call main
  mv s0, a0
  la t0, finished
  li t1, 1
  amoadd.w t2, t1, (t0)
  addi t2, t2, 1
  bne t2, s1, sleep
  slli a0, s0, 1
  ori a0, a0, 1
  la t0, tohost
1:
  sd a0, 0(t0)
  j 1b
sleep:
  li t0, 8                     # mie.MSIE only
  csrw mie, t0
2:
  wfi
  j 2b

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

  .data
  .align 3
finished: .word 0

  .bss
  .align 4
  .space 16384 * 8
stacks_top:
