// The operating-system model of trace mode: what a kernel does around the
// MMU when a traced program runs. Physical frames come from a buddy
// allocator, every process has real page tables in the simulated physical
// memory (walked by the MMU's walker), pages are mapped on first touch after a
// real #PF, the scheduler switches address spaces with MOV CR3 under one of
// three PCID policies (Linux's six dynamic ASIDs among them), and KPTI gives
// every process a second, user-only set of tables and PCID. The model runs
// on one or more CPUs (smp.cpus, a tlmmu::machine::Machine): unmap, protect
// and drop events edit the page tables and shoot the old translations down
// on the CPUs in the address space's mask, by IPI or by INVLPGB/TLBSYNC.
// Every modelling choice is documented in docs/os-model.md.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tlmmu/cache/walk_port.h"
#include "tlmmu/core/memory.h"
#include "tlmmu/core/mmu.h"
#include "tlmmu/core/page_table_builder.h"
#include "tlmmu/machine/machine.h"
#include "tlmmu/os/buddy.h"
#include "tlmmu/settings/registry.h"

namespace tlmmu::os {

// A bad OS-model setting or a resource the settings do not provide (memory
// too small). what() names the key to change.
class OsError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

enum class PcidMode : uint8_t {
    off,      // CR4.PCIDE=0: every MOV CR3 flushes all non-global entries
    on,       // a PCID per process; switches write CR3 without the no-flush bit
    noflush,  // Linux: six per-CPU dynamic ASIDs, reused with the no-flush bit
};
const char* to_string(PcidMode mode);

// How an address-space change reaches the other CPUs (os.shootdown).
enum class ShootdownMode : uint8_t {
    ipi,      // Linux's flush_tlb_multi: IPIs to the CPUs in the mask, each flushes
    invlpgb,  // AMD broadcast invalidation: INVLPGB per chunk of pages, then TLBSYNC
};
const char* to_string(ShootdownMode mode);

// mprotect rights of OsModel::protect (Linux's PROT_* values).
namespace prot {
constexpr uint8_t READ = 1, WRITE = 2, EXEC = 4;
}

struct OsConfig {
    PageSize page_size = PageSize::k4;  // largest page the fault handler may map
    uint64_t quantum = 100000;          // trace records a thread runs before the timer interrupt
    PcidMode pcid = PcidMode::noflush;
    bool kpti = false;
    uint64_t memory_bytes = 4ull << 30;
    unsigned levels = 4;                // 4- or 5-level paging
    uint64_t seed = 1;                  // placement of the frames pinned by `fragment`
    unsigned fragment_percent = 0;      // share of frames pinned at boot, scattered (fragmentation)
    int64_t gigantic_pages = -1;        // boot-time 1 GiB pool; -1: 1 with page_size=1g, else 0
    unsigned memory_latency = 20;       // cycles per page-table access of the walker
    uint64_t fault_cycles = 2000;       // page-fault handler cost, besides zeroing
    uint64_t zero_cycles = 100;         // cycles to zero 4 KiB (data pages and page tables)
    unsigned kernel_pages = 0;          // kernel pages touched on every kernel entry (0: none)
    ShootdownMode shootdown = ShootdownMode::ipi;
    // Linux's tlb_single_page_flush_ceiling: a flush of more pages flushes
    // the whole address space instead, page by page up to it.
    unsigned flush_ceiling = 33;

