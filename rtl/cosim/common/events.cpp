#include "events.h"

#include <sstream>

#include "rng.h"

namespace tlmmu::cosim {

const char* to_string(Op op) {
    switch (op) {
        case Op::none: return "none";
        case Op::lookup: return "lookup";
        case Op::fill: return "fill";
        case Op::invlpg: return "invlpg";
        case Op::invpcid_addr: return "invpcid-0-address";
        case Op::invpcid_single: return "invpcid-1-single";
        case Op::invpcid_all: return "invpcid-2-all";
        case Op::invpcid_nonglobal: return "invpcid-3-nonglobal";
        case Op::mov_cr3: return "mov-cr3";
        case Op::mov_cr4: return "mov-cr4";
        case Op::page_fault: return "page-fault";
    }
    return "?";
}

std::string describe(const Event& e) {
    std::ostringstream s;
    s << to_string(e.op) << " va=0x" << std::hex << e.va << std::dec << " pcid=" << e.pcid;
    if (e.op == Op::mov_cr3) s << " noflush=" << e.noflush;
    if (e.op == Op::mov_cr4)
        s << " cr4{pae,pge,pcide,smep} " << e.cr4_old.pae << e.cr4_old.pge << e.cr4_old.pcide << e.cr4_old.smep
          << " -> " << e.cr4_new.pae << e.cr4_new.pge << e.cr4_new.pcide << e.cr4_new.smep;
    return s.str();
}

Cr4Flush cr4_flush(const Cr4Bits& o, const Cr4Bits& n) {
    if (o.pge != n.pge || (o.pcide && !n.pcide)) return Cr4Flush::all;
    if (o.pae != n.pae || (!o.smep && n.smep)) return Cr4Flush::pcid;
    return Cr4Flush::none;
}

unsigned invalidate_tlb(TlbLevel& tlb, const Event& e) {
    switch (e.op) {
        case Op::invlpg:
        case Op::page_fault: return tlb.flush_page(e.va, e.pcid, true, true);
        case Op::invpcid_addr: return tlb.flush_page(e.va, e.pcid, true, false);
        case Op::invpcid_single: return tlb.flush_pcid(e.pcid, true);
        case Op::invpcid_all: return tlb.flush_all();
        case Op::invpcid_nonglobal: return tlb.flush_nonglobal();
        case Op::mov_cr3: return e.noflush ? 0 : tlb.flush_pcid(e.pcid, true);
        case Op::mov_cr4:
            switch (cr4_flush(e.cr4_old, e.cr4_new)) {
                case Cr4Flush::all: return tlb.flush_all();
                case Cr4Flush::pcid: return tlb.flush_pcid(e.pcid, false);
                case Cr4Flush::none: return 0;
            }
            return 0;
        case Op::none:
        case Op::lookup:
        case Op::fill: return 0;
    }
    return 0;
}

unsigned invalidate_psc(PagingStructureCache* const* levels, unsigned count, const Event& e, uint64_t va_mask) {
    unsigned n = 0;
    for (unsigned i = 0; i < count; ++i) {
        PagingStructureCache& p = *levels[i];
        switch (e.op) {
            case Op::invlpg:
            case Op::invpcid_addr:
            case Op::invpcid_single: n += p.flush_pcid(e.pcid); break;
            case Op::invpcid_all:
            case Op::invpcid_nonglobal: n += p.flush_all(); break;
            case Op::mov_cr3: n += e.noflush ? 0 : p.flush_pcid(e.pcid); break;
            case Op::mov_cr4:
                switch (cr4_flush(e.cr4_old, e.cr4_new)) {
                    case Cr4Flush::all: n += p.flush_all(); break;
                    case Cr4Flush::pcid: n += p.flush_pcid(e.pcid); break;
                    case Cr4Flush::none: break;
                }
                break;
            case Op::page_fault: n += p.flush_va(e.va, va_mask, e.pcid); break;
            case Op::none:
            case Op::lookup:
            case Op::fill: break;
        }
    }
    return n;
}

Rights random_rights(Rng& rng) {
    Rights r;
    r.writable = rng.coin();
    r.user = rng.coin();
    r.nx = rng.coin();
    return r;
}

Event random_invalidation(Rng& rng, ControlState& state, unsigned pcids, uint64_t va) {
    Event e;
    e.va = va;
    e.pcid = state.pcid;
    auto any_pcid = [&]() { return state.cr4.pcide ? uint16_t(rng.below(pcids)) : uint16_t(0); };
    // Weights: address-based events most often (they interact with the pools),
    // the big hammers rarely so that the structures fill up between them.
    const unsigned pick = unsigned(rng.below(100));
    if (pick < 22) {
        e.op = Op::invlpg;
    } else if (pick < 40) {
        e.op = Op::page_fault;
    } else if (pick < 56) {
        e.op = Op::invpcid_addr;
        e.pcid = any_pcid();
    } else if (pick < 66) {
        e.op = Op::invpcid_single;
        e.pcid = any_pcid();
    } else if (pick < 70) {
        e.op = Op::invpcid_all;
    } else if (pick < 76) {
        e.op = Op::invpcid_nonglobal;
    } else if (pick < 92) {
        e.op = Op::mov_cr3;
        e.pcid = any_pcid();
        e.noflush = state.cr4.pcide && rng.coin();
        state.pcid = e.pcid;
    } else {
        // One CR4 bit flips. PCIDE is set only with CR3's PCID 0 (else #GP):
        // flip PGE instead. PAE cannot change in long mode, but the blocks do
        // not know the mode, so the decode of that case is exercised too.
        e.op = Op::mov_cr4;
        e.cr4_old = state.cr4;
        Cr4Bits& n = e.cr4_new;
        n = state.cr4;
        switch (rng.below(4)) {
            case 0: n.pge = !n.pge; break;
            case 1:
                if (!n.pcide && state.pcid != 0) n.pge = !n.pge;
                else n.pcide = !n.pcide;
                break;
            case 2: n.smep = !n.smep; break;
            default: n.pae = !n.pae; break;
        }
        state.cr4 = n;
        if (!n.pcide) state.pcid = 0;  // CR3[11:0] are PCD/PWT/ignored, read as PCID 0
    }
    return e;
}

}  // namespace tlmmu::cosim
