#include "platform.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "board.h"
#include "sysc/sysc_platform.h"

namespace tlmmu::platform {

namespace {

constexpr uint64_t kMaxRamBytes = 16ull << 30;  // the hart keeps per-page tables over RAM

}  // namespace

const settings::Group<PlatformOptions>& platform_settings() {
    static const settings::Group<PlatformOptions> group = [] {
        settings::Group<PlatformOptions> g("platform", "Execution-driven platform (docs/platform.md)");
        g.integer("ram_base", &PlatformOptions::ram_base).unit("address").multiple_of(64 * 1024).doc("first RAM address");
        g.integer("ram_bytes", &PlatformOptions::ram_bytes)
            .unit("bytes")
            .range(64 * 1024, kMaxRamBytes)
            .multiple_of(64 * 1024)
            .alias("platform.ram_size")
            .doc("RAM size (the hart keeps per-page tables over RAM)");
        g.shared(settings::memory_settings(), "memory.latency", &PlatformOptions::memory_latency);
        g.integer("data_latency", &PlatformOptions::data_latency).unit("cycles").doc("added to every data load/store beyond the TLB latency");
        g.integer("device_latency", &PlatformOptions::device_latency).unit("cycles").doc("added to every device (UART, timer, tohost) access");
        g.integer("mul_cycles", &PlatformOptions::mul_cycles).unit("cycles").doc("extra cycles of mul/mulh*/mulw");
        g.integer("div_cycles", &PlatformOptions::div_cycles).unit("cycles").doc("extra cycles of div*/rem*");
        g.integer("csr_write_cycles", &PlatformOptions::csr_write_cycles).unit("cycles").doc("extra cycles of a CSR write (control CSRs add the MMU's cost)");
        g.integer("trap_cycles", &PlatformOptions::trap_cycles).unit("cycles").doc("extra cycles of taking a trap or mret");
        g.integer("swap_latency", &PlatformOptions::swap_latency).unit("cycles").doc("swap disk: fixed cycles of each 4 KiB transfer");
        g.real("swap_bytes_per_cycle", &PlatformOptions::swap_bytes_per_cycle).unit("bytes/cycle").positive()
            .doc("swap disk: transfer rate (4096 / this cycles per page on top of the latency)");
        g.integer("swap_bytes", &PlatformOptions::swap_bytes).unit("bytes").range(4096, 16ull << 30).multiple_of(4096)
            .doc("swap disk capacity");
        g.real("clock_ghz", &PlatformOptions::clock_ghz).unit("GHz").positive().doc("SystemC time per cycle = 1/clock_ghz ns");
        g.integer("timer_divider", &PlatformOptions::timer_divider).min(1).doc("mtime increments once per this many cycles");
        g.integer("quantum_cycles", &PlatformOptions::quantum_cycles).unit("cycles").min(1).doc("temporal-decoupling quantum (systemc backend)");
        g.integer("smp_quantum", &PlatformOptions::smp_quantum)
            .unit("instructions")
            .range(1, 1000000000)
            .doc("with several harts: instructions the hart with the smallest clock runs before the next is chosen");
        g.choice("fetch", &PlatformOptions::fetch,
                 {{"block", FetchGranularity::block}, {"instruction", FetchGranularity::instruction}})
            .doc("when instruction fetch looks the iTLB up again: on leaving a 64-byte block, or every instruction");
        g.choice("backend", &PlatformOptions::backend, {{"direct", Backend::direct}, {"systemc", Backend::systemc}})
            .doc("plain C++ wiring, or SystemC TLM-2.0 modules (one run per process)");
        g.integer("max_instructions", &PlatformOptions::max_instructions).doc("stop after this many instructions (0: no limit)");
        g.integer("max_cycles", &PlatformOptions::max_cycles).unit("cycles").doc("stop at this simulated time (0: no limit)");
        g.real("max_wall_seconds", &PlatformOptions::max_wall_seconds).unit("s").doc("stop after this much host time (0: no limit)");
        return g;
    }();
    return group;
}

std::vector<uint8_t> encode_parameter_block(const std::vector<GuestParameter>& params, uint64_t capacity) {
    constexpr size_t kEntry = kGuestParameterKeyBytes + 8;
    const uint64_t bytes = 16 + kEntry * uint64_t(params.size());
    if (bytes > capacity)
        throw ConfigError("the parameter block needs " + std::to_string(bytes) + " bytes for " +
                          std::to_string(params.size()) + " parameters; the firmware reserves " +
                          std::to_string(capacity));
    std::vector<uint8_t> block(bytes, 0);
    auto put = [&block](size_t at, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; ++i) block[at + i] = uint8_t(v >> (8 * i));
    };
    put(0, kGuestParameterMagic, 8);
    put(8, kGuestParameterVersion, 4);
    put(12, params.size(), 4);
    for (size_t i = 0; i < params.size(); ++i) {
        const GuestParameter& p = params[i];
        if (p.key.empty() || p.key.size() >= kGuestParameterKeyBytes)
            throw ConfigError("parameter key '" + p.key + "' must have 1.." +
                              std::to_string(kGuestParameterKeyBytes - 1) + " characters");
        const size_t at = 16 + i * kEntry;
        std::copy(p.key.begin(), p.key.end(), block.begin() + long(at));
        put(at + kGuestParameterKeyBytes, p.value, 8);
    }
    return block;
}

