# Not an ISA test: tohost at the first byte of RAM and the code in the same
# 64 KiB block (tohost_at_ram_base.ld), so the device at tohost overlays the
# RAM block the code is fetched from. Both backends must run it to its exit.
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  li t0, 1
  la t1, tohost
  sd t0, 0(t1)
1: j 1b
  .section .tohost, "aw", @progbits
  .globl tohost
tohost: .dword 0
