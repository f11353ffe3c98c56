#include "tlmmu/os/os_model.h"

#include <algorithm>
#include <random>
#include "tlmmu/settings/parse.h"

namespace tlmmu::os {

namespace {

constexpr uint64_t kAddressBits = 0x000ffffffffff000ull;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kLowReserved = 1ull << 20;  // real-mode/BIOS area, never given to the buddy allocator
// A PROT_NONE leaf: present bit clear, the frame kept. Bit 9 is free for
// software in any entry whose present bit is clear (SDM 4.5, "ignored").
constexpr uint64_t kProtNone = 1ull << 9;

// Kernel footprint and entry trampoline, at Linux's x86-64 addresses:
// kernel text (__START_KERNEL_map + 16 MiB), the direct map (page_offset_base)
// and the cpu_entry_area, which KPTI keeps mapped in the user tables.
constexpr uint64_t kKernelText = 0xffffffff81000000ull;
constexpr uint64_t kKernelData = 0xffff888000100000ull;
constexpr uint64_t kEntryArea = 0xfffffe0000000000ull;

bool is_leaf(uint64_t entry, unsigned level) { return level == 1 || ((entry & pte::PS) && level <= 3); }

}  // namespace

const char* to_string(PcidMode mode) {
    switch (mode) {
        case PcidMode::off: return "off";
        case PcidMode::on: return "on";
        case PcidMode::noflush: return "noflush";
    }
    return "?";
}

const char* to_string(ShootdownMode mode) { return mode == ShootdownMode::ipi ? "ipi" : "invlpgb"; }

const settings::Group<OsConfig>& os_settings_group() {
    static const settings::Group<OsConfig> group = [] {
        settings::Group<OsConfig> g("os", "OS model of trace mode (docs/os-model.md)");
        g.choice("page_size", &OsConfig::page_size, {{"4k", PageSize::k4}, {"2m", PageSize::m2}, {"1g", PageSize::g1}})
            .doc("largest page the fault handler maps (2m: THP-like, 1g: from the gigantic pool)");
        g.integer("quantum", &OsConfig::quantum).unit("records").min(1).doc("trace records a thread runs before the timer interrupt");
        g.choice("pcid", &OsConfig::pcid, {{"off", PcidMode::off}, {"on", PcidMode::on}, {"noflush", PcidMode::noflush}})
            .doc("PCID policy: off (CR4.PCIDE=0), on (a PCID per process), noflush (Linux's six dynamic ASIDs)");
        g.boolean("kpti", &OsConfig::kpti, "on", "off").doc("page-table isolation: user-only tables and PCID per process");
        g.integer("memory", &OsConfig::memory_bytes)
            .unit("bytes")
            .range(16ull << 20, 1ull << 46)
            .multiple_of(4096)
            .doc("simulated physical memory");
        g.integer("levels", &OsConfig::levels).range(4, 5).doc("paging levels (5: CR4.LA57)");
        g.integer("seed", &OsConfig::seed).doc("placement of the frames pinned by os.fragment");
        g.integer("fragment", &OsConfig::fragment_percent).unit("%").range(0, 90).doc("share of frames pinned at boot, scattered");
        g.text("gigantic_pages", "`auto` or a count",
               [](OsConfig& c, const std::string& key, const std::string& v) {
                   if (settings::lower(v) == "auto") {
                       c.gigantic_pages = -1;
                       return;
                   }
                   const uint64_t n = settings::unsigned_value(key, v);
                   if (n > (1u << 20)) throw ConfigError(key + ": " + settings::quoted(v) + " is out of range (auto or 0..1048576)");
                   c.gigantic_pages = int64_t(n);
               },
               [](const OsConfig& c) { return std::to_string(c.gigantic_pool()); })
            .default_text("auto")
            .unit("pages")
            .doc("boot-time pool of 1 GiB pages; auto: 1 with os.page_size=1g, else 0");
        g.shared(settings::memory_settings(), "memory.latency", &OsConfig::memory_latency);
        g.integer("fault_cycles", &OsConfig::fault_cycles).unit("cycles").doc("page-fault handler cost, besides zeroing");
        g.integer("zero_cycles", &OsConfig::zero_cycles).unit("cycles").doc("zeroing 4 KiB (data pages and page tables)");
        g.integer("kernel_pages", &OsConfig::kernel_pages)
            .unit("pages")
            .range(0, 4096)
            .doc("kernel pages touched on every kernel entry (0: none)");
        g.choice("shootdown", &OsConfig::shootdown, {{"ipi", ShootdownMode::ipi}, {"invlpgb", ShootdownMode::invlpgb}})
            .doc("how unmap/protect/drop events reach the other CPUs: ipi (IPIs to the address space's CPUs) or invlpgb (AMD INVLPGB + TLBSYNC)");
        g.integer("flush_ceiling", &OsConfig::flush_ceiling)
            .unit("pages")
            .range(0, 1u << 20)
            .doc("pages a shootdown flushes one by one; more flush the whole address space (Linux's tlb_single_page_flush_ceiling)");
        return g;
    }();
    return group;
}

void apply_os_setting(OsConfig& c, const std::string& key, const std::string& value) {
    try {
        os_settings_group().apply(c, key, value, true);
    } catch (const ConfigError& e) {
        throw OsError(e.what());
    }
}

void apply_os_setting(OsConfig& config, const std::string& key_equals_value) {
    std::string key, value;
    if (!settings::split_assignment(key_equals_value, key, value))
        throw OsError(settings::quoted(key_equals_value) + ": expected KEY=VALUE");
    apply_os_setting(config, key, value);
}

std::vector<std::pair<std::string, std::string>> os_settings(const OsConfig& c) {
    std::vector<std::pair<std::string, std::string>> out = os_settings_group().values(c);
    for (auto& kv : out)
        if (kv.first.compare(0, 3, "os.") == 0) kv.first.erase(0, 3);
    return out;
}

OsModel::OsModel(const MmuConfig& mmu_config, const OsConfig& config, cache::Hierarchy* caches,
                 const machine::SmpConfig& smp)
    : m_config(config),
      m_memory(config.memory_bytes),
      m_port(m_memory, config.memory_latency, m_stats),
      m_cached_port(caches ? std::make_unique<cache::CachedWalkPort>(m_port, *caches) : nullptr),
      m_buddy(config.memory_bytes / kPage),
      m_builder(m_memory, [this] { return allocate_table(); }, config.levels),
      m_machine(mmu_config, smp, m_cached_port ? static_cast<PhysicalAccess&>(*m_cached_port) : m_port),
      m_mmu(&m_machine.cpu(0).mmu),
      m_cpu_states(smp.cpus),
      m_here(&m_cpu_states[0]) {
    if (config.page_size == PageSize::g1 && !mmu_config.gb_pages)
        throw OsError("os.page_size=1g: the MMU configuration has no 1 GiB pages (gb_pages)");
    if (config.shootdown == ShootdownMode::invlpgb && !smp.invlpgb)
        throw OsError("os.shootdown=invlpgb: the CPUs have no INVLPGB (smp.invlpgb=off)");

    // Physical layout: low 1 MiB reserved, the gigantic pool at the top
    // (1 GiB aligned, taken before the buddy allocator sees the memory, as
    // hugetlb_cma / boot-time hugepages= do), the rest to the buddy allocator.
    const uint64_t pool = config.gigantic_pool();
    const uint64_t top = config.memory_bytes & ~((1ull << 30) - 1);
    if (pool && (pool << 30) + (256ull << 20) > top)
        throw OsError("os.gigantic_pages=" + std::to_string(pool) + ": os.memory=" +
                      std::to_string(config.memory_bytes) + " leaves no room for the pool and 256 MiB more");
    const uint64_t pool_start = top - (pool << 30);
    for (uint64_t i = 0; i < pool; ++i) m_gigantic_pool.push_back(top - ((i + 1) << 30));
    std::reverse(m_gigantic_pool.begin(), m_gigantic_pool.end());  // lowest first, popped from the back
    m_buddy.add_free_range(kLowReserved / kPage, pool_start / kPage);
    m_buddy.add_free_range(top / kPage, config.memory_bytes / kPage);
    if (config.fragment_percent) pin_fragments();

    boot_kernel_mappings();

    bool ok = true;
    for (unsigned i = 0; i < m_machine.size(); ++i) {
        Mmu& mmu = m_machine.cpu(i).mmu;
        ok &= mmu.write_efer(efer::LME | efer::NXE).ok();
        ok &= mmu.write_cr4(cr4::PAE | cr4::PGE | (config.levels == 5 ? cr4::LA57 : 0)).ok();
        ok &= mmu.write_cr3(m_template_root).ok();
        ok &= mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP).ok();
        if (config.pcid != PcidMode::off) ok &= mmu.write_cr4(mmu.regs().cr4 | cr4::PCIDE).ok();
    }
    if (!ok) throw OsError("boot: the MMU refused the long-mode set-up (check os.levels and the MMU configuration)");
    m_machine.reset_stats();
}

