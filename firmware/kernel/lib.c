#include "kernel.h"

void* kmemset(void* dst, int c, size_t n) {
    uint8_t* d = (uint8_t*)dst;
    if (!((uintptr_t)d & 7) && !(n & 7)) {
        uint64_t v = (uint8_t)c;
        v |= v << 8;
        v |= v << 16;
        v |= v << 32;
        for (uint64_t* q = (uint64_t*)d; n; n -= 8) *q++ = v;
        return dst;
    }
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

void* kmemcpy(void* dst, const void* src, size_t n) {
    uint8_t* d = (uint8_t*)dst;
    const uint8_t* s = (const uint8_t*)src;
    while (n--) *d++ = *s++;
    return dst;
}

// The compiler may emit calls to these for structure copies and initialisers.
void* memset(void* dst, int c, size_t n) { return kmemset(dst, c, n); }
void* memcpy(void* dst, const void* src, size_t n) { return kmemcpy(dst, src, n); }
