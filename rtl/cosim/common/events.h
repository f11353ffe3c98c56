// The operations the TLB and PSC blocks accept (rtl/common/tlmmu_pkg.sv OP_*)
// and, for the reference side, what each does to the model's structures.
// invalidate_tlb / invalidate_psc call the model's own invalidation primitives
// with the arguments Mmu::invlpg, Mmu::invpcid, Mmu::write_cr3, Mmu::write_cr4
// and Mmu::page_fault pass them (models/tlmmu/core/mmu.cpp); keep them in step.
#pragma once

#include <cstdint>
#include <string>

#include "tlmmu/core/psc.h"
#include "tlmmu/core/tlb.h"

namespace tlmmu::cosim {

enum class Op : uint8_t {
    none = 0,
    lookup = 1,
    fill = 2,
    invlpg = 3,
    invpcid_addr = 4,       // INVPCID type 0
    invpcid_single = 5,     // type 1
    invpcid_all = 6,        // type 2
    invpcid_nonglobal = 7,  // type 3
    mov_cr3 = 8,
    mov_cr4 = 9,
    page_fault = 10,
};
constexpr unsigned kOps = 11;
const char* to_string(Op op);

// The CR4 bits whose change invalidates: tlmmu_pkg::cr4_bits_t {smep, pcide, pge, pae}.
struct Cr4Bits {
    bool pae = true, pge = false, pcide = false, smep = false;
    uint8_t packed() const { return uint8_t(pae | pge << 1 | pcide << 2 | smep << 3); }
};

// An invalidating event (or lookup / fill address) as both sides receive it.
struct Event {
    Op op = Op::none;
    uint64_t va = 0;    // already masked to the paging mode's width
    uint16_t pcid = 0;  // current PCID; INVPCID: the descriptor's; MOV CR3: the new one; MOV CR4: the old one
    bool noflush = false;
    Cr4Bits cr4_old, cr4_new;
};
std::string describe(const Event& e);

// What MOV CR4 invalidates (Mmu::write_cr4).
enum class Cr4Flush { none, all, pcid };
Cr4Flush cr4_flush(const Cr4Bits& old_bits, const Cr4Bits& new_bits);

// Entries dropped from a TLB level / from the PSC levels by an invalidating event.
unsigned invalidate_tlb(TlbLevel& tlb, const Event& e);
unsigned invalidate_psc(PagingStructureCache* const* levels, unsigned count, const Event& e, uint64_t va_mask);

// Architectural state the stimulus keeps so that control events stay legal:
// with CR4.PCIDE=0 every PCID is 0, PCIDE is set only with CR3's PCID 0.
struct ControlState {
    Cr4Bits cr4;
    uint16_t pcid = 0;
};
class Rng;
// Random combined rights (writable, user, NX), as a TLB or PSC fill carries them.
Rights random_rights(Rng& rng);
// A random invalidating event (every kind, weighted) over `pcids` PCIDs and
// the address `va`; updates `state` for MOV CR3 / MOV CR4.
Event random_invalidation(Rng& rng, ControlState& state, unsigned pcids, uint64_t va);

}  // namespace tlmmu::cosim