void OsModel::pin_fragments() {
    // Take every free frame, then give back all but a seeded random share:
    // the pinned frames are scattered, so large blocks become rare.
    std::vector<uint64_t> frames;
    frames.reserve(m_buddy.free_frames());
    for (uint64_t pfn; (pfn = m_buddy.allocate(0)) != BuddyAllocator::kNoFrame;) frames.push_back(pfn);
    std::mt19937_64 rng(m_config.seed);
    std::shuffle(frames.begin(), frames.end(), rng);
    const size_t keep = frames.size() * m_config.fragment_percent / 100;
    for (size_t i = keep; i < frames.size(); ++i) m_buddy.free(frames[i], 0);
    m_stats.pinned_frames = keep;
}

uint64_t OsModel::allocate_frames(unsigned order, const char* what) {
    const uint64_t pfn = m_buddy.allocate(order);
    if (pfn == BuddyAllocator::kNoFrame)
        throw OsError(std::string("out of simulated physical memory allocating ") + what + " (os.memory=" +
                      std::to_string(m_config.memory_bytes) + "; raise it)");
    return pfn * kPage;
}

uint64_t OsModel::allocate_table() {
    ++m_stats.table_pages;
    m_stats.fault_cycles += m_config.zero_cycles;  // the builder zeroes it
    return allocate_frames(0, "a page-table page");
}

