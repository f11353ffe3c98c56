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
      m_mmu(configured_mmu(options),
            m_cached_walk_port ? static_cast<PhysicalAccess&>(*m_cached_walk_port) : m_walk_port),
      m_uart(uart),
      m_clint(options.timer_divider),
      m_swap(ram, options.ram_base, options.swap_bytes / SwapDevice::kPageBytes, options.swap_latency,
             options.swap_bytes_per_cycle),
      m_ram_device(ram),
      m_hart(m_mmu, bus, m_clint.state(), options.ram_base, options.ram_bytes, timing(options)) {
    m_clint.on_write([this] { m_hart.interrupts_changed(); });
    m_host.on_exit([this](uint64_t value) {
        m_exit_value = value;
        m_hart.stop();
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
    m_hart.exclude_from_dmi(m_tohost);
    m_hart.exclude_from_dmi(m_tohost + HostInterface::kSize - 1);
    m_hart.reset(image.entry_paddr);
}

RunResult Board::run(const std::function<void(uint64_t cycles)>& sync) {
    RunResult result;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_seconds();
    const uint64_t quantum = std::max<uint64_t>(1, m_options.quantum_cycles);
    const uint64_t max_instr = m_options.max_instructions ? m_options.max_instructions : ~0ull;
    const uint64_t max_cycles = m_options.max_cycles ? m_options.max_cycles : ~0ull;
    double next_progress = m_options.progress_delay_seconds;
    for (;;) {
        const uint64_t cycles = m_hart.cycles();
        const uint64_t cycle_target = max_cycles - cycles <= quantum ? max_cycles : cycles + quantum;
        m_hart.run(max_instr, cycle_target);
        if (sync) sync(m_hart.cycles());
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        result.wall_seconds = wall;
        if (m_options.progress && wall >= next_progress) {
            m_options.progress({m_hart.instructions(), m_hart.cycles(), wall});
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
            break;
        }
        if (m_hart.trap_storm()) {
            result.stop = StopReason::trap_storm;
            result.message = "no progress: " + std::to_string(Hart::kTrapStormLimit) +
                             " traps in a row with no instruction retired; the last at pc " +
                             hex(m_hart.last_trap_pc()) + ", mcause " + hex(m_hart.last_trap_cause()) +
                             ", mtval " + hex(m_hart.last_trap_value()) + " (mtvec " + hex(m_hart.mtvec()) + ")";
            break;
        }
        if (m_hart.instructions() >= max_instr) {
            result.stop = StopReason::instruction_limit;
            result.message = "instruction limit reached: " + std::to_string(max_instr) +
                             " instructions executed without an exit (pc " + hex(m_hart.pc()) + ")";
            break;
        }
        if (m_hart.cycles() >= max_cycles) {
            result.stop = StopReason::time_limit;
            result.message = "simulated-time limit reached: " + std::to_string(m_hart.cycles()) + " cycles (pc " +
                             hex(m_hart.pc()) + ")";
            break;
        }
        if (m_options.max_wall_seconds > 0 && wall >= m_options.max_wall_seconds) {
            result.stop = StopReason::time_limit;
            result.message = "host-time limit reached: " + std::to_string(m_options.max_wall_seconds) + " s (pc " +
                             hex(m_hart.pc()) + ")";
            break;
        }
    }
    result.cpu_seconds = thread_cpu_seconds() - cpu_start;
    result.instructions = m_hart.instructions();
    result.cycles = m_hart.cycles();
    const Hart::Counters& c = m_hart.counters();
    result.hart.instructions = result.instructions;
    result.hart.cycles = result.cycles;
    result.hart.fetch_translations = c.fetch_translations;
    result.hart.data_translations = c.data_translations;
    result.hart.traps = c.traps;
    result.hart.interrupts = c.interrupts;
    result.hart.device_accesses = c.device_accesses;
    result.hart.decoded_pages = c.decoded_pages;
    result.stats = m_mmu.stats();
    return result;
}

}  // namespace tlmmu::platform
