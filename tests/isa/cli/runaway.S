# Not an ISA test: a guest that never exits, for the limit checks of `tlmmu run`.
  .section .text.init
  .globl _start
_start:
  j _start
  .section .tohost, "aw", @progbits
  .globl tohost
tohost: .dword 0