void OsModel::boot_kernel_mappings() {
    m_template_root = m_builder.new_root();
    // Kernel pages are global unless KPTI is on (Linux clears _PAGE_GLOBAL
    // from the kernel mappings under PTI); the entry area always is.
    const uint64_t global = m_config.kpti ? 0 : pte::G;
    m_trampoline = kEntryArea;
    m_builder.map(m_template_root, kEntryArea, allocate_frames(0, "the entry area"), PageSize::k4, pte::G, pte::RW);
    const unsigned text = (m_config.kernel_pages + 1) / 2, data = m_config.kernel_pages / 2;
    for (unsigned i = 0; i < text; ++i) {
        m_kernel_text.push_back(kKernelText + i * kPage);
        m_builder.map(m_template_root, m_kernel_text.back(), allocate_frames(0, "kernel text"), PageSize::k4, global,
                      pte::RW);
    }
    for (unsigned i = 0; i < data; ++i) {
        m_kernel_data.push_back(kKernelData + i * kPage);
        m_builder.map(m_template_root, m_kernel_data.back(), allocate_frames(0, "kernel data"), PageSize::k4,
                      pte::RW | pte::XD | global, pte::RW);
    }
    m_stats.table_pages = 0;  // count the tables of processes only
    m_stats.fault_cycles = 0;
}

unsigned OsModel::create_process() {
    Process p;
    const unsigned top = m_config.levels;
    const unsigned half = 256;  // top-level entries 256..511 map the kernel half
    p.kernel_root = m_builder.new_root();
    for (unsigned i = half; i < 512; ++i)
        m_builder.write(p.kernel_root + 8 * i, m_builder.read(m_template_root + 8 * i));
    if (m_config.kpti) {
        // The user tables: the user half shared with the kernel tables (Linux
        // writes user top-level entries to both copies), of the kernel half
        // only the entry area.
        p.user_root = m_builder.new_root();
        const unsigned entry = PagingGeometry::index(kEntryArea, top);
        m_builder.write(p.user_root + 8 * entry, m_builder.read(m_template_root + 8 * entry));
    } else {
        p.user_root = p.kernel_root;
    }
    p.ctx_id = m_processes.size() + 1;
    m_processes.push_back(p);
    m_stats.processes = m_processes.size();
    return unsigned(m_processes.size() - 1);
}

