// Boot-time setup: RAM probing, the buddy allocator over free RAM, the
// kernel's page tables, paging on; and the way out (tohost).
#include "kernel.h"

#include "paging.h"
#include "slab.h"
#include "swap.h"

extern char _end[];
extern char __user_text_start[], __user_text_end[];
extern volatile uint64_t tohost;

buddy_t g_pages;
uint64_t g_ram_bytes;
uint64_t g_kernel_root;
int g_kernel_global = 1;

// One metadata byte per page of the largest RAM probed (4 GiB).
#define MAX_RAM_BYTES (4ull << 30)
static uint8_t g_page_meta[MAX_RAM_BYTES >> 12];

uint64_t page_alloc(unsigned order) { return buddy_alloc(&g_pages, order); }

void page_free(uint64_t addr, unsigned order) {
    if (buddy_free(&g_pages, addr, order) != BUDDY_OK) panic("bad page free %p order %u", (void*)addr, order);
}

void kernel_exit(int code) {
    tohost = ((uint64_t)code << 1) | 1;
    for (;;) {
    }
}

void panic(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    console_puts("panic: ");
    kvprintf(fmt, ap);
    console_puts("\n@done status=panic\n");
    va_end(ap);
    kernel_exit(3);
}

void oom(const char* what, uint64_t bytes) {
    panic("out of memory: %s of %lu bytes; %lu pages (%lu KiB) free, largest free block order %d", what,
          (unsigned long)bytes, (unsigned long)g_pages.free_pages, (unsigned long)(g_pages.free_pages * 4),
          buddy_largest_free_order(&g_pages));
}

// RAM size in 16 MiB steps: a step counts if its last doubleword loads
// without an access fault (paging is still off).
uint64_t probe_ram_bytes(void) {
    const uint64_t step = 16ull << 20;
    uint64_t bytes = 0;
    g_probe_active = 1;
    while (bytes + step <= MAX_RAM_BYTES) {
        g_probe_faulted = 0;
        (void)*(volatile uint64_t*)(RAM_BASE + bytes + step - 8);
        if (g_probe_faulted) break;
        bytes += step;
    }
    g_probe_active = 0;
    return bytes;
}

// Kernel mapping (root entry 0, shared with every process): RAM up to the
// next 2 MiB boundary after the image with 4 KiB pages, the rest of RAM with
// 2 MiB pages, the UART and timer pages uncached. User text is user-accessible.
uint64_t paging_build_kernel_tables(void) {
    const uint64_t root = pt_new_table();
    if (!root) panic("out of memory building the kernel page tables");
    const uint64_t global = g_kernel_global ? PTE_G : 0;
    const uint64_t image_end = ((uint64_t)_end + SIZE_2M - 1) & ~(SIZE_2M - 1);
    const uint64_t ram_end = RAM_BASE + g_ram_bytes;
    int bad = 0;
    for (uint64_t a = RAM_BASE; a < image_end; a += SIZE_4K) {
        const int user = a >= (uint64_t)__user_text_start && a < (uint64_t)__user_text_end;
        bad |= pt_map(root, a, a, SHIFT_4K, PTE_RW | (user ? PTE_US : global));
    }
    for (uint64_t a = image_end; a < ram_end; a += SIZE_2M) bad |= pt_map(root, a, a, SHIFT_2M, PTE_RW | global);
    const uint64_t device_pages[] = {UART_BASE, CLINT_BASE, CLINT_MTIMECMP, CLINT_MTIME & ~(SIZE_4K - 1), SWAP_BASE};
    for (unsigned i = 0; i < sizeof device_pages / sizeof device_pages[0]; ++i)
        bad |= pt_map(root, device_pages[i], device_pages[i], SHIFT_4K, PTE_RW | PTE_PCD | PTE_PWT | global);
    if (bad) panic("out of memory building the kernel page tables");
    return root;
}

void paging_init(void) {
    g_kernel_root = paging_build_kernel_tables();
    write_efer(EFER_LME | EFER_NXE);
    write_cr4(CR4_PAE | CR4_PGE | (g_paging_levels == 5 ? CR4_LA57 : 0));
    write_cr3(g_kernel_root);
    write_cr0(CR0_PE | CR0_PG | CR0_WP);
}

// CR4.LA57 may only change with paging off (the MMU raises #GP otherwise):
// paging off, LA57, CR3, paging on. The identity map keeps the code running.
void paging_switch_mode(unsigned levels, uint64_t root) {
    write_cr0(read_cr0() & ~CR0_PG);
    write_cr4((read_cr4() & ~CR4_LA57) | (levels == 5 ? CR4_LA57 : 0));
    g_paging_levels = levels;
    g_kernel_root = root;
    write_cr3(root);
    write_cr0(read_cr0() | CR0_PG);
}

void paging_set_kernel_global(int global) {
    g_kernel_global = global;
    // Kernel leaves only: user text keeps G clear.
    pt_update_leaves(g_kernel_root, 0, PTE_G, global, PTE_US, 0);
    const uint64_t cr4 = read_cr4();
    write_cr4(cr4 & ~CR4_PGE);  // toggling PGE flushes everything, global entries too
    write_cr4(cr4);
}

void kernel_init(void) {
    g_ram_bytes = probe_ram_bytes();
    // Free RAM starts at the first 4 MiB boundary after the image, so buddy
    // blocks are aligned to their size in physical memory too.
    const uint64_t align = BUDDY_PAGE_SIZE << BUDDY_MAX_ORDER;
    const uint64_t start = ((uint64_t)_end + align - 1) & ~(align - 1);
    const uint64_t end = RAM_BASE + g_ram_bytes;
    if (start >= end) panic("no free RAM after the image (%lu bytes of RAM)", (unsigned long)g_ram_bytes);
    buddy_init(&g_pages, start, (end - start) >> 12, g_page_meta);
    slab_init(&g_pages);
    paging_init();
}
