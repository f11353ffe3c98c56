/* Shared start-up of the multi-hart guests (tests/isa/smp): every hart starts
   at _start; PASS / FAIL(code) write tohost. Assembled with rv64ima_zicsr. */
#define CLINT_MSIP(h) (0x02000000 + 4 * (h))
#define CLINT_MTIMECMP(h) (0x02004000 + 8 * (h))
#define MIP_MSIP 8
#define MSTATUS_MIE 8
#define CAUSE_MSI 0x8000000000000003

#define INVLPGB(rax, ecx_edx) .insn r 0x0B, 0, 2, x0, rax, ecx_edx
#define TLBSYNC .insn r 0x0B, 0, 3, x0, x0, x0
#define INVLPG(va) .insn r 0x0B, 0, 0, x0, va, x0

#define CSR_CR0 0x7C0
#define CSR_CR3 0x7C1
#define CSR_CR4 0x7C2
#define CSR_EFER 0x7C3

/* Exit: tohost = (code << 1) | 1, then stay. */
#define EXIT_WITH(reg)              \
        slli reg, reg, 1;           \
        ori reg, reg, 1;            \
        la t6, tohost;              \
        sd reg, 0(t6);              \
99:     j 99b

#define TOHOST_SECTION                         \
        .section .tohost, "aw", @progbits;     \
        .align 6;                              \
        .globl tohost;                         \
tohost: .dword 0;                              \
        .align 6;                              \
        .globl fromhost;                       \
fromhost: .dword 0