uint64_t OsModel::entry_at(uint64_t root, uint64_t va, unsigned level) const {
    uint64_t table = root;
    for (unsigned l = m_config.levels; l > level; --l) {
        const uint64_t e = m_builder.read(table + 8 * PagingGeometry::index(va, l));
        if (!(e & pte::P)) return 0;
        if (is_leaf(e, l)) return e;
        table = e & kAddressBits;
    }
    return m_builder.read(table + 8 * PagingGeometry::index(va, level));
}

void OsModel::share_top_entry(const Process& p, uint64_t va) {
    if (p.user_root == p.kernel_root) return;
    const uint64_t slot = 8 * PagingGeometry::index(va, m_config.levels);
    m_builder.write(p.user_root + slot, m_builder.read(p.kernel_root + slot));
}

void OsModel::map_on_demand(uint64_t va, AccessType type) {
    const Process& p = m_processes.at(size_t(m_here->active));
    const uint64_t root = p.kernel_root;
    // First touch decides the rights (docs/os-model.md): a fetch maps the
    // page executable and read-only, a load or store writable and NX.
    uint64_t flags = pte::US | (type == AccessType::fetch ? 0 : pte::RW | pte::XD);
    if (type == AccessType::write) flags |= pte::D;  // do_anonymous_page: pte_mkdirty on a write fault

    PageSize size = PageSize::k4;
    uint64_t pa = 0;
    if (m_config.page_size == PageSize::g1) {
        if (!m_gigantic_pool.empty() && !entry_at(root, va, 3)) {
            size = PageSize::g1;
            pa = m_gigantic_pool.back();
            m_gigantic_pool.pop_back();
        } else {
            ++m_stats.gigantic_fallbacks;
        }
    }
    if (size == PageSize::k4 && m_config.page_size >= PageSize::m2) {
        const uint64_t pfn = entry_at(root, va, 2) ? BuddyAllocator::kNoFrame : m_buddy.allocate(9);
        if (pfn != BuddyAllocator::kNoFrame) {
            size = PageSize::m2;
            pa = pfn * kPage;
        } else {
            ++m_stats.thp_fallbacks;
        }
    }
    if (size == PageSize::k4) pa = allocate_frames(0, "a 4 KiB page");
    m_builder.map(root, va & ~(page_bytes(size) - 1), pa, size, flags, pte::RW | pte::US);
    share_top_entry(p, va);
    ++m_stats.mapped[unsigned(size)];
    ++m_stats.demand_faults;
    m_stats.fault_cycles += m_config.fault_cycles + m_config.zero_cycles * (page_bytes(size) / kPage);
}

bool OsModel::fix_fault(const Access& access, uint32_t code) {
    if (!access.user || m_here->active < 0) return false;  // the kernel footprint is mapped at boot
    if (!(code & pf::P)) {
        // The upper half belongs to the kernel: a user access there is a
        // SIGSEGV, not a page to map (and its top-level entries are shared).
        if (access.va >> (PagingGeometry{m_config.levels}.va_bits() - 1)) return false;
        // A PROT_NONE page is not mapped again: the program would get SIGSEGV.
        if (m_protnone && is_protnone_fault(access.va)) {
            ++m_stats.protnone_faults;
            return false;
        }
        map_on_demand(access.va, access.type);
        return true;
    }
    if (code & (pf::RSVD | pf::PK)) return false;
    const uint64_t root = m_processes[size_t(m_here->active)].kernel_root;
    const unsigned level = m_builder.leaf_level_of(root, access.va);
    if (!level) return false;
    const uint64_t slot = m_builder.entry_address(root, access.va, level);
    const uint64_t e = m_builder.read(slot);
    uint64_t updated = e;
    if (code & pf::ID) updated &= ~pte::XD;           // code in a data page: make it W+X
    else if (code & pf::W) updated |= pte::RW | pte::D;  // a write to a code page: make it writable
    if (updated == e) return false;
    m_builder.write(slot, updated);
    // The #PF already dropped the stale translation (SDM 4.10.4.1); the
    // kernel flushes the page anyway after changing a present PTE.
    m_mmu->invlpg(access.va);
    ++m_stats.protection_faults;
    m_stats.fault_cycles += m_config.fault_cycles;
    return true;
}

