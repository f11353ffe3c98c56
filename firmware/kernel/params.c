#include "params.h"

#include "kernel.h"

// In the tohost page, after tohost and fromhost (link.ld): the platform
// writes it through the loader's symbol `tlmmu_params`.
__attribute__((section(".params"), aligned(64))) volatile param_block_t tlmmu_params;

static int key_equal(const volatile char* a, const char* b) {
    for (unsigned i = 0; i < PARAMS_KEY_BYTES; ++i) {
        if (a[i] != b[i]) return 0;
        if (!b[i]) return 1;
    }
    return 0;
}

void params_init(void) {
    if (tlmmu_params.magic != PARAMS_MAGIC)
        panic("no parameter block: the host did not write one (run this firmware with `tlmmu experiments`)");
    if (tlmmu_params.version != PARAMS_VERSION)
        panic("parameter block version %u, this firmware reads version %u", tlmmu_params.version, PARAMS_VERSION);
    if (tlmmu_params.count > sizeof tlmmu_params.entries / sizeof tlmmu_params.entries[0])
        panic("parameter block holds %u entries, more than fit", tlmmu_params.count);
}

uint64_t param(const char* key) {
    for (uint32_t i = 0; i < tlmmu_params.count; ++i)
        if (key_equal(tlmmu_params.entries[i].key, key)) return tlmmu_params.entries[i].value;
    panic("parameter '%s' is not in the parameter block (host and firmware disagree)", key);
}

uint64_t param_in(const char* key, uint64_t lo, uint64_t hi) {
    const uint64_t v = param(key);
    if (v < lo || v > hi)
        panic("parameter '%s' = %lu is outside %lu..%lu", key, (unsigned long)v, (unsigned long)lo, (unsigned long)hi);
    return v;
}
