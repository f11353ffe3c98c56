// A machine of N CPUs sharing physical memory and page tables. Each CPU has
// its own Mmu (TLBs, paging-structure caches, control registers, counters) and
// its own clock in cycles. A page-table edit is seen by every walker at once;
// what a CPU has cached stays until something invalidates it there: an
// inter-processor interrupt whose handler flushes, or an AMD INVLPGB
// broadcast. Plain C++; docs/smp.md describes the timing and the semantics.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tlmmu/core/system.h"
#include "tlmmu/machine/smp_config.h"

namespace tlmmu::machine {

// Faults of the machine's own instructions (the Mmu's FaultKind has no #UD).
enum class SmpFault : uint8_t { none, ud, gp };
const char* to_string(SmpFault f);

// Per CPU. "Dropped" counts entries this CPU lost to another CPU's request
// (IPI handler) or to a broadcast (INVLPGB, its issuer included), by structure.
struct CpuStats {
    uint64_t ipis_sent = 0;
    uint64_t ipis_received = 0;
    uint64_t ipi_rounds = 0;          // send_ipis calls that sent at least one IPI
    uint64_t ack_wait_cycles = 0;     // initiator spinning for acknowledgements
    uint64_t interrupt_cycles = 0;    // receiver: entry + handler + exit (time stolen)
    uint64_t invlpgb_issued = 0;
    uint64_t invlpgb_pages = 0;       // pages named by this CPU's INVLPGBs (0 for all-address ones)
    uint64_t broadcasts_applied = 0;  // INVLPGBs (anyone's) that reached this CPU
    uint64_t tlbsync = 0;
    uint64_t tlbsync_wait_cycles = 0;
    uint64_t ud_faults = 0, gp_faults = 0;
    Mmu::DroppedEntries dropped_by_ipi;
    Mmu::DroppedEntries dropped_by_invlpgb;

    CpuStats& operator+=(const CpuStats& o);
};

struct Cpu {
    Cpu(unsigned id, const MmuConfig& config, PhysicalAccess& memory) : id(id), mmu(config, memory) {}
    const unsigned id;
    Mmu mmu;
    uint64_t now = 0;  // this CPU's clock, cycles
    CpuStats stats;
};

// What the flush handler of a shootdown does on each CPU (Linux's
// flush_tlb_info in short): some pages of one PCID, all of one PCID, or all.
struct FlushRequest {
    enum class Scope : uint8_t { pages, pcid, all };
    Scope scope = Scope::pages;
    uint64_t va = 0;          // first page
    unsigned pages = 1;
    unsigned stride_shift = 12;
    uint16_t pcid = 0;        // the address space's PCID (ignored at a CPU with CR4.PCIDE=0)
};

struct IpiResult {
    bool ok = true;
    CpuMask missing = 0;       // targets that do not exist (nothing was sent)
    unsigned receivers = 0;    // IPIs sent (targets other than the initiator)
    uint64_t cycles = 0;       // initiator: sends + local work + acknowledgement wait
    uint64_t ack_wait = 0;
    uint64_t dropped = 0;      // entries dropped at the receivers
};

struct BroadcastResult {
    SmpFault fault = SmpFault::none;
    uint64_t cycles = 0;  // issuing CPU's time
    uint64_t wait = 0;    // TLBSYNC: part of `cycles` spent waiting
    bool ok() const { return fault == SmpFault::none; }
};

// INVLPGB's register operands decoded (APM vol. 3, INVLPGB).
struct InvlpgbOperands {
    uint64_t rax = 0;  // VA[63:12] | flags: 0 VA, 1 PCID, 2 ASID, 3 include global, 4 final only, 5 nested
    uint32_t ecx = 0;  // [15:0] pages after the first, [31] 2 MiB stride
    uint32_t edx = 0;  // [31:16] PCID, [15:0] ASID
};
namespace invlpgb_flag {
constexpr uint64_t VA = 1u << 0, PCID = 1u << 1, ASID = 1u << 2, GLOBAL = 1u << 3, FINAL_ONLY = 1u << 4,
                   NESTED = 1u << 5;
}
constexpr uint32_t kInvlpgbStride2M = 1u << 31;

class Machine {
 public:
    // All CPUs walk through `memory` (one port, as they share one memory).
    Machine(const MmuConfig& mmu_config, const SmpConfig& smp, PhysicalAccess& memory);
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    const SmpConfig& config() const { return m_smp; }
    unsigned size() const { return unsigned(m_cpus.size()); }
    CpuMask all_cpus() const { return m_smp.cpus == 64 ? ~0ull : (1ull << m_smp.cpus) - 1; }
    // Throws std::out_of_range for a CPU that does not exist.
    Cpu& cpu(unsigned i);
    const Cpu& cpu(unsigned i) const;

