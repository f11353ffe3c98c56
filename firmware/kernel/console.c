#include "console.h"

#include <stddef.h>

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

void console_putc(char c) {
    volatile uint8_t* uart = (volatile uint8_t*)UART_BASE;
    while (!(uart[UART_LSR] & UART_LSR_THRE)) {
    }
    uart[UART_THR] = (uint8_t)c;
}

void console_puts(const char* s) {
    while (*s) console_putc(*s++);
}

static int put_number(uint64_t v, unsigned base, int negative, int width, char pad) {
    char digits[24];
    int n = 0;
    do {
        const unsigned d = (unsigned)(v % base);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    int len = n + negative;
    int written = 0;
    if (negative && pad == '0') console_putc('-');
    for (; len < width; ++len, ++written) console_putc(pad);
    if (negative && pad != '0') console_putc('-');
    while (n) console_putc(digits[--n]);
    return written + len;
}

int kvprintf(const char* fmt, va_list ap) {
    int out = 0;
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            console_putc(*p);
            ++out;
            continue;
        }
        ++p;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*p == '0') {
            pad = '0';
            ++p;
        }
        while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        while (*p == 'l' || *p == 'z') {
            ++longs;
            ++p;
        }
        switch (*p) {
            case 'd': {
                const int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
                out += put_number(v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, pad);
                break;
            }
            case 'u':
            case 'x': {
                const uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
                out += put_number(v, *p == 'x' ? 16 : 10, 0, width, pad);
                break;
            }
            case 'p':
                console_puts("0x");
                out += 2 + put_number((uint64_t)(uintptr_t)va_arg(ap, void*), 16, 0, width, pad);
                break;
            case 's': {
                const char* s = va_arg(ap, const char*);
                if (!s) s = "(null)";
                int len = 0;
                while (s[len]) ++len;
                for (; len < width; ++len, ++out) console_putc(' ');
                console_puts(s);
                while (*s++) ++out;
                break;
            }
            case 'c':
                console_putc((char)va_arg(ap, int));
                ++out;
                break;
            case '%':
                console_putc('%');
                ++out;
                break;
            default:
                console_putc('%');
                if (*p) console_putc(*p);
                else --p;
                out += 2;
        }
    }
    return out;
}

int kprintf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
