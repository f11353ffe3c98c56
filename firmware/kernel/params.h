// The parameter block: what the host (`tlmmu experiments --param/--only`)
// tells the firmware at boot, written by the platform into guest memory
// before the hart starts (docs/firmware.md, "Parameter block"). The firmware
// holds no defaults of its own: the host's settings registry declares every
// parameter and always writes all of them, so a missing key is a mismatch
// between host and firmware and stops the firmware with a panic.
#pragma once

#include <stdint.h>

#define PARAMS_MAGIC 0x534d524150554d4dull  // "MMUPARMS" read as a little-endian doubleword
#define PARAMS_VERSION 1u
#define PARAMS_KEY_BYTES 40
#define PARAMS_BLOCK_BYTES 3840

typedef struct param_entry {
    char key[PARAMS_KEY_BYTES];  // NUL-padded, without the "param." prefix: "vmalloc.max_size", "run.fork"
    uint64_t value;
} param_entry_t;

typedef struct param_block {
    uint64_t magic;
    uint32_t version;
    uint32_t count;
    param_entry_t entries[(PARAMS_BLOCK_BYTES - 16) / sizeof(param_entry_t)];
} param_block_t;

// Checks the block (magic, version, count); panics when it is absent or bad.
void params_init(void);
// The value of `key`; panics naming the key when the block lacks it.
uint64_t param(const char* key);
// param(key), checked against [lo, hi] (the host already did; this catches a mismatch).
uint64_t param_in(const char* key, uint64_t lo, uint64_t hi);