    uint64_t gigantic_pool() const { return gigantic_pages >= 0 ? uint64_t(gigantic_pages) : page_size == PageSize::g1; }
};

// The OS model's settings (os.*, and memory.latency stored here too) in the
// settings registry.
const settings::Group<OsConfig>& os_settings_group();
// Applies `key=value` (key with or without the "os." prefix); throws OsError
// naming the key and the accepted values.
void apply_os_setting(OsConfig& config, const std::string& key, const std::string& value);
// Splits "key=value" and applies it.
void apply_os_setting(OsConfig& config, const std::string& key_equals_value);
// The settings as (key, value) text pairs, in a fixed order (reports): os.*
// keys without their prefix, memory.latency as is.
std::vector<std::pair<std::string, std::string>> os_settings(const OsConfig& config);

struct OsStats {
    uint64_t processes = 0;
    uint64_t pinned_frames = 0;      // frames pinned at boot by `fragment`
    uint64_t demand_faults = 0;      // #PF on a not-present page, resolved by mapping it
    uint64_t protection_faults = 0;  // #PF on a present page, resolved by a permission upgrade
    uint64_t unresolved_faults = 0;  // accesses that still fault (#GP: non-canonical, ...): skipped
    uint64_t mapped[kPageSizes] = {};  // pages mapped, by size
    uint64_t table_pages = 0;        // page-table pages allocated (roots included)
    uint64_t thp_fallbacks = 0;      // 2 MiB wanted, 4 KiB mapped (region in use or no order-9 block)
    uint64_t gigantic_fallbacks = 0; // 1 GiB wanted, smaller mapped (region in use or pool empty)
    uint64_t fault_cycles = 0;       // handler cost of all faults (zeroing included)
    uint64_t timer_ticks = 0;        // quantum ends (kernel entries by the scheduler)
    uint64_t kernel_entries = 0;     // all kernel entries (ticks, switches, exits of threads)
    uint64_t mm_switches = 0;        // address-space switches (switch_mm with a new mm)
    uint64_t thread_switches = 0;    // switches between threads of one process (no CR3 write)
    uint64_t cr3_writes = 0;         // MOV CR3 by the OS model (switches and KPTI entry/exit)
    uint64_t cr3_noflush = 0;        //   of which with the no-flush bit
    uint64_t asid_reuses = 0;        // pcid=noflush: the process still owned a slot (no flush)
    uint64_t asid_allocations = 0;   // pcid=noflush: a slot was taken over (flush)
    uint64_t kernel_accesses = 0;    // translations made for the modelled kernel footprint
    uint64_t control_events = 0;     // control records of native traces applied
    uint64_t control_faults = 0;     //   of which the MMU refused (#GP)
    uint64_t pcid_ignored = 0;       // trace CR3 writes whose PCID/no-flush was dropped (pcid=off)
    // Address-space events (unmap, protect, drop) and their shootdowns.
    uint64_t unmap_events = 0;
    uint64_t protect_events = 0;
    uint64_t drop_events = 0;
    uint64_t event_pages = 0;        // 4 KiB pages the events' ranges name
    uint64_t unmapped[kPageSizes] = {};  // leaf entries cleared by unmap/drop, by page size
    uint64_t protected_entries = 0;  // leaf entries whose rights protect changed
    uint64_t shootdowns = 0;         // events that changed a present entry and flushed
    uint64_t full_flushes = 0;       //   of which above os.flush_ceiling (the whole address space)
    uint64_t remote_shootdowns = 0;  //   of which other CPUs were in the address space's mask
    uint64_t shootdown_cycles = 0;   // initiator: sends, local flush, acknowledgement wait (or INVLPGB+TLBSYNC)
    uint64_t protnone_faults = 0;    // accesses to PROT_NONE pages (skipped, as unresolved faults)
    // Page-walk memory references by the level of the table read ([1] = PT ..
    // [5] = PML5; [0] is unused).
    uint64_t walk_reads[6] = {};
    uint64_t walk_ad_updates[6] = {};
};

// The walker's port onto the simulated memory: the direct port, and a count
// of references by the level of the table each one reads (the walker says).
class LevelCountingPort : public PhysicalAccess {
 public:
    LevelCountingPort(SparseMemory& memory, unsigned latency, OsStats& stats)
        : m_direct(memory, latency), m_stats(stats) {}
    bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) override {
        ++m_stats.walk_reads[step.level];
        return m_direct.read_entry(step, value, cycles);
    }
    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override {
        ++m_stats.walk_ad_updates[step.level];
        return m_direct.locked_set_bits(step, expected, bits, observed, cycles);
    }
    bool debug_read_entry(uint64_t pa, uint64_t& value) override { return m_direct.debug_read_entry(pa, value); }

 private:
    DirectPhysicalAccess m_direct;
    OsStats& m_stats;
};

class OsModel {
 public:
    static constexpr unsigned kDynamicAsids = 6;       // TLB_NR_DYN_ASIDS
    static constexpr uint16_t kUserPcidBit = 0x800;    // X86_CR3_PTI_PCID_USER_BIT (11)

    // Boots: memory, buddy allocator, gigantic pool, kernel mappings, the MMU
    // in long mode with PGE (and PCIDE unless pcid=off). Throws OsError or
    // ConfigError on bad settings.
    // With `caches`, the walker's reads go through them (tlmmu/cache/walk_port.h)
    // instead of costing memory.latency each; they must outlive the model.
    // `smp` gives the CPUs (smp.cpus) and the cost of IPIs and INVLPGB.
    OsModel(const MmuConfig& mmu_config, const OsConfig& config, cache::Hierarchy* caches = nullptr,
            const machine::SmpConfig& smp = {});

