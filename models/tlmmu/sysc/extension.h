// The sideband of a virtual-address transaction: what the generic payload
// cannot say about the access (privilege, fetch, implicit, debug, locked, page
// walk) and, on the way back, how it was translated or why it faulted.
#pragma once

#include <cstdint>

#include <tlm>

#include "tlmmu/core/mmu.h"

namespace tlmmu::sysc {

struct TranslationExtension : tlm::tlm_extension<TranslationExtension> {
    // ---- Request, set by the initiator. A transaction without this extension
    // is an explicit supervisor data access. Read or write comes from the TLM
    // command; an instruction fetch is a read command with `fetch` set.
    bool user = false;      // CPL 3; ignored when `implicit` is set
    bool fetch = false;     // instruction fetch (TLM_READ_COMMAND only)
    bool implicit = false;  // implicit supervisor access (GDT/IDT/TSS...): SMAP ignores EFLAGS.AC
    bool debug = false;     // side-effect-free access: translated and forwarded as debug transport
    bool locked = false;    // part of a locked read-modify-write
    bool page_walk = false; // set by MmuModule on its walker's own accesses to memory
    unsigned walk_level = 0; // with page_walk: the entry's paging level (1 = PTE ... 5 = PML5E)

    // ---- Response, written by MmuModule on every access (cleared first).
    Fault fault;                 // kind none when translated; #PF carries error code and CR2
    uint64_t pa = 0;             // physical address of the first byte
    PageSize page_size = PageSize::k4;
    Source source = Source::none;  // l1, l2, walk; none when paging is off or on #GP
    unsigned psc_level = 0;      // PSC level the walk started from, 0 if none
    unsigned pt_reads = 0;       // page-table entry reads, over all pieces of a split access
    unsigned ad_updates = 0;     // locked A/D updates, over all pieces
    uint64_t cycles = 0;         // translation latency in MMU clock cycles, over all pieces

    void clear_response() {
        fault = Fault();
        pa = 0;
        page_size = PageSize::k4;
        source = Source::none;
        psc_level = 0;
        pt_reads = 0;
        ad_updates = 0;
        cycles = 0;
    }

    tlm::tlm_extension_base* clone() const override { return new TranslationExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const TranslationExtension&>(other);
    }
};

}  // namespace tlmmu::sysc