Translation OsModel::resolve(const Access& access, Fault fault) {
    Translation t;
    t.fault = fault;
    for (unsigned attempt = 0; attempt < 3 && t.fault; ++attempt) {
        if (t.fault.kind != FaultKind::pf || !fix_fault(access, t.fault.error_code)) break;
        t = m_mmu->translate(access);
    }
    if (t.fault) ++m_stats.unresolved_faults;
    return t;
}

void OsModel::write_cr3(uint64_t value) {
    ++m_stats.cr3_writes;
    if (value & cr3::NOFLUSH) ++m_stats.cr3_noflush;
    m_mmu->write_cr3(value);
}

void OsModel::touch_kernel() {
    if (!m_config.kernel_pages) return;
    Access a;
    a.user = false;
    for (uint64_t va : m_kernel_text) {
        a.va = va;
        a.type = AccessType::fetch;
        m_mmu->translate(a);
    }
    for (uint64_t va : m_kernel_data) {
        a.va = va;
        a.type = AccessType::read;
        m_mmu->translate(a);
    }
    m_stats.kernel_accesses += m_kernel_text.size() + m_kernel_data.size();
}

void OsModel::kernel_entry() {
    ++m_stats.kernel_entries;
    if (m_config.kernel_pages) {  // the entry code runs from the entry area, under the user CR3
        Access a;
        a.va = m_trampoline;
        a.type = AccessType::fetch;
        m_mmu->translate(a);
        ++m_stats.kernel_accesses;
    }
    if (m_config.kpti && m_here->active >= 0) {
        // SWITCH_TO_KERNEL_CR3: the kernel PCID, always with the no-flush bit.
        const bool pcide = m_mmu->regs().pcide();
        write_cr3(kernel_root(unsigned(m_here->active)) | (pcide ? m_here->kernel_pcid | cr3::NOFLUSH : 0));
    }
    touch_kernel();
}

void OsModel::kernel_exit() {
    if (!m_config.kpti || m_here->active < 0) return;
    // SWITCH_TO_USER_CR3: the user PCID, flushed only if switch_mm flushed
    // the kernel PCID since (user_pcid_flush_mask).
    if (m_mmu->regs().pcide()) {
        const uint16_t user_pcid = m_here->kernel_pcid | kUserPcidBit;
        const bool flush = m_here->user_pcid_flush[m_here->kernel_pcid];
        m_here->user_pcid_flush[m_here->kernel_pcid] = false;
        write_cr3(user_root(unsigned(m_here->active)) | user_pcid | (flush ? 0 : cr3::NOFLUSH));
    } else {
        write_cr3(user_root(unsigned(m_here->active)));
    }
}

void OsModel::switch_mm(unsigned next) {
    const Process& p = m_processes.at(next);
    uint16_t pcid = 0;
    bool flush = true;
    switch (m_config.pcid) {
        case PcidMode::off: break;
        case PcidMode::on: {
            const unsigned limit = m_config.kpti ? kUserPcidBit - 1 : 4095;
            if (next + 1 > limit)
                throw OsError("os.pcid=on: more than " + std::to_string(limit) +
                              " processes; use os.pcid=noflush (dynamic ASIDs)");
            pcid = uint16_t(next + 1);
            break;
        }
        case PcidMode::noflush: {
            // choose_new_asid(): a slot still holding this mm is reused, with
            // a flush only if the mm's tlb_gen moved on; otherwise the next
            // slot round robin is taken over and flushed.
            AsidSlot* const asids = m_here->asids;
            unsigned asid = kDynamicAsids;
            for (unsigned i = 0; i < kDynamicAsids; ++i)
                if (asids[i].ctx_id == p.ctx_id) asid = i;
            if (asid < kDynamicAsids) {
                flush = asids[asid].tlb_gen < p.tlb_gen;
                ++m_stats.asid_reuses;
            } else {
                asid = m_here->next_asid;
                m_here->next_asid = (m_here->next_asid + 1) % kDynamicAsids;
                ++m_stats.asid_allocations;
            }
            asids[asid] = {p.ctx_id, p.tlb_gen};
            pcid = uint16_t(asid + 1);  // kern_pcid(): PCID 0 is left to the boot tables
            break;
        }
    }
    const bool pcide = m_mmu->regs().pcide();
    write_cr3(p.kernel_root | pcid | (pcide && !flush ? cr3::NOFLUSH : 0));
    if (pcide && flush && m_config.kpti) m_here->user_pcid_flush[pcid] = true;
    m_here->kernel_pcid = pcid;
    set_active(int(next));
    ++m_stats.mm_switches;
}