    // The CPU the model acts on now: scheduling, faults, trace control
    // events and address-space events happen there (CPU 0 until selected).
    void select_cpu(unsigned cpu) {
        m_cpu = cpu;
        m_mmu = &m_machine.cpu(cpu).mmu;
        m_here = &m_cpu_states[cpu];
    }
    unsigned current_cpu() const { return m_cpu; }
    unsigned cpus() const { return m_machine.size(); }
    Mmu& mmu() { return *m_mmu; }
    const Mmu& mmu() const { return *m_mmu; }
    machine::Machine& machine() { return m_machine; }
    const machine::Machine& machine() const { return m_machine; }
    const OsConfig& config() const { return m_config; }
    const OsStats& stats() const { return m_stats; }
    const BuddyAllocator& buddy() const { return m_buddy; }
    SparseMemory& memory() { return m_memory; }
    // The walker's port through the data caches; null without them.
    cache::CachedWalkPort* cached_port() { return m_cached_port.get(); }
    const PageTableBuilder& builder() const { return m_builder; }

    // A new address space (process); returns its index.
    unsigned create_process();
    unsigned processes() const { return unsigned(m_processes.size()); }
    // Root of the process's full tables (its kernel CR3), and of the
    // user-only tables under KPTI (the same root without KPTI).
    uint64_t kernel_root(unsigned process) const { return m_processes.at(process).kernel_root; }
    uint64_t user_root(unsigned process) const { return m_processes.at(process).user_root; }
    // The process the current CPU runs; -1 before its first schedule and
    // while it is idle.
    int active() const { return m_here->active; }
    // mm_cpumask: the CPUs that run `process` now (a CPU leaves the mask when
    // it switches to another process or goes idle).
    machine::CpuMask cpumask(unsigned process) const { return m_processes.at(process).cpumask; }
    // Shootdowns the CPU initiated.
    uint64_t shootdowns_by(unsigned cpu) const { return m_cpu_states.at(cpu).shootdowns; }

    // The timer interrupt or an exit hands the CPU to a thread of `process`:
    // kernel entry, switch_mm if the process changes, return to user.
    void schedule(unsigned process, bool timer_tick);
    // The current CPU has no thread left to run: it leaves its address space.
    void idle();

    // Address-space events of the current CPU's process over `pages` 4 KiB
    // pages from `va` (4 KiB aligned): edit the page tables, then shoot the
    // changed range down (os.shootdown) on the CPUs of the process's mask.
    void unmap(uint64_t va, uint64_t pages);   // munmap: clear, free the frames
    void drop(uint64_t va, uint64_t pages);    // madvise(MADV_DONTNEED): as unmap
    void protect(uint64_t va, uint64_t pages, uint8_t rights);  // mprotect to prot:: rights
    // A MOV CR3 recorded in a native trace: `process`'s tables, with the
    // trace's PCID and no-flush hint (dropped when PCIDs are off).
    void trace_cr3_write(unsigned process, uint16_t pcid, bool noflush);
    // Other control events of native traces.
    void trace_invlpg(uint64_t va);
    void trace_invpcid(unsigned type, uint16_t pcid, uint64_t va);

    // A user-mode access with demand paging: translate; on a #PF the handler
    // maps the page or upgrades its rights and the access is retried.
    Translation access(uint64_t va, AccessType type) {
        Access a;
        a.va = va;
        a.type = type;
        a.user = true;
        Translation t = m_mmu->translate(a);
        if (__builtin_expect(bool(t.fault), 0)) return resolve(a, t.fault);
        return t;
    }

    // access() for the replay loop, which needs no result: the translation
    // stays local, so the compiler drops what the caller would not read.
    // `mmu` is mmu() (the current CPU's), which the loop holds in a register.
    void replay_access(Mmu& mmu, uint64_t va, AccessType type) {
        Access a;
        a.va = va;
        a.type = type;
        a.user = true;
        const Translation t = mmu.translate(a);
        if (__builtin_expect(bool(t.fault), 0)) resolve(a, t.fault);
    }

    // replay_access that also gives the physical address, for the data
    // caches; false when the access still faults after the handler.
    bool replay_access(Mmu& mmu, uint64_t va, AccessType type, uint64_t& pa) {
        Access a;
        a.va = va;
        a.type = type;
        a.user = true;
        const Translation t = mmu.translate(a);
        if (__builtin_expect(!t.fault, 1)) {
            pa = t.pa;
            return true;
        }
        const Translation retried = resolve(a, t.fault);
        pa = retried.pa;
        return retried.ok();
    }

