#include "tlmmu/os/os_model.h"

#include <algorithm>
#include <random>
#include "tlmmu/settings/parse.h"

namespace tlmmu::os {

namespace {

constexpr uint64_t kAddressBits = 0x000ffffffffff000ull;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kLowReserved = 1ull << 20;  // real-mode/BIOS area, never given to the buddy allocator

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

OsModel::OsModel(const MmuConfig& mmu_config, const OsConfig& config, cache::Hierarchy* caches)
    : m_config(config),
      m_memory(config.memory_bytes),
      m_port(m_memory, config.memory_latency, m_stats),
      m_cached_port(caches ? std::make_unique<cache::CachedWalkPort>(m_port, *caches) : nullptr),
      m_buddy(config.memory_bytes / kPage),
      m_builder(m_memory, [this] { return allocate_table(); }, config.levels),
      m_mmu(mmu_config, m_cached_port ? static_cast<PhysicalAccess&>(*m_cached_port) : m_port),
      m_user_pcid_flush(4096, false) {
    if (config.page_size == PageSize::g1 && !mmu_config.gb_pages)
        throw OsError("os.page_size=1g: the MMU configuration has no 1 GiB pages (gb_pages)");
    validate(mmu_config);

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

    bool ok = m_mmu.write_efer(efer::LME | efer::NXE).ok();
    ok &= m_mmu.write_cr4(cr4::PAE | cr4::PGE | (config.levels == 5 ? cr4::LA57 : 0)).ok();
    ok &= m_mmu.write_cr3(m_template_root).ok();
    ok &= m_mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP).ok();
    if (config.pcid != PcidMode::off) ok &= m_mmu.write_cr4(m_mmu.regs().cr4 | cr4::PCIDE).ok();
    if (!ok) throw OsError("boot: the MMU refused the long-mode set-up (check os.levels and the MMU configuration)");
    m_mmu.reset_stats();
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
    const Process& p = m_processes.at(size_t(m_active));
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
    if (!access.user || m_active < 0) return false;  // the kernel footprint is mapped at boot
    if (!(code & pf::P)) {
        // The upper half belongs to the kernel: a user access there is a
        // SIGSEGV, not a page to map (and its top-level entries are shared).
        if (access.va >> (PagingGeometry{m_config.levels}.va_bits() - 1)) return false;
        map_on_demand(access.va, access.type);
        return true;
    }
    if (code & (pf::RSVD | pf::PK)) return false;
    const uint64_t root = m_processes[size_t(m_active)].kernel_root;
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
    m_mmu.invlpg(access.va);
    ++m_stats.protection_faults;
    m_stats.fault_cycles += m_config.fault_cycles;
    return true;
}

Translation OsModel::resolve(const Access& access, Fault fault) {
    Translation t;
    t.fault = fault;
    for (unsigned attempt = 0; attempt < 3 && t.fault; ++attempt) {
        if (t.fault.kind != FaultKind::pf || !fix_fault(access, t.fault.error_code)) break;
        t = m_mmu.translate(access);
    }
    if (t.fault) ++m_stats.unresolved_faults;
    return t;
}

void OsModel::write_cr3(uint64_t value) {
    ++m_stats.cr3_writes;
    if (value & cr3::NOFLUSH) ++m_stats.cr3_noflush;
    m_mmu.write_cr3(value);
}

void OsModel::touch_kernel() {
    if (!m_config.kernel_pages) return;
    Access a;
    a.user = false;
    for (uint64_t va : m_kernel_text) {
        a.va = va;
        a.type = AccessType::fetch;
        m_mmu.translate(a);
    }
    for (uint64_t va : m_kernel_data) {
        a.va = va;
        a.type = AccessType::read;
        m_mmu.translate(a);
    }
    m_stats.kernel_accesses += m_kernel_text.size() + m_kernel_data.size();
}

void OsModel::kernel_entry() {
    ++m_stats.kernel_entries;
    if (m_config.kernel_pages) {  // the entry code runs from the entry area, under the user CR3
        Access a;
        a.va = m_trampoline;
        a.type = AccessType::fetch;
        m_mmu.translate(a);
        ++m_stats.kernel_accesses;
    }
    if (m_config.kpti && m_active >= 0) {
        // SWITCH_TO_KERNEL_CR3: the kernel PCID, always with the no-flush bit.
        const bool pcide = m_mmu.regs().pcide();
        write_cr3(kernel_root(unsigned(m_active)) | (pcide ? m_kernel_pcid | cr3::NOFLUSH : 0));
    }
    touch_kernel();
}

void OsModel::kernel_exit() {
    if (!m_config.kpti || m_active < 0) return;
    // SWITCH_TO_USER_CR3: the user PCID, flushed only if switch_mm flushed
    // the kernel PCID since (user_pcid_flush_mask).
    if (m_mmu.regs().pcide()) {
        const uint16_t user_pcid = m_kernel_pcid | kUserPcidBit;
        const bool flush = m_user_pcid_flush[m_kernel_pcid];
        m_user_pcid_flush[m_kernel_pcid] = false;
        write_cr3(user_root(unsigned(m_active)) | user_pcid | (flush ? 0 : cr3::NOFLUSH));
    } else {
        write_cr3(user_root(unsigned(m_active)));
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
            unsigned asid = kDynamicAsids;
            for (unsigned i = 0; i < kDynamicAsids; ++i)
                if (m_asids[i].ctx_id == p.ctx_id) asid = i;
            if (asid < kDynamicAsids) {
                flush = m_asids[asid].tlb_gen < p.tlb_gen;
                ++m_stats.asid_reuses;
            } else {
                asid = m_next_asid;
                m_next_asid = (m_next_asid + 1) % kDynamicAsids;
                ++m_stats.asid_allocations;
            }
            m_asids[asid] = {p.ctx_id, p.tlb_gen};
            pcid = uint16_t(asid + 1);  // kern_pcid(): PCID 0 is left to the boot tables
            break;
        }
    }
    const bool pcide = m_mmu.regs().pcide();
    write_cr3(p.kernel_root | pcid | (pcide && !flush ? cr3::NOFLUSH : 0));
    if (pcide && flush && m_config.kpti) m_user_pcid_flush[pcid] = true;
    m_kernel_pcid = pcid;
    m_active = int(next);
    ++m_stats.mm_switches;
}