void OsModel::set_active(int process) {
    // mm_cpumask: set on switching to an mm, cleared on switching away (the
    // rule of Linux 4.19 to 6.11, "stop remote flushes for the previous mm").
    const machine::CpuMask me = machine::CpuMask(1) << m_cpu;
    if (m_here->active >= 0) m_processes[size_t(m_here->active)].cpumask &= ~me;
    if (process >= 0) m_processes.at(size_t(process)).cpumask |= me;
    m_here->active = process;
}

void OsModel::idle() { set_active(-1); }

void OsModel::schedule(unsigned process, bool timer_tick) {
    if (timer_tick) ++m_stats.timer_ticks;
    if (m_here->active >= 0) kernel_entry();
    if (m_here->active != int(process)) switch_mm(process);
    else ++m_stats.thread_switches;
    kernel_exit();
}

void OsModel::trace_cr3_write(unsigned process, uint16_t pcid, bool noflush) {
    ++m_stats.control_events;
    uint64_t value = kernel_root(process);
    if (m_mmu->regs().pcide()) {
        value |= (pcid & cr3::PCID_MASK) | (noflush ? cr3::NOFLUSH : 0);
    } else if (pcid || noflush) {
        ++m_stats.pcid_ignored;
    }
    set_active(int(process));
    m_here->kernel_pcid = uint16_t(value & cr3::PCID_MASK);
    ++m_stats.cr3_writes;
    if (value & cr3::NOFLUSH) ++m_stats.cr3_noflush;
    if (!m_mmu->write_cr3(value).ok()) ++m_stats.control_faults;
}

void OsModel::trace_invlpg(uint64_t va) {
    ++m_stats.control_events;
    if (!m_mmu->invlpg(va).ok()) ++m_stats.control_faults;
}

void OsModel::trace_invpcid(unsigned type, uint16_t pcid, uint64_t va) {
    ++m_stats.control_events;
    if (!m_mmu->invpcid(type, pcid, va).ok()) ++m_stats.control_faults;
}

// ---------------------------------------------------------------------------
// Address-space events and shootdowns

void OsModel::unmap(uint64_t va, uint64_t pages) {
    ++m_stats.unmap_events;
    change_range(RangeChange::unmap, va, pages, 0);
}

void OsModel::drop(uint64_t va, uint64_t pages) {
    ++m_stats.drop_events;
    change_range(RangeChange::drop, va, pages, 0);
}

void OsModel::protect(uint64_t va, uint64_t pages, uint8_t rights) {
    ++m_stats.protect_events;
    change_range(RangeChange::protect, va, pages, rights);
}

bool OsModel::is_protnone_fault(uint64_t va) const {
    uint64_t table = m_processes.at(size_t(m_here->active)).kernel_root;
    for (unsigned l = m_config.levels; l >= 1; --l) {
        const uint64_t e = m_builder.read(table + 8 * PagingGeometry::index(va, l));
        if (!(e & pte::P)) return e & kProtNone;
        if (is_leaf(e, l)) return false;
        table = e & kAddressBits;
    }
    return false;
}

