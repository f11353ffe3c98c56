#pragma once

#include <catch2/catch.hpp>

#include "tlmmu/core/system.h"

namespace tlmmu::test {

// A System with one address space (`root`) and short helpers.
struct Machine : System {
    explicit Machine(MmuConfig config = MmuConfig::skylake(), unsigned levels = 4)
        : System(config, options(levels)) {
        root = builder.new_root();
    }
    static SystemOptions options(unsigned levels) {
        SystemOptions o;
        o.levels = levels;
        return o;
    }
    void boot(uint64_t extra_cr4 = 0) { REQUIRE(System::boot(root, extra_cr4)); }

    Translation read(uint64_t va, bool user = false) { return mmu.translate({va, AccessType::read, user, false}); }
    Translation write(uint64_t va, bool user = false) { return mmu.translate({va, AccessType::write, user, false}); }

    uint64_t root = 0;
};

}  // namespace tlmmu::test
