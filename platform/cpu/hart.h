// The RV64IMA + Zicsr hart: an interpreter over predecoded pages whose every
// instruction fetch and data access is translated by the core MMU model
// (tlmmu::Mmu::translate, called directly: the MmuModule TLM socket would cost
// a b_transport per access). Machine mode is CPL0, user mode CPL3; the MMU's
// control registers are CSRs, INVLPG/INVPCID/INVLPGB/TLBSYNC custom-0
// instructions (docs/isa.md). Each hart is one CPU of a tlmmu::machine::Machine
// (its Mmu, clock and counters); the harts of a board share RAM, its decoded
// code and the LR reservations (HartShared). Pure C++: the platform supplies
// RAM host pointers (DMI) and device accesses through HartBus.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/decode.h"
#include "tlmmu/cache/cache.h"
#include "tlmmu/core/mmu.h"

namespace tlmmu::machine {
class Machine;
}

namespace tlmmu::platform {

// What the hart needs from the platform around it.
class HartBus {
 public:
    virtual ~HartBus() = default;
    // Host pointer to the 64 KiB RAM block starting at ram offset `block_offset`
    // (a DMI grant), or null if the platform refuses DMI there.
    virtual uint8_t* dmi_block(uint64_t block_offset) = 0;
    // A device (or non-DMI) access at physical address pa; `now` is the hart's
    // local cycle count. Adds the access latency to `latency`. False: bus error.
    virtual bool io_access(bool write, uint64_t pa, uint8_t* data, unsigned len, uint64_t now, uint64_t& latency) = 0;
};

// The timer's state the hart reads for interrupts (its CLINT registers).
struct TimerState {
    uint64_t mtimecmp = ~0ull;
    bool msip = false;
    uint64_t msip_at = 0;  // cycle from which a set msip is visible (an IPI in flight)
};

// One physical page of decoded instructions.
struct DecodedPage {
    bool valid = false;
    Insn insns[1024];
};

// What the harts of one board share: RAM's decoded code, per-page flags and
// DMI pointers (one RAM), and the LR reservations. A store by any hart to a
// decoded page makes it stale for all; a store to a reserved granule breaks
// every other hart's reservation on it.
class HartShared {
 public:
    static constexpr uint8_t kPageCode = 1, kPageNoDmi = 2, kPageReserved = 4;
    // Reservation granule: one 64-byte line (docs/isa.md).
    static constexpr unsigned kGranuleShift = 6;
    static constexpr uint64_t kNoReservation = ~0ull;

    HartShared(uint64_t ram_bytes, unsigned harts);
    std::vector<std::unique_ptr<DecodedPage>> code_pages;  // by RAM page
    std::vector<uint8_t> page_flags;                        // by RAM page: kPage*
    std::vector<uint8_t*> blocks;                           // DMI host pointers by 64 KiB block

    // Reservations by RAM offset of the granule, per hart.
    void reserve(unsigned hart, uint64_t ram_offset);
    void release(unsigned hart);
    bool holds(unsigned hart, uint64_t ram_offset) const {
        return m_reserved[hart] == (ram_offset >> kGranuleShift);
    }
    // A store of [ram_offset, +len) by `hart`: the other harts' reservations there end.
    void stored(unsigned hart, uint64_t ram_offset, unsigned len);