void OsModel::schedule(unsigned process, bool timer_tick) {
    if (timer_tick) ++m_stats.timer_ticks;
    if (m_active >= 0) kernel_entry();
    if (m_active != int(process)) switch_mm(process);
    else ++m_stats.thread_switches;
    kernel_exit();
}

void OsModel::trace_cr3_write(unsigned process, uint16_t pcid, bool noflush) {
    ++m_stats.control_events;
    uint64_t value = kernel_root(process);
    if (m_mmu.regs().pcide()) {
        value |= (pcid & cr3::PCID_MASK) | (noflush ? cr3::NOFLUSH : 0);
    } else if (pcid || noflush) {
        ++m_stats.pcid_ignored;
    }
    m_active = int(process);
    m_kernel_pcid = uint16_t(value & cr3::PCID_MASK);
    ++m_stats.cr3_writes;
    if (value & cr3::NOFLUSH) ++m_stats.cr3_noflush;
    if (!m_mmu.write_cr3(value).ok()) ++m_stats.control_faults;
}

void OsModel::trace_invlpg(uint64_t va) {
    ++m_stats.control_events;
    if (!m_mmu.invlpg(va).ok()) ++m_stats.control_faults;
}

void OsModel::trace_invpcid(unsigned type, uint16_t pcid, uint64_t va) {
    ++m_stats.control_events;
    if (!m_mmu.invpcid(type, pcid, va).ok()) ++m_stats.control_faults;
}

}  // namespace tlmmu::os