void PlatformOptions::set(const std::string& key, const std::string& value) {
    const std::string k = settings::lower(settings::trim(key));
    if (k.compare(0, 6, "cache.") == 0) {
        cache::apply_cache_setting(cache, settings::trim(key), value);
        cache::validate(cache);
        return;
    }
    // The hart count is smp.cpus (one name for the CPUs of a run); `cpus` is its short form here.
    if (k == "cpus" || k == "platform.cpus" || k.compare(0, 4, "smp.") == 0) {
        machine::apply_smp_setting(smp, k.compare(0, 4, "smp.") == 0 ? settings::trim(key) : "smp.cpus", value);
        machine::validate(smp);
        return;
    }
    platform_settings().apply(*this, key, value, true);
}

const char* to_string(StopReason r) {
    switch (r) {
        case StopReason::exited: return "exited";
        case StopReason::instruction_limit: return "instruction-limit";
        case StopReason::time_limit: return "time-limit";
        case StopReason::bad_elf: return "bad-elf";
        case StopReason::error: return "error";
        case StopReason::trap_storm: return "trap-storm";
    }
    return "?";
}

int process_exit_code(const RunResult& r) {
    switch (r.stop) {
        case StopReason::exited:
            return r.exit_code <= 0 ? (r.exit_code == 0 ? 0 : kMaxGuestExitCode)
                                    : std::min(r.exit_code, kMaxGuestExitCode);
        case StopReason::instruction_limit: return kExitInstructionLimit;
        case StopReason::time_limit: return kExitTimeLimit;
        case StopReason::bad_elf: return kExitBadElf;
        case StopReason::error: return kExitError;
        case StopReason::trap_storm: return kExitTrapStorm;
    }
    return kExitError;
}

RunResult run_elf(const std::string& path, const PlatformOptions& options, std::ostream& uart) {
    RunResult result;
    try {
        if (options.ram_bytes == 0 || options.ram_bytes % (64 * 1024))
            throw ConfigError("ram_bytes must be a non-zero multiple of 64 KiB");
        machine::validate(options.smp);
        if (options.backend == Backend::systemc) return run_elf_systemc(path, options, uart);
        SparseMemory ram(options.ram_bytes);
        DirectBus bus;
        Board board(options, ram, bus, uart);
        bus.attach(&board);
        const ElfImage image = load_elf_file(path, board.load_regions());
        board.load(image);
        result = board.run({});
    } catch (const ElfError& e) {
        result.stop = StopReason::bad_elf;
        result.message = std::string("refused ELF: ") + e.what();
    } catch (const ConfigError& e) {
        result.stop = StopReason::error;
        result.message = std::string("bad option: ") + e.what();
    } catch (const std::exception& e) {
        result.stop = StopReason::error;
        result.message = e.what();
    }
    uart.flush();
    return result;
}

std::string result_to_json(const RunResult& r, int indent) {
    nlohmann::ordered_json j;
    j["stop"] = to_string(r.stop);
    j["exit_code"] = r.exit_code;
    j["message"] = r.message;
    j["instructions"] = r.instructions;
    j["cycles"] = r.cycles;
    j["wall_seconds"] = r.wall_seconds;
    j["cpu_seconds"] = r.cpu_seconds;
    j["instructions_per_second"] = r.wall_seconds > 0 ? double(r.instructions) / r.wall_seconds : 0.0;
    j["instructions_per_cpu_second"] = r.cpu_seconds > 0 ? double(r.instructions) / r.cpu_seconds : 0.0;
    j["hart"] = {{"fetch_translations", r.hart.fetch_translations},
                 {"data_translations", r.hart.data_translations},
                 {"traps", r.hart.traps},
                 {"interrupts", r.hart.interrupts},
                 {"device_accesses", r.hart.device_accesses},
                 {"decoded_pages", r.hart.decoded_pages}};
    j["mmu"] = nlohmann::ordered_json::parse(stats_to_json(r.stats, -1));
    // Each hart's counters and MMU, and the machine's IPI/INVLPGB counters.
    if (!r.harts.empty()) {
        nlohmann::ordered_json harts = nlohmann::ordered_json::array();
        for (size_t i = 0; i < r.harts.size(); ++i) {
            const HartCounters& h = r.harts[i];
            nlohmann::ordered_json one = {{"hart", i},
                                          {"instructions", h.instructions},
                                          {"cycles", h.cycles},
                                          {"fetch_translations", h.fetch_translations},
                                          {"data_translations", h.data_translations},
                                          {"traps", h.traps},
                                          {"interrupts", h.interrupts},
                                          {"device_accesses", h.device_accesses},
                                          {"decoded_pages", h.decoded_pages}};
            if (i < r.hart_stats.size()) one["mmu"] = nlohmann::ordered_json::parse(stats_to_json(r.hart_stats[i], -1));
            harts.push_back(one);
        }
        j["harts"] = harts;
    }
    if (!r.smp_json.empty()) j["smp"] = nlohmann::ordered_json::parse(r.smp_json);
    return j.dump(indent);
}

}  // namespace tlmmu::platform