 private:
    void update_page_flag(uint64_t granule);
    std::vector<uint64_t> m_reserved;  // granule per hart, or kNoReservation
};

struct HartTiming {
    unsigned data_latency = 0;
    unsigned mul_cycles = 3;
    unsigned div_cycles = 20;
    unsigned csr_write_cycles = 1;
    unsigned trap_cycles = 0;
    unsigned timer_divider = 1;
    bool fetch_every_instruction = false;
    // With data caches, every load and store in RAM also costs the latency
    // of the level that serves its physical address (tlmmu/cache), and every
    // fetch of a new 64-byte block what its L1I miss costs beyond a hit.
    cache::Hierarchy* data_caches = nullptr;
};

namespace cause {
constexpr uint64_t misaligned_fetch = 0;
constexpr uint64_t fetch_access = 1;
constexpr uint64_t illegal_instruction = 2;
constexpr uint64_t breakpoint = 3;
constexpr uint64_t load_access = 5;
constexpr uint64_t misaligned_load = 4;
constexpr uint64_t store_access = 7;
constexpr uint64_t misaligned_store = 6;  // also AMO and SC
constexpr uint64_t ecall_u = 8;
constexpr uint64_t ecall_m = 11;
constexpr uint64_t fetch_page_fault = 12;
constexpr uint64_t load_page_fault = 13;
constexpr uint64_t store_page_fault = 15;
constexpr uint64_t general_protection = 24;  // custom: x86 #GP
constexpr uint64_t interrupt = 1ull << 63;
constexpr uint64_t machine_software_interrupt = interrupt | 3;
constexpr uint64_t machine_timer_interrupt = interrupt | 7;
}  // namespace cause

namespace csr {
constexpr unsigned mstatus = 0x300, misa = 0x301, mie = 0x304, mtvec = 0x305, mcounteren = 0x306;
constexpr unsigned mscratch = 0x340, mepc = 0x341, mcause = 0x342, mtval = 0x343, mip = 0x344;
constexpr unsigned mcycle = 0xB00, minstret = 0xB02, cycle = 0xC00, time = 0xC01, instret = 0xC02;
constexpr unsigned mvendorid = 0xF11, marchid = 0xF12, mimpid = 0xF13, mhartid = 0xF14;
constexpr unsigned cr0 = 0x7C0, cr3 = 0x7C1, cr4 = 0x7C2, efer = 0x7C3, pkru = 0x7C4, xflags = 0x7C5;
constexpr unsigned pferr = 0xFC0;
}  // namespace csr

namespace mstatus_bits {
constexpr uint64_t MIE = 1ull << 3;
constexpr uint64_t MPIE = 1ull << 7;
constexpr uint64_t MPP = 3ull << 11;
}  // namespace mstatus_bits

constexpr uint64_t kMipMsip = 1ull << 3;
constexpr uint64_t kMipMtip = 1ull << 7;

enum class Privilege : uint8_t { user = 0, machine = 3 };

class Hart {
 public:
    // Hart `id` (mhartid) is CPU `id` of `machine`: its Mmu translates, its
    // clock follows the hart's cycles around INVLPGB/TLBSYNC. RAM is
    // [ram_base, ram_base + ram_bytes); everything else goes to bus.io_access.
    Hart(machine::Machine& machine, unsigned id, HartShared& shared, HartBus& bus, const TimerState& timer,
         uint64_t ram_base, uint64_t ram_bytes, const HartTiming& timing);
    Hart(const Hart&) = delete;
    Hart& operator=(const Hart&) = delete;

    void reset(uint64_t pc);
    // Data accesses to this page go through bus.io_access even inside RAM
    // (the page holding tohost: its writes must reach the exit device).
    void exclude_from_dmi(uint64_t pa);

    // Executes until `instructions` reaches instret_limit, `cycles` reaches
    // cycle_limit or stop() is called.
    void run(uint64_t instret_limit, uint64_t cycle_limit);
    void stop() {
        m_stop = true;
        m_next_event = 0;
    }
    bool stopped() const { return m_stop; }
    unsigned id() const { return m_id; }

    // wfi with nothing pending, when something can still wake the hart (its
    // timer, or with more than one hart a software interrupt), ends run() and
    // leaves the hart asleep; the platform wakes it at wake_time().
    bool sleeping() const { return m_sleeping; }
    // When the hart's next enabled interrupt becomes pending (at least its
    // clock); ~0 if nothing enabled is scheduled (it waits for another hart).
    uint64_t wake_time() const;
    // Wakes the hart at wake_time() (its clock moves there, never back).
    void wake();
    // Stores made (a hart that retires instructions but stores nothing is spinning).
    uint64_t stores() const { return m_stores; }
    // The interrupts this hart can take now: a software interrupt is
    // deliverable when MSIE is set and (in M mode) mstatus.MIE.
    // An IPI has reached this hart (mip.MSIP) and is not yet taken or cleared.
    bool software_interrupt_pending() const { return pending_interrupts() & kMipMsip; }
    bool software_interrupt_enabled() const {
        return (m_mie & kMipMsip) && (m_priv == Privilege::user || (m_mstatus & mstatus_bits::MIE));
    }
    // Traps taken one after another with no instruction retired in between
    // (a fault before mtvec is set, a handler address that faults): run()
    // stops itself after kTrapStormLimit of them, since nothing else, not
    // even time, would move. The last trap is what the message names.
    static constexpr unsigned kTrapStormLimit = 64;
    bool trap_storm() const { return m_traps_without_progress >= kTrapStormLimit; }
    uint64_t last_trap_pc() const { return m_mepc; }
    uint64_t last_trap_cause() const { return m_mcause; }
    uint64_t last_trap_value() const { return m_mtval; }
    uint64_t mtvec() const { return m_mtvec; }
    // A device changed state the interrupt logic reads (mtimecmp, msip).
    void interrupts_changed() { m_irq_check_at = m_next_event = 0; }

