// The RV64IM + Zicsr hart: an interpreter over predecoded pages whose every
// instruction fetch and data access is translated by the core MMU model
// (tlmmu::Mmu::translate, called directly: the MmuModule TLM socket would cost
// a b_transport per access). Machine mode is CPL0, user mode CPL3; the MMU's
// control registers are CSRs, INVLPG/INVPCID custom-0 instructions
// (docs/isa.md). Pure C++: the platform supplies RAM host pointers (DMI) and
// device accesses through HartBus.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/decode.h"
#include "tlmmu/cache/cache.h"
#include "tlmmu/core/mmu.h"

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

// The timer's state the hart reads for interrupts (CLINT registers).
struct TimerState {
    uint64_t mtimecmp = ~0ull;
    bool msip = false;
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
constexpr uint64_t store_access = 7;
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
    // RAM is [ram_base, ram_base + ram_bytes); everything else goes to bus.io_access.
    Hart(Mmu& mmu, HartBus& bus, const TimerState& timer, uint64_t ram_base, uint64_t ram_bytes,
         const HartTiming& timing);
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
    struct CodePage {
        bool valid = false;
        Insn insns[1024];
    };
    static constexpr uint64_t kNoBlock = ~0ull;
    static constexpr uint8_t kPageCode = 1, kPageNoDmi = 2;

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
        if (off < m_ram_bytes && !m_page_flags[off >> 12]) {
            if (uint8_t* p = host(off)) {
                std::memcpy(p, &value, sizeof(T));
                return true;
            }
        }
        return store_flagged(t.pa, &value, sizeof(T), va);
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
    uint64_t m_instret_at_last_trap = ~0ull;
    unsigned m_traps_without_progress = 0;
    uint64_t m_irq_check_at = 0;  // cycle at which an interrupt may become takeable
    uint64_t m_next_event = 0;    // min(cycle limit, m_irq_check_at); 0 after stop() or a change

    // Fetch: the 64-byte block being executed and the decoded page holding it.
    uint64_t m_fetch_block = kNoBlock;
    const Insn* m_code = nullptr;
    uint64_t m_code_page_index = ~0ull;  // RAM page of m_code
    const bool* m_code_page_valid = nullptr;
    std::vector<std::unique_ptr<CodePage>> m_code_pages;  // by RAM page
    std::vector<uint8_t> m_page_flags;                     // by RAM page: kPageCode, kPageNoDmi
    std::vector<uint8_t*> m_blocks;                        // DMI host pointers by 64 KiB block
    Counters m_counters;
};

}  // namespace tlmmu::platform
