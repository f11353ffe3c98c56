#include "board.h"

#include <algorithm>
#include <ctime>
#include <sstream>
#include <tuple>

namespace tlmmu::platform {

namespace {
constexpr uint64_t kDefaultTohost = 0x80001000ull;

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

std::string hex(uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}
}  // namespace

MmuConfig Board::configured_mmu(const PlatformOptions& options) {
    // RAM must not hide a device: the hart takes every RAM address to DMI.
    const uint64_t end = options.ram_base + options.ram_bytes;
    if (end < options.ram_base) throw ConfigError("RAM range wraps around the address space");
    for (const auto& [base, size, name] : {std::tuple<uint64_t, uint64_t, const char*>{Clint::kBase, Clint::kSize, "CLINT"},
                                           {Uart::kBase, Uart::kSize, "UART"},
                                           {SwapDevice::kBase, SwapDevice::kSize, "swap device"}})
        if (options.ram_base < base + size && base < end)
            throw ConfigError(std::string("RAM [") + hex(options.ram_base) + ", " + hex(end) + ") overlaps the " + name +
                              " at " + hex(base));
    MmuConfig config = options.mmu;
    validate(config);
    return config;
}

HartTiming Board::timing(const PlatformOptions& options) const {
    HartTiming t;
    t.data_caches = m_caches.get();
    t.data_latency = options.data_latency;
    t.mul_cycles = options.mul_cycles;
    t.div_cycles = options.div_cycles;
    t.csr_write_cycles = options.csr_write_cycles;
    t.trap_cycles = options.trap_cycles;
    t.timer_divider = options.timer_divider ? options.timer_divider : 1;
    t.fetch_every_instruction = options.fetch == FetchGranularity::instruction;
    return t;
}

Board::Board(const PlatformOptions& options, SparseMemory& ram, HartBus& bus, std::ostream& uart)
    : m_options(options),
      m_ram(ram),
      m_walk_port(ram, options.ram_base, options.memory_latency),
      m_caches(options.cache.enabled ? std::make_unique<cache::Hierarchy>(options.cache) : nullptr),
      m_cached_walk_port(m_caches ? std::make_unique<cache::CachedWalkPort>(m_walk_port, *m_caches) : nullptr),
      m_machine(configured_mmu(options), options.smp,
                m_cached_walk_port ? static_cast<PhysicalAccess&>(*m_cached_walk_port) : m_walk_port),
      m_uart(uart),
      m_clint(options.smp.cpus, options.timer_divider, options.smp.ipi_send, options.smp.ipi_latency),
      m_swap(ram, options.ram_base, options.swap_bytes / SwapDevice::kPageBytes, options.swap_latency,
             options.swap_bytes_per_cycle),
      m_ram_device(ram),
      m_shared(options.ram_bytes, options.smp.cpus) {
    if (options.smp_quantum == 0) throw ConfigError("platform.smp_quantum must be at least 1");
    for (unsigned i = 0; i < m_machine.size(); ++i)
        m_harts.push_back(std::make_unique<Hart>(m_machine, i, m_shared, bus, m_clint.state(i), options.ram_base,
                                                 options.ram_bytes, timing(options)));
    m_slice_stores.assign(m_harts.size(), 0);
    m_slice_instructions.assign(m_harts.size(), 0);
    m_clint.on_write([this](unsigned hart) { m_harts[hart]->interrupts_changed(); });
    m_clint.on_ipi([this](unsigned from, unsigned to) {
        ++m_machine.cpu(from).stats.ipis_sent;
        ++m_machine.cpu(to).stats.ipis_received;
    });
    m_host.on_exit([this](uint64_t value) {
        m_exit_value = value;
        m_harts[m_current]->stop();
    });
}

void Board::load(const ElfImage& image) {
    for (const ElfSegment& s : image.segments) {
        const uint64_t off = s.paddr - m_options.ram_base;
        // The rest of memsz stays zero: RAM starts zeroed and a board loads one image.
        if (s.filesz) m_ram.write(off, image.bytes.data() + s.offset, s.filesz);
    }
    if (!m_options.guest_params.empty()) {
        if (!image.params)
            throw ElfError("the firmware has no `tlmmu_params` symbol: it reads no parameter block");
        const std::vector<uint8_t> block = encode_parameter_block(m_options.guest_params, image.params_size);
        const uint64_t off = *image.params - m_options.ram_base;
        if (*image.params < m_options.ram_base || off + block.size() > m_options.ram_bytes)
            throw ElfError("the parameter block at `tlmmu_params` lies outside RAM");
        m_ram.write(off, block.data(), block.size());
    }
    m_tohost = image.tohost.value_or(kDefaultTohost);
    // tohost is decoded before RAM; its page leaves DMI so its writes reach the device.
    m_map.add("tohost", m_tohost, HostInterface::kSize, &m_host);
    m_map.add("uart", Uart::kBase, Uart::kSize, &m_uart);
    m_map.add("clint", Clint::kBase, Clint::kSize, &m_clint);
    m_map.add("swap", SwapDevice::kBase, SwapDevice::kSize, &m_swap);
    m_map.add("ram", m_options.ram_base, m_options.ram_bytes, &m_ram_device, true);
    // Every hart starts at the entry (the firmware parks the secondaries itself).
    for (auto& hart : m_harts) {
        hart->exclude_from_dmi(m_tohost);
        hart->exclude_from_dmi(m_tohost + HostInterface::kSize - 1);
        hart->reset(image.entry_paddr);
    }
}

int Board::next_hart(uint64_t max_cycles) const {
    int best = -1;
    uint64_t best_at = ~0ull;
    for (unsigned i = 0; i < m_harts.size(); ++i) {
        const Hart& h = *m_harts[i];
        if (h.stopped()) continue;
        const uint64_t at = h.sleeping() ? h.wake_time() : h.cycles();
        if (at == ~0ull || at >= max_cycles) continue;  // waits for another hart, or at the time limit
        if (at < best_at) {
            best = int(i);
            best_at = at;
        }
    }
    return best;
}

std::string Board::hart_states() const {
    std::string waiting, silent;
    for (unsigned i = 0; i < m_harts.size(); ++i) {
        const Hart& h = *m_harts[i];
        std::string state = "hart " + std::to_string(i) + " ";
        if (h.sleeping()) state += "in wfi at pc " + hex(h.pc());
        else if (h.instructions() > m_slice_instructions[i] && h.stores() == m_slice_stores[i])
            state += "spinning at pc " + hex(h.pc());
        else state += "running at pc " + hex(h.pc());
        if (!h.software_interrupt_enabled()) state += " (software interrupt masked)";
        // Silent: an IPI reached it and it has not answered (taken or cleared it).
        std::string& list = h.software_interrupt_pending() ? silent : waiting;
        list += (list.empty() ? "" : ", ") + state;
    }
    std::string out = waiting;
    if (!silent.empty()) out += std::string(out.empty() ? "" : "; ") + "silent (an IPI not taken): " + silent;
    return out;
}

namespace {

void add_structure(StructureStats& to, const StructureStats& from) {
    for (unsigned a = 0; a < kAccessTypes; ++a) {
        for (unsigned p = 0; p < kPageSizes; ++p) to.hits[a][p] += from.hits[a][p];
        for (unsigned p = 0; p <= kPageSizes; ++p) to.misses[a][p] += from.misses[a][p];
    }
    to.fills += from.fills;
    to.evictions += from.evictions;
    for (unsigned c = 0; c < kInvalidationCauses; ++c) to.invalidations[c] += from.invalidations[c];
}

void add_histogram(LatencyHistogram& to, const LatencyHistogram& from) {
    to.count += from.count;
    to.sum += from.sum;
    to.max = std::max(to.max, from.max);
    for (unsigned b = 0; b < LatencyHistogram::kBuckets; ++b) to.buckets[b] += from.buckets[b];
}

// Several MMUs' statistics as one (derived fields recomputed).
void add_stats(MmuStats& to, const MmuStats& from) {
    add_structure(to.l1i, from.l1i);
    add_structure(to.l1d, from.l1d);
    add_structure(to.l2, from.l2);
    for (unsigned l = 0; l < 6; ++l) {
        to.psc[l].lookups += from.psc[l].lookups;
        to.psc[l].hits += from.psc[l].hits;
        to.psc[l].fills += from.psc[l].fills;
        to.psc[l].evictions += from.psc[l].evictions;
        for (unsigned c = 0; c < kInvalidationCauses; ++c) to.psc[l].invalidations[c] += from.psc[l].invalidations[c];
    }
    WalkStats& w = to.walk;
    const WalkStats& f = from.walk;
    w.walks += f.walks;
    w.pt_reads += f.pt_reads;
    w.ad_updates += f.ad_updates;
    w.restarts += f.restarts;
    w.fills_suppressed += f.fills_suppressed;
    w.d_bit_assists += f.d_bit_assists;
    for (unsigned b = 0; b < WalkStats::kReadBuckets; ++b) w.reads_per_walk[b] += f.reads_per_walk[b];
    for (unsigned l = 0; l < 6; ++l) w.started_from[l] += f.started_from[l];
    add_histogram(to.latency, from.latency);
    add_histogram(to.walk_latency, from.walk_latency);
    to.untranslated += from.untranslated;
    for (unsigned k = 0; k < 4; ++k) to.faults[k] += from.faults[k];
    for (unsigned o = 0; o < kOperations; ++o) {
        to.ops[o].count += from.ops[o].count;
        to.ops[o].faults += from.ops[o].faults;
        to.ops[o].cycles += from.ops[o].cycles;
    }
}

}  // namespace

void Board::collect(RunResult& result) const {
    result.instructions = 0;
    result.cycles = 0;
    result.hart = HartCounters();
    result.harts.clear();
    result.hart_stats.clear();
    for (unsigned i = 0; i < m_harts.size(); ++i) {
        const Hart& h = *m_harts[i];
        const Hart::Counters& c = h.counters();
        HartCounters hc;
        hc.instructions = h.instructions();
        hc.cycles = h.cycles();
        hc.fetch_translations = c.fetch_translations;
        hc.data_translations = c.data_translations;
        hc.traps = c.traps;
        hc.interrupts = c.interrupts;
        hc.device_accesses = c.device_accesses;
        hc.decoded_pages = c.decoded_pages;
        result.harts.push_back(hc);
        result.hart_stats.push_back(m_machine.cpu(i).mmu.stats());
        result.instructions += hc.instructions;
        result.cycles = std::max(result.cycles, hc.cycles);
        HartCounters& t = result.hart;
        t.fetch_translations += hc.fetch_translations;
        t.data_translations += hc.data_translations;
        t.traps += hc.traps;
        t.interrupts += hc.interrupts;
        t.device_accesses += hc.device_accesses;
        t.decoded_pages += hc.decoded_pages;
    }
    result.hart.instructions = result.instructions;
    result.hart.cycles = result.cycles;
    if (m_harts.size() == 1) {
        result.stats = result.hart_stats[0];
    } else {
        result.stats = MmuStats();
        for (const MmuStats& s : result.hart_stats) add_stats(result.stats, s);
        result.stats.derive();
    }
    result.smp_json = machine::smp_stats_json(m_machine, -1);
}

RunResult Board::run(const std::function<void(uint64_t cycles)>& sync) {
    RunResult result;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_seconds();
    const uint64_t quantum = std::max<uint64_t>(1, m_options.quantum_cycles);
    const uint64_t max_instr = m_options.max_instructions ? m_options.max_instructions : ~0ull;
    const uint64_t max_cycles = m_options.max_cycles ? m_options.max_cycles : ~0ull;
    // One hart runs a whole time quantum per call; several take turns every smp_quantum instructions.
    const uint64_t turn = m_harts.size() == 1 ? ~0ull : m_options.smp_quantum;
    const bool several = m_harts.size() > 1;
    double next_progress = m_options.progress_delay_seconds;
    uint64_t retired = 0;  // all harts
    for (const auto& h : m_harts) retired += h->instructions();
    uint64_t synced = 0;
    uint64_t turns = 0;
    auto pc_of = [&](const Hart& h) {
        return several ? "hart " + std::to_string(h.id()) + " pc " + hex(h.pc()) : "pc " + hex(h.pc());
    };
    for (;;) {
        const int next = next_hart(max_cycles);
        if (next < 0) {
            // Every hart is asleep with nothing to wake it, or at the time limit.
            bool asleep = false;
            for (const auto& h : m_harts) asleep |= h->sleeping() && h->wake_time() == ~0ull;
            uint64_t latest = 0;
            for (const auto& h : m_harts) latest = std::max(latest, h->cycles());
            result.stop = StopReason::time_limit;
            result.message = asleep && latest < max_cycles
                                 ? "no hart can run: every hart waits in wfi for an interrupt nobody will send (" +
                                       hart_states() + ")"
                                 : "simulated-time limit reached: " + std::to_string(latest) + " cycles (" +
                                       (several ? hart_states() : "pc " + hex(m_harts[0]->pc())) + ")";
            break;
        }
        m_current = unsigned(next);
        Hart& hart = *m_harts[m_current];
        machine::Cpu& cpu = m_machine.cpu(m_current);
        if (hart.sleeping()) hart.wake();
        // INVLPGBs that reached this hart by its clock are applied; the next
        // one due ends its turn (a broadcast takes effect at its time).
        cpu.now = hart.cycles();
        m_machine.settle(m_current);
        const uint64_t cycles = hart.cycles();
        uint64_t cycle_target = max_cycles - cycles <= quantum ? max_cycles : cycles + quantum;
        cycle_target = std::min(cycle_target, m_machine.next_broadcast_due(m_current));
        const uint64_t left = max_instr - std::min(max_instr, retired);
        const uint64_t instr_target = hart.instructions() + std::min(left, turn);
        m_clint.set_requester(m_current);
        m_slice_stores[m_current] = hart.stores();
        m_slice_instructions[m_current] = hart.instructions();
        const uint64_t before = hart.instructions();
        hart.run(instr_target, cycle_target);
        retired += hart.instructions() - before;
        cpu.now = hart.cycles();
        // Simulated time: the smallest clock (a sleeping hart's wake-up time).
        uint64_t now = hart.cycles();
        if (several) {
            now = ~0ull;
            for (const auto& h : m_harts)
                if (!h->stopped()) now = std::min(now, h->sleeping() ? h->wake_time() : h->cycles());
            if (now == ~0ull) now = hart.cycles();
        }
        if (sync && (!several || (now > synced && now - synced >= quantum))) {
            sync(now);
            synced = now;
        }
        // Host time is read after every slice of one hart (a time quantum) and
        // every 16th turn of several (a turn is short; reading the clock is not free).
        if (several && (++turns & 15) != 0 && !m_exit_value && !hart.trap_storm() && retired < max_instr) continue;
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        result.wall_seconds = wall;
        if (m_options.progress && wall >= next_progress) {
            m_options.progress({retired, now, wall});
            next_progress = wall + m_options.progress_interval_seconds;
        }
        if (m_exit_value) {
            const uint64_t v = *m_exit_value;
            if (v & 1) {
                result.stop = StopReason::exited;
                result.exit_code = int(std::min<uint64_t>(v >> 1, uint64_t(1) << 30));
                result.message = (v >> 1) == 0 ? "guest passed (tohost = 1)"
                                               : "guest failed with code " + std::to_string(v >> 1) +
                                                     " (tohost = " + hex(v) + ")";
            } else {
                result.stop = StopReason::error;
                result.message = "guest wrote tohost = " + hex(v) +
                                 ": an HTIF request (bit 0 clear), which this platform does not serve";
            }
            if (several && result.stop != StopReason::exited) result.message += " (hart " + std::to_string(m_current) + ")";
            break;
        }
        if (hart.trap_storm()) {
            result.stop = StopReason::trap_storm;
            result.message = std::string("no progress: ") + (several ? "hart " + std::to_string(m_current) + ": " : "") +
                             std::to_string(Hart::kTrapStormLimit) +
                             " traps in a row with no instruction retired; the last at pc " +
                             hex(hart.last_trap_pc()) + ", mcause " + hex(hart.last_trap_cause()) +
                             ", mtval " + hex(hart.last_trap_value()) + " (mtvec " + hex(hart.mtvec()) + ")";
            break;
        }
        if (retired >= max_instr) {
            result.stop = StopReason::instruction_limit;
            result.message = "instruction limit reached: " + std::to_string(max_instr) +
                             " instructions executed without an exit (" + (several ? hart_states() : pc_of(hart)) + ")";
            break;
        }
        if (!several && hart.cycles() >= max_cycles) {
            result.stop = StopReason::time_limit;
            result.message = "simulated-time limit reached: " + std::to_string(hart.cycles()) + " cycles (pc " +
                             hex(hart.pc()) + ")";
            break;
        }
        if (m_options.max_wall_seconds > 0 && wall >= m_options.max_wall_seconds) {
            result.stop = StopReason::time_limit;
            result.message = "host-time limit reached: " + std::to_string(m_options.max_wall_seconds) + " s (" +
                             (several ? hart_states() : pc_of(hart)) + ")";
            break;
        }
    }
    result.cpu_seconds = thread_cpu_seconds() - cpu_start;
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    collect(result);
    return result;
}

}  // namespace tlmmu::platform