    uint64_t pc() const { return m_pc; }
    // For loaders, debuggers and tests: move the pc (no trap, no privilege change).
    void set_pc(uint64_t pc) {
        m_pc = pc;
        m_fetch_block = kNoBlock;
    }
    // Memory was written behind the hart's back (not by its stores): drop all decoded code.
    void invalidate_code();
    uint64_t reg(unsigned i) const { return m_x[i & 31]; }
    void set_reg(unsigned i, uint64_t v) { if (i & 31) m_x[i & 31] = v; }
    Privilege privilege() const { return m_priv; }
    uint64_t cycles() const { return m_cycles; }
    uint64_t instructions() const { return m_instret; }
    uint64_t mtime() const { return m_cycles / m_timing.timer_divider; }
    // CSR read as the guest would see it (for tests); false if unimplemented.
    bool read_csr(unsigned number, uint64_t& value);

    struct Counters {
        uint64_t fetch_translations = 0;
        uint64_t data_translations = 0;
        uint64_t traps = 0;
        uint64_t interrupts = 0;
        uint64_t device_accesses = 0;
        uint64_t decoded_pages = 0;
    };
    const Counters& counters() const { return m_counters; }

 private:
    static constexpr uint64_t kNoBlock = ~0ull;
    static constexpr uint8_t kPageCode = HartShared::kPageCode, kPageNoDmi = HartShared::kPageNoDmi,
                             kPageReserved = HartShared::kPageReserved;

    Access access(uint64_t va, AccessType type) const {
        Access a;
        a.va = va;
        a.type = type;
        a.user = m_priv == Privilege::user;
        return a;
    }
    uint8_t* host(uint64_t offset) {
        uint8_t* b = m_blocks[offset >> 16];
        if (!b) b = acquire_block(offset);
        return b ? b + (offset & 0xffff) : nullptr;
    }
    uint8_t* acquire_block(uint64_t offset);

    // Cycles of a data access beyond its translation: data_latency, plus the
    // data caches' latency for a translated access to RAM.
    unsigned data_time(const Translation& t, bool write) {
        if (!m_timing.data_caches || t.fault || t.pa - m_ram_base >= m_ram_bytes) return m_timing.data_latency;
        return m_timing.data_latency +
               m_timing.data_caches->access(t.pa, write ? cache::Requester::store : cache::Requester::load, write);
    }

    // Cycles a fetch of a new block adds with the caches: what the hierarchy
    // charges beyond an L1I hit (the front end's pipeline hides a hit).
    unsigned fetch_time(const Translation& t) {
        if (!m_timing.data_caches || t.pa - m_ram_base >= m_ram_bytes) return 0;
        cache::Hierarchy& c = *m_timing.data_caches;
        const unsigned hit = c.has_l1i() ? c.config().l1i.latency : c.config().levels[0].latency;
        const unsigned cycles = c.fetch(t.pa);
        return cycles > hit ? cycles - hit : 0;
    }