void OsModel::change_range(RangeChange what, uint64_t va, uint64_t pages, uint8_t rights) {
    m_stats.event_pages += pages;
    const int active = m_here->active;
    if (active < 0 || pages == 0) return;
    // Only the user half: the kernel half's tables are shared by every process.
    const uint64_t user_top = 1ull << (PagingGeometry{m_config.levels}.va_bits() - 1);
    if (va >= user_top) return;
    const uint64_t end = pages >= (user_top - va) >> 12 ? user_top : va + (pages << 12);
    const uint64_t root = m_processes[size_t(active)].kernel_root;
    ChangedRange changed;
    // Entry by entry; an absent table skips its whole span. A large page
    // partly inside the range changes whole (the model does not split it).
    for (uint64_t a = va & ~(kPage - 1); a < end;) {
        uint64_t table = root;
        unsigned level = m_config.levels;
        for (;; --level) {
            const uint64_t slot = table + 8 * PagingGeometry::index(a, level);
            const uint64_t e = m_builder.read(slot);
            const bool leaf = is_leaf(e, level);
            if (!(e & pte::P) && !(leaf && (e & kProtNone))) break;  // nothing mapped in this span
            if (leaf) {
                if (change_leaf(what, slot, e, level, rights)) {
                    const uint64_t span = 1ull << PagingGeometry::index_shift(level);
                    const uint64_t first = a & ~(span - 1);
                    changed.start = std::min(changed.start, first);
                    changed.end = std::max(changed.end, first + span);
                    const unsigned shift = PagingGeometry::index_shift(level);
                    changed.stride_shift = changed.entries ? std::min(changed.stride_shift, shift) : shift;
                    ++changed.entries;
                }
                break;
            }
            table = e & kAddressBits;
        }
        const uint64_t span = 1ull << PagingGeometry::index_shift(level);
        a = (a & ~(span - 1)) + span;
    }
    if (changed.entries) {
        ++m_processes[size_t(active)].tlb_gen;  // inc_mm_tlb_gen
        shoot_down(unsigned(active), changed);
    }
    // The frames go back once no CPU can reach them through a stale entry
    // (Linux's mmu_gather frees after the flush).
    for (const auto& f : m_to_free) {
        if (f.second == 18) m_gigantic_pool.push_back(f.first);
        else m_buddy.free(f.first / kPage, f.second);
    }
    m_to_free.clear();
}

bool OsModel::change_leaf(RangeChange what, uint64_t slot, uint64_t e, unsigned level, uint8_t rights) {
    const PageSize size = level == 1 ? PageSize::k4 : level == 2 ? PageSize::m2 : PageSize::g1;
    if (what == RangeChange::protect) {
        uint64_t updated = (e | pte::P) & ~(pte::RW | pte::XD | kProtNone);
        if (rights & prot::WRITE) updated |= pte::RW;  // x86 has no write-only page: writable is readable
        if (!(rights & prot::EXEC)) updated |= pte::XD;
        if (!rights) {  // PROT_NONE: not present, frame kept (Linux's _PAGE_PROTNONE)
            updated = (updated & ~pte::P) | kProtNone;
            m_protnone = true;
        }
        if (updated == e) return false;
        m_builder.write(slot, updated);
        ++m_stats.protected_entries;
        return bool(e & pte::P);  // a PROT_NONE entry was cached nowhere
    }
    // unmap, drop: clear the entry; its frame is freed after the flush.
    m_builder.write(slot, 0);
    const uint64_t pa = e & kAddressBits & ~(page_bytes(size) - 1);
    m_to_free.emplace_back(pa, size == PageSize::k4 ? 0u : size == PageSize::m2 ? 9u : 18u);
    ++m_stats.unmapped[unsigned(size)];
    return bool(e & pte::P);
}

void OsModel::shoot_down(unsigned process, const ChangedRange& range) {
    Process& p = m_processes[process];
    const uint64_t pages = (range.end - range.start) >> range.stride_shift;
    const bool full = pages > m_config.flush_ceiling;  // flush_tlb_mm_range: TLB_FLUSH_ALL above the ceiling
    const machine::CpuMask me = machine::CpuMask(1) << m_cpu;
    ++m_stats.shootdowns;
    ++m_here->shootdowns;
    if (full) ++m_stats.full_flushes;
    if (p.cpumask & ~me) ++m_stats.remote_shootdowns;
    if (m_config.shootdown == ShootdownMode::invlpgb) {
        broadcast(process, range, full);
        return;
    }
    // flush_tlb_multi: an IPI to every other CPU of the mask, the local flush
    // while they fly, then the wait for the acknowledgements.
    const machine::IpiResult r = m_machine.send_ipis(
        m_cpu, p.cpumask | me, [&](machine::Cpu& c) { return flush_here(c.id, process, range, full); });
    m_stats.shootdown_cycles += r.cycles;
}