    // The bytes from va to the end of the page that maps it now (a debug
    // translation: no side effects), for splitting an access that may cross.
    uint64_t bytes_left_in_page(uint64_t va, AccessType type) const {
        Access a;
        a.va = va;
        a.type = type;
        a.user = true;
        return tlmmu::bytes_left_in_page(m_mmu->translate_debug(a), va);
    }

    // The entry at `level` translating va in the tables at `root`, or 0 when
    // a higher level is not present (a leaf above `level` is returned as is).
    uint64_t entry_at(uint64_t root, uint64_t va, unsigned level) const;

    // The MMU statistics counted from now on (boot excluded).
    void start_measuring() { m_machine.reset_stats(); }

 private:
    struct Process {
        uint64_t kernel_root = 0;
        uint64_t user_root = 0;
        uint64_t ctx_id = 0;   // mm->context.ctx_id: never reused
        uint64_t tlb_gen = 0;  // mm->context.tlb_gen
        machine::CpuMask cpumask = 0;  // mm_cpumask
    };
    struct AsidSlot {
        uint64_t ctx_id = 0;  // 0: never used
        uint64_t tlb_gen = 0;
    };
    // What the kernel keeps per CPU (cpu_tlbstate).
    struct CpuState {
        int active = -1;           // loaded_mm; -1: none (boot, idle)
        uint16_t kernel_pcid = 0;  // PCID of the active process's kernel tables
        AsidSlot asids[kDynamicAsids];
        unsigned next_asid = 0;
        std::vector<bool> user_pcid_flush = std::vector<bool>(4096, false);  // KPTI: flush the user PCID on return to user
        uint64_t shootdowns = 0;   // initiated here
    };
    enum class RangeChange : uint8_t { unmap, drop, protect };
    // The part of a range an event changed: what the flush must cover.
    struct ChangedRange {
        uint64_t start = ~0ull, end = 0;
        unsigned stride_shift = 0;  // 12, 21 or 30: smallest page size changed
        uint64_t entries = 0;
    };

    Translation resolve(const Access& access, Fault fault);  // out of line: the rare path
    bool fix_fault(const Access& access, uint32_t error_code);
    void map_on_demand(uint64_t va, AccessType type);
    uint64_t allocate_frames(unsigned order, const char* what);
    uint64_t allocate_table();
    void share_top_entry(const Process& p, uint64_t va);  // KPTI: user tables see the user half
    void write_cr3(uint64_t value);
    void switch_mm(unsigned next);
    void set_active(int process);  // loaded_mm and mm_cpumask
    void change_range(RangeChange what, uint64_t va, uint64_t pages, uint8_t rights);
    bool change_leaf(RangeChange what, uint64_t slot, uint64_t entry, unsigned level, uint8_t rights);
    void shoot_down(unsigned process, const ChangedRange& range);
    uint64_t flush_here(unsigned cpu, unsigned process, const ChangedRange& range, bool full);
    void broadcast(unsigned process, const ChangedRange& range, bool full);
    bool is_protnone_fault(uint64_t va) const;
    void kernel_entry();
    void kernel_exit();
    void touch_kernel();
    void boot_kernel_mappings();
    void pin_fragments();


    OsConfig m_config;
    OsStats m_stats;
    SparseMemory m_memory;
    LevelCountingPort m_port;
    std::unique_ptr<cache::CachedWalkPort> m_cached_port;  // over m_port, when caches are on
    BuddyAllocator m_buddy;
    PageTableBuilder m_builder;
    machine::Machine m_machine;  // the CPUs, each an Mmu, all walking m_port
    Mmu* m_mmu;                  // the current CPU's
    std::vector<CpuState> m_cpu_states;
    CpuState* m_here;            // the current CPU's
    unsigned m_cpu = 0;
    std::vector<std::pair<uint64_t, unsigned>> m_to_free;  // frames (pa, order) freed after the flush
    bool m_protnone = false;     // a PROT_NONE entry exists: faults check for it

    std::vector<Process> m_processes;
    uint64_t m_template_root = 0;        // swapper_pg_dir: the kernel half every process copies
    std::vector<uint64_t> m_gigantic_pool;  // free 1 GiB frames (physical addresses)
    std::vector<uint64_t> m_kernel_text, m_kernel_data;  // kernel footprint (virtual addresses)
    uint64_t m_trampoline = 0;           // entry code mapped in the user tables too (KPTI)
};

}  // namespace tlmmu::os