    template <class T>
    bool load(uint64_t va, T& out) {
        if (may_cross_page(va, sizeof(T))) return load_slow(va, &out, sizeof(T));
        const Translation t = m_mmu.translate(access(va, AccessType::read));
        m_cycles += t.cycles + data_time(t, false);
        ++m_counters.data_translations;
        if (t.fault) return translation_fault(t, va, AccessType::read);
        const uint64_t off = t.pa - m_ram_base;
        if (off < m_ram_bytes && !(m_page_flags[off >> 12] & kPageNoDmi)) {
            if (uint8_t* p = host(off)) {
                std::memcpy(&out, p, sizeof(T));
                return true;
            }
        }
        return io(false, t.pa, &out, sizeof(T), va);
    }
    template <class T>
    bool store(uint64_t va, T value) {
        if (may_cross_page(va, sizeof(T))) return store_slow(va, &value, sizeof(T));
        const Translation t = m_mmu.translate(access(va, AccessType::write));
        m_cycles += t.cycles + data_time(t, true);
        ++m_counters.data_translations;
        if (t.fault) return translation_fault(t, va, AccessType::write);
        const uint64_t off = t.pa - m_ram_base;
        ++m_stores;
        if (off < m_ram_bytes && !m_page_flags[off >> 12]) {
            if (uint8_t* p = host(off)) {
                std::memcpy(p, &value, sizeof(T));
                return true;
            }
        }
        return store_flagged(t.pa, &value, sizeof(T), va);
    }
    bool atomic(const Insn& in);
    // Reads and writes `len` bytes at physical address pa for LR/SC/AMOs
    // (RAM by DMI, anything else through the bus).
    bool atomic_read(uint64_t pa, uint64_t& value, unsigned len, uint64_t va, bool store_fault);
    bool broadcast_instruction(const Insn& in, uint64_t a, uint64_t b);
    void yield() {
        m_yield = true;
        m_next_event = 0;
    }
    struct Parts {  // an access split at its translated pages' ends
        unsigned count = 0;
        uint64_t va[2], pa[2];
        unsigned offset[2], length[2];
    };
    bool translate_parts(uint64_t va, unsigned len, AccessType type, Parts& parts);
    bool load_slow(uint64_t va, void* out, unsigned len);
    bool store_slow(uint64_t va, const void* in, unsigned len);
    bool store_flagged(uint64_t pa, const void* in, unsigned len, uint64_t va);
    // A data access that is not plain DMI RAM: a device, the tohost page, outside memory.
    bool io(bool write, uint64_t pa, void* data, unsigned len, uint64_t va);
    bool translation_fault(const Translation& t, uint64_t va, AccessType type);
    void code_written(uint64_t offset);

    bool refetch();
    bool csr_instruction(const Insn& in);
    bool csr_read(unsigned number, uint64_t& value);
    uint64_t mmu_counter(unsigned n) const;
    void take_trap(uint64_t cause, uint64_t tval);
    void take_trap_at(uint64_t pc, uint64_t cause, uint64_t tval);
    bool check_interrupts();
    uint64_t pending_interrupts() const;
    void jump(uint64_t target);

    machine::Machine& m_machine;
    const unsigned m_id;
    HartShared& m_shared;
    Mmu& m_mmu;
    HartBus& m_bus;
    const TimerState& m_timer;
    uint64_t m_ram_base, m_ram_bytes;
    HartTiming m_timing;

    uint64_t m_x[32] = {};
    uint64_t m_pc = 0;
    Privilege m_priv = Privilege::machine;
    uint64_t m_cycles = 0, m_instret = 0;
    int64_t m_mcycle_offset = 0, m_minstret_offset = 0;
    uint64_t m_mstatus = 0, m_mie = 0, m_mtvec = 0, m_mscratch = 0, m_mepc = 0, m_mcause = 0, m_mtval = 0;
    uint64_t m_mcounteren = ~0ull;
    uint32_t m_pferr = 0;
    bool m_stop = false;
    bool m_yield = false;     // end run() after this instruction (the platform reschedules)
    bool m_sleeping = false;  // in wfi, waiting for wake()
    bool m_ipi_can_wake = false;  // another hart exists that may set msip
    // TLBSYNC waiting for this hart's broadcasts: its clock jumped to their
    // completion so the other harts run up to it first; it then executes
    // with the start time it had (docs/platform.md).
    bool m_tlbsync_waiting = false;
    uint64_t m_tlbsync_start = 0;
    uint64_t m_stores = 0;
    uint64_t m_instret_at_last_trap = ~0ull;
    unsigned m_traps_without_progress = 0;
    uint64_t m_irq_check_at = 0;  // cycle at which an interrupt may become takeable
    uint64_t m_next_event = 0;    // min(cycle limit, m_irq_check_at); 0 after stop() or a change

    // Fetch: the 64-byte block being executed and the decoded page holding it.
    uint64_t m_fetch_block = kNoBlock;
    const Insn* m_code = nullptr;
    uint64_t m_code_page_index = ~0ull;  // RAM page of m_code
    const bool* m_code_page_valid = nullptr;
    // HartShared's tables (their sizes never change).
    std::unique_ptr<DecodedPage>* m_code_pages;
    uint8_t* m_page_flags;
    uint8_t** m_blocks;
    Counters m_counters;
};

}  // namespace tlmmu::platform