    // Long mode on one CPU (or all) as System::boot does, `levels`-level
    // paging; false if a step faulted.
    bool boot(unsigned cpu, uint64_t root, uint64_t extra_cr4 = 0, unsigned levels = 4);
    bool boot_all(uint64_t root, uint64_t extra_cr4 = 0, unsigned levels = 4);

    // One access on `cpu`: broadcasts that have reached it by its clock are
    // applied first; its clock then advances by the translation latency.
    Translation translate(unsigned cpu, const Access& access);
    // Other work on `cpu` (then applies broadcasts that reached it).
    void advance(unsigned cpu, uint64_t cycles);
    // Applies every broadcast that has reached `cpu` by its clock.
    void settle(unsigned cpu) {
        if (!m_pending.empty()) apply_due(cpu);
    }

    // ---- Inter-processor interrupts ----
    // The handler runs on a CPU and returns the cycles of its own work.
    using Handler = std::function<uint64_t(Cpu&)>;
    // `from` sends one IPI to each CPU of `targets` but itself (in CPU order),
    // runs `handler` itself if it is in `targets`, and, with `wait`, spins
    // until the last acknowledgement arrives. Each receiver runs the handler
    // at once (in simulation order) and its clock takes the stolen time. A
    // target that does not exist sends nothing and returns ok=false.
    IpiResult send_ipis(unsigned from, CpuMask targets, const Handler& handler, bool wait = true);
    // A TLB shootdown the way Linux's flush_tlb_multi does it: IPIs to the
    // other CPUs of `targets`, the local flush, then the wait.
    IpiResult shootdown(unsigned from, CpuMask targets, const FlushRequest& request);
    // The flush handler on one CPU: INVLPG for the current PCID, INVPCID for
    // another, INVPCID single-context or all-context for the wider scopes.
    static uint64_t flush_on(Cpu& cpu, const FlushRequest& request);

    // ---- AMD broadcast invalidation ----
    // INVLPGB on `cpu` at privilege level `cpl`: starts an invalidation that
    // reaches every CPU (this one too) invlpgb_latency later; see docs/smp.md.
    BroadcastResult invlpgb(unsigned cpu, const InvlpgbOperands& ops, unsigned cpl = 0);
    // TLBSYNC: waits until every INVLPGB this CPU issued is done everywhere.
    BroadcastResult tlbsync(unsigned cpu, unsigned cpl = 0);
    // INVLPGBs issued by `cpu` not yet applied at every CPU.
    unsigned outstanding_broadcasts(unsigned cpu) const;
    // When the next broadcast not yet applied at `cpu` reaches it (its
    // done-at time), ~0 if none: a driver that runs a CPU ahead stops there.
    uint64_t next_broadcast_due(unsigned cpu) const;
    // When the last INVLPGB `cpu` issued is done everywhere (what its TLBSYNC
    // waits for); 0 if none is outstanding.
    uint64_t broadcasts_done_at(unsigned cpu) const;

    // Counters of all CPUs together.
    CpuStats total_stats() const;
    void reset_stats();

 private:
    struct Broadcast {
        unsigned issuer;
        uint64_t done_at;
        CpuMask pending;  // CPUs it has not reached yet
        Mmu::BroadcastSelector selector;
        bool matches_nothing;  // an ASID other than the host's (no guests are modelled)
        uint64_t va;
        unsigned pages;
        unsigned stride_shift;
    };
    void apply_due(unsigned cpu);
    void apply(Broadcast& b, Cpu& cpu);
    void check_cpu(unsigned i) const;

    SmpConfig m_smp;
    std::vector<std::unique_ptr<Cpu>> m_cpus;
    std::vector<Broadcast> m_pending;  // in issue order
};

// A complete machine in plain C++, as System is for one CPU: the CPUs on one
// PageTableMemory. What tests and benchmarks set up first.
class SmpSystem : public PageTableMemory {
 public:
    explicit SmpSystem(const SmpConfig& smp, const MmuConfig& config = MmuConfig::skylake(),
                       const SystemOptions& options = {})
        : PageTableMemory(options), machine(config, smp, port) {}

    bool boot_all(uint64_t root, uint64_t extra_cr4 = 0) { return machine.boot_all(root, extra_cr4, builder.levels()); }

    Machine machine;
};

// Machine counters as one JSON object (per CPU and totals) and as text.
std::string smp_stats_json(const Machine& machine, int indent = 2);
std::string smp_stats_summary(const Machine& machine);

}  // namespace tlmmu::machine
