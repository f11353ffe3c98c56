# Not an ISA test: a load fault before mtvec is set. The trap goes to
# mtvec = 0, outside memory, where the fetch faults again, and so on: no
# instruction ever retires. `tlmmu run` must stop with the trap named.
  .section .text.init
  .globl _start
_start:
  ld t0, 0(zero)
  j _start
  .section .tohost, "aw", @progbits
  .globl tohost
tohost: .dword 0
