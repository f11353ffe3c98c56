#include "platform.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "board.h"
#include "sysc/sysc_platform.h"

namespace tlmmu::platform {

namespace {

constexpr uint64_t kMaxRamBytes = 16ull << 30;  // the hart keeps per-page tables over RAM

uint64_t parse_u64(const std::string& key, const std::string& value) {
    // Accepts decimal, 0x hex, and K/M/G suffixes (powers of 1024) for sizes.
    std::string v = value;
    uint64_t scale = 1;
    if (!v.empty()) {
        const char last = char(std::toupper(static_cast<unsigned char>(v.back())));
        if (last == 'K' || last == 'M' || last == 'G') {
            scale = last == 'K' ? 1ull << 10 : last == 'M' ? 1ull << 20 : 1ull << 30;
            v.pop_back();
        }
    }
    size_t used = 0;
    uint64_t n = 0;
    try {
        if (v.empty() || v[0] == '-') throw std::invalid_argument("sign");
        n = std::stoull(v, &used, 0);
    } catch (const std::exception&) {
        used = std::string::npos;
    }
    if (used != v.size()) throw ConfigError(key + " = '" + value + "': expected a non-negative integer");
    if (n > ~0ull / scale) throw ConfigError(key + " = '" + value + "': too large");
    return n * scale;
}

unsigned parse_unsigned(const std::string& key, const std::string& value) {
    const uint64_t n = parse_u64(key, value);
    if (n > 0xffffffffull) throw ConfigError(key + " = '" + value + "': too large");
    return unsigned(n);
}

double parse_double(const std::string& key, const std::string& value) {
    size_t used = 0;
    double d = 0;
    try {
        d = std::stod(value, &used);
    } catch (const std::exception&) {
        used = std::string::npos;
    }
    if (used != value.size() || !(d >= 0)) throw ConfigError(key + " = '" + value + "': expected a non-negative number");
    return d;
}

}  // namespace

void PlatformOptions::set(const std::string& key, const std::string& value) {
    if (key == "ram_bytes" || key == "ram_size") {
        ram_bytes = parse_u64(key, value);
        if (ram_bytes == 0 || ram_bytes % (64 * 1024))
            throw ConfigError(key + " = '" + value + "': must be a non-zero multiple of 64 KiB");
        if (ram_bytes > kMaxRamBytes) throw ConfigError(key + " = '" + value + "': at most 16 GiB");
    } else if (key == "ram_base") {
        ram_base = parse_u64(key, value);
        if (ram_base % (64 * 1024)) throw ConfigError(key + " = '" + value + "': must be 64 KiB aligned");
    } else if (key == "walk_latency") {
        walk_latency = parse_unsigned(key, value);
    } else if (key == "data_latency") {
        data_latency = parse_unsigned(key, value);
    } else if (key == "device_latency") {
        device_latency = parse_unsigned(key, value);
    } else if (key == "mul_cycles") {
        mul_cycles = parse_unsigned(key, value);
    } else if (key == "div_cycles") {
        div_cycles = parse_unsigned(key, value);
    } else if (key == "csr_write_cycles") {
        csr_write_cycles = parse_unsigned(key, value);
    } else if (key == "trap_cycles") {
        trap_cycles = parse_unsigned(key, value);
    } else if (key == "clock_ghz") {
        clock_ghz = parse_double(key, value);
        if (clock_ghz <= 0) throw ConfigError(key + " = '" + value + "': must be positive");
    } else if (key == "timer_divider") {
        timer_divider = parse_unsigned(key, value);
        if (timer_divider == 0) throw ConfigError(key + " = '" + value + "': must be at least 1");
    } else if (key == "quantum_cycles") {
        quantum_cycles = parse_u64(key, value);
        if (quantum_cycles == 0) throw ConfigError(key + " = '" + value + "': must be at least 1");
    } else if (key == "fetch") {
        if (value == "block") fetch = FetchGranularity::block;
        else if (value == "instruction") fetch = FetchGranularity::instruction;
        else throw ConfigError(key + " = '" + value + "': expected block or instruction");
    } else if (key == "backend") {
        if (value == "direct") backend = Backend::direct;
        else if (value == "systemc") backend = Backend::systemc;
        else throw ConfigError(key + " = '" + value + "': expected direct or systemc");
    } else if (key == "max_instructions") {
        max_instructions = parse_u64(key, value);
    } else if (key == "max_cycles") {
        max_cycles = parse_u64(key, value);
    } else if (key == "max_wall_seconds") {
        max_wall_seconds = parse_double(key, value);
    } else {
        throw ConfigError("unknown platform setting '" + key +
                          "' (known: ram_bytes, ram_base, walk_latency, data_latency, device_latency, mul_cycles, "
                          "div_cycles, csr_write_cycles, trap_cycles, clock_ghz, timer_divider, quantum_cycles, "
                          "fetch, backend, max_instructions, max_cycles, max_wall_seconds)");
    }
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
    return j.dump(indent);
}

}  // namespace tlmmu::platform
