// The firmware kernel: what the kernel parts share. Machine mode acts as the
// x86 supervisor (CPL0), user mode as CPL3 (docs/firmware.md).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "buddy.h"
#include "console.h"
#include "csr.h"

#define RAM_BASE 0x80000000ull
#define CLINT_BASE 0x02000000ull
#define CLINT_MTIMECMP 0x02004000ull
#define CLINT_MTIME 0x0200BFF8ull

// The saved user (or interrupted kernel) state: x1..x31 in regs[1..31].
typedef struct trap_frame {
    uint64_t regs[32];
    uint64_t mepc;
    uint64_t mstatus;
} trap_frame_t;

#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A3 13
#define REG_A7 17

// System calls of the user programs (a7 = number, a0 = argument).
#define SYS_YIELD 0
#define SYS_EXIT 1
#define SYS_REPORT 2
#define SYS_BRK 3     // a0 = new break (0: query); returns the break
#define SYS_MMAP 4    // a0 = length; returns the address of fresh anonymous pages, 0 on failure
#define SYS_MUNMAP 5  // a0 = address, a1 = length; returns 0
#define SYS_FORK 6    // returns the child's pid in the parent, 0 in the child
#define SYS_SHM_PROTECT 7  // write-protects the shared segment in both processes (cow.h)

// Memory.
extern buddy_t g_pages;        // all free RAM after the kernel image
extern uint64_t g_ram_bytes;   // probed at boot
extern uint64_t g_kernel_root; // the kernel's page tables (PCID 0)
extern int g_kernel_global;    // kernel leaves carry the G bit
uint64_t page_alloc(unsigned order);  // from g_pages, 0 when exhausted
void page_free(uint64_t addr, unsigned order);
// A frame's references (cow.c): frame_put frees it with its last one.
void frame_get(uint64_t frame);
void frame_put(uint64_t frame);
void* kmemset(void* dst, int c, size_t n);
void* kmemcpy(void* dst, const void* src, size_t n);

// Boot and exit.
uint64_t probe_ram_bytes(void);
void paging_init(void);
uint64_t paging_build_kernel_tables(void);  // for g_paging_levels; root entry 0 = the kernel mapping
// Paging off, 4- or 5-level (CR4.LA57), CR3 = root (the new kernel root), paging on. PCIDs must be off.
void paging_switch_mode(unsigned levels, uint64_t root);
void paging_set_kernel_global(int global);  // rewrites the kernel leaves and flushes everything
void kernel_exit(int code) __attribute__((noreturn));
void panic(const char* fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
// Out of memory: names the allocation, its size and what the buddy allocator
// still holds, then stops like panic (the host reports it; nothing hangs).
void oom(const char* what, uint64_t bytes) __attribute__((noreturn));

// Traps.
void trap_handler(trap_frame_t* frame);
extern volatile int g_probe_active;   // a load access fault skips the load and sets g_probe_faulted
extern volatile int g_probe_faulted;

// Assembly helpers (trap.S).
void sched_enter(trap_frame_t* frame);     // saves the kernel context, enters the frame (user mode)
void sched_leave(void) __attribute__((noreturn));  // back to where sched_enter was called
extern char trap_stack_top[];
