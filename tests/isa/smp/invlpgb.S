/* INVLPGB/TLBSYNC between two harts sharing page tables. Hart 1 caches the
   translation of VA 0x40000000 (page_a); hart 0 points the PTE at page_b and
   broadcasts an INVLPGB for it. Hart 1 keeps reading page_a through its
   stale TLB entry until the broadcast reaches it (smp.invlpgb_latency = 800
   cycles after the issue), then reads page_b; hart 0's TLBSYNC waits for
   the broadcast. Then hart 0 unmaps the page with INVLPGB + TLBSYNC and hart
   1's next read is a page fault. In U mode INVLPGB is an illegal instruction.
   Run with cpus=2. Exit 0 = pass, else the failed check's number. */
#include "smp.h"
#define VA 0x40000000
#define INVLPGB_VA 1

        .section .text.init
        .globl _start
_start:
        la t0, trap
        csrw mtvec, t0
        csrr a0, mhartid
        bnez a0, hart1
        /* Page tables: 2 MiB identity pages over the GiB of RAM, VA -> page_a. */
        la t0, pd_ram
        li t1, 0x80000087             /* PS | US | RW | P: user code runs there too */
        li t2, 512
        li t3, 0x200000
1:      sd t1, 0(t0)
        add t1, t1, t3
        addi t0, t0, 8
        addi t2, t2, -1
        bnez t2, 1b
        la t0, pml4
        la t1, pdpt
        ori t1, t1, 7
        sd t1, 0(t0)
        la t0, pdpt
        la t1, pd_ram
        ori t1, t1, 7
        sd t1, 16(t0)
        la t1, pd_test
        ori t1, t1, 3
        sd t1, 8(t0)
        la t0, pd_test
        la t1, pt_test
        ori t1, t1, 3
        sd t1, 0(t0)
        la t0, pt_test
        la t1, page_a
        ori t1, t1, 3
        sd t1, 0(t0)
        la t0, tables_ready
        li t1, 1
        sw t1, 0(t0)
        call enable_paging
        /* wait until hart 1 has the translation cached */
2:      la t0, h1_cached
        lw t1, 0(t0)
        beqz t1, 2b
        /* remap VA to page_b (hart 1's TLB still says page_a) and broadcast */
        la t0, pt_test
        la t1, page_b
        ori t1, t1, 3
        sd t1, 0(t0)
        csrr s0, mcycle
        la t0, issued_at
        sd s0, 0(t0)
        la t0, remapped
        li t1, 1
        sw t1, 0(t0)
        li t2, VA | INVLPGB_VA
        INVLPGB(t2, x0)
        csrr s1, mcycle
        TLBSYNC
        csrr s2, mcycle
        /* TLBSYNC ended no earlier than the broadcast's completion */
        li a1, 2
        sub t0, s2, s0
        li t1, 800
        bltu t0, t1, fail
        /* hart 1 saw page_a at least once after the remap, and page_b only 800 cycles after the issue */
3:      la t0, h1_done
        lw t1, 0(t0)
        beqz t1, 3b
        li a1, 3
        la t0, stale_reads
        ld t1, 0(t0)
        beqz t1, fail
        li a1, 4
        la t0, first_b_at
        ld t1, 0(t0)
        sub t1, t1, s0
        li t2, 800
        bltu t1, t2, fail
        /* unmap: the next read at hart 1 faults */
        la t0, pt_test
        sd zero, 0(t0)
        li t2, VA | INVLPGB_VA
        INVLPGB(t2, x0)
        TLBSYNC
        la t0, unmapped
        li t1, 1
        sw t1, 0(t0)
4:      la t0, h1_fault
        ld t1, 0(t0)
        beqz t1, 4b
        li a1, 5
        li t2, 13                     /* load page fault */
        bne t1, t2, fail
        li a1, 6
        la t0, h1_fault_va
        ld t1, 0(t0)
        li t2, VA
        bne t1, t2, fail
        /* U mode: INVLPGB is an illegal instruction */
        la t0, user_trap
        csrw mtvec, t0
        la t0, user_code
        csrw mepc, t0
        li t0, 0x1800
        csrc mstatus, t0              /* MPP = U */
        mret
user_code:
        INVLPGB(x0, x0)
        li a1, 7
        j fail
user_trap:
        li a1, 8
        csrr t0, mcause
        li t1, 2
        bne t0, t1, fail
        li a0, 0
        EXIT_WITH(a0)

hart1:
1:      la t0, tables_ready
        lw t1, 0(t0)
        beqz t1, 1b
        call enable_paging
        li s3, VA
        ld t1, 0(s3)
        li a1, 10
        li t2, 0xaaaa
        bne t1, t2, fail
        la t0, h1_cached
        li t1, 1
        sw t1, 0(t0)
2:      la t0, remapped
        lw t1, 0(t0)
        beqz t1, 2b
        /* read through the stale entry until the broadcast arrives */
        li s4, 0
        li t2, 0xaaaa
3:      ld t1, 0(s3)
        bne t1, t2, 4f
        addi s4, s4, 1
        j 3b
4:      csrr t3, mcycle
        li a1, 11
        li t2, 0xbbbb
        bne t1, t2, fail
        la t0, first_b_at
        sd t3, 0(t0)
        la t0, stale_reads
        sd s4, 0(t0)
        la t0, h1_done
        li t1, 1
        sw t1, 0(t0)
5:      la t0, unmapped
        lw t1, 0(t0)
        beqz t1, 5b
        ld t1, 0(s3)                  /* faults: trap records it */
        li a1, 12
        j fail

/* Hart 1's page fault: record mcause and mtval, then park. */
trap:   csrr t0, mhartid
        li a1, 20
        beqz t0, fail
        csrr t1, mtval
        la t0, h1_fault_va
        sd t1, 0(t0)
        csrr t1, mcause
        la t0, h1_fault
        sd t1, 0(t0)
6:      j 6b

enable_paging:
        li t0, 0x900                  /* EFER: LME | NXE */
        csrw CSR_EFER, t0
        li t0, 0x20                   /* CR4: PAE */
        csrw CSR_CR4, t0
        la t0, pml4
        csrw CSR_CR3, t0
        li t0, 0x80010001             /* CR0: PG | WP | PE */
        csrw CSR_CR0, t0
        ret

fail:   EXIT_WITH(a1)

        TOHOST_SECTION

        .data
        .align 12
pml4:   .zero 4096
pdpt:   .zero 4096
pd_ram: .zero 4096
pd_test: .zero 4096
pt_test: .zero 4096
page_a: .dword 0xaaaa
        .align 12
page_b: .dword 0xbbbb
        .align 12
tables_ready: .word 0
h1_cached: .word 0
remapped: .word 0
h1_done: .word 0
unmapped: .word 0
        .align 3
issued_at: .dword 0
first_b_at: .dword 0
stale_reads: .dword 0
h1_fault: .dword 0
h1_fault_va: .dword 0