uint64_t OsModel::flush_here(unsigned cpu, unsigned process, const ChangedRange& range, bool full) {
    CpuState& s = m_cpu_states[cpu];
    // A CPU that switched to another mm since has nothing to flush now: its
    // slot's tlb_gen is behind, so switch_mm flushes when it comes back.
    if (s.active != int(process)) return 0;
    machine::Cpu& c = m_machine.cpu(cpu);
    machine::FlushRequest q;
    q.scope = full ? machine::FlushRequest::Scope::pcid : machine::FlushRequest::Scope::pages;
    q.va = range.start;
    q.pages = unsigned((range.end - range.start) >> range.stride_shift);
    q.stride_shift = range.stride_shift;
    q.pcid = s.kernel_pcid;
    uint64_t cycles = machine::Machine::flush_on(c, q);
    if (m_config.kpti && c.mmu.regs().pcide()) {  // the user PCID too (flush_tlb_one_user with INVPCID)
        q.pcid = uint16_t(s.kernel_pcid | kUserPcidBit);
        cycles += machine::Machine::flush_on(c, q);
    }
    // This CPU is now up to date with the mm (f->new_tlb_gen).
    for (AsidSlot& slot : s.asids)
        if (slot.ctx_id == m_processes[process].ctx_id) slot.tlb_gen = m_processes[process].tlb_gen;
    return cycles;
}

void OsModel::broadcast(unsigned process, const ChangedRange& range, bool full) {
    // INVLPGB reaches every CPU. With os.pcid=on a process has one PCID on
    // every CPU and the broadcast names it; Linux's dynamic ASIDs differ per
    // CPU, so then it names no PCID and drops the addresses in every PCID (a
    // superset: never under-invalidate).
    const Process& p = m_processes[process];
    const bool fixed_pcid = m_config.pcid == PcidMode::on;
    std::vector<uint16_t> pcids{uint16_t(process + 1)};
    if (fixed_pcid && m_config.kpti) pcids.push_back(uint16_t((process + 1) | kUserPcidBit));
    if (!fixed_pcid) pcids = {0};
    const uint64_t start = m_machine.cpu(m_cpu).now;
    for (uint16_t pcid : pcids) {
        machine::InvlpgbOperands ops;
        if (fixed_pcid) {
            ops.rax |= machine::invlpgb_flag::PCID;
            ops.edx = uint32_t(pcid) << 16;
        }
        if (full) {
            m_machine.invlpgb(m_cpu, ops);
            continue;
        }
        // Chunks of at most smp.invlpgb_max_extra + 1 pages at a 4 KiB or
        // 2 MiB stride; a 1 GiB page is one INVLPGB of its own.
        const unsigned shift = range.stride_shift;
        const uint64_t chunk = shift > 21 ? 1 : uint64_t(m_machine.config().invlpgb_max_extra) + 1;
        for (uint64_t va = range.start; va < range.end;) {
            const uint64_t n = std::min<uint64_t>(chunk, (range.end - va) >> shift);
            machine::InvlpgbOperands o = ops;
            o.rax |= va | machine::invlpgb_flag::VA;
            o.ecx = uint32_t(n - 1) | (shift >= 21 ? machine::kInvlpgbStride2M : 0);
            m_machine.invlpgb(m_cpu, o);
            va += n << shift;
        }
    }
    m_machine.tlbsync(m_cpu);
    m_stats.shootdown_cycles += m_machine.cpu(m_cpu).now - start;
    // Every CPU has dropped the range: all are up to date with the mm.
    for (CpuState& s : m_cpu_states)
        for (AsidSlot& slot : s.asids)
            if (slot.ctx_id == p.ctx_id) slot.tlb_gen = p.tlb_gen;
}

}  // namespace tlmmu::os
