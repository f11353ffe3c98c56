// Console output on the platform's 16550-like UART: a minimal printf
// (%d %u %x %s %c %p with the l/ll/z length modifiers, a field width and
// zero padding). No floating point: the firmware prints integers and the
// host derives ratios.
#pragma once

#include <stdarg.h>
#include <stdint.h>

#define UART_BASE 0x10000000ull

void console_putc(char c);
void console_puts(const char* s);
int kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char* fmt, va_list ap);
