// The execution-driven platform: an RV64IM + Zicsr hart whose every fetch,
// load and store is translated by the x86-64 MMU model (tlmmu::Mmu), with
// RAM, a UART, a CLINT-style timer and a riscv-tests `tohost` exit device.
// docs/platform.md describes the platform, docs/isa.md the ISA contract.
//
// run_elf() is the whole platform behind one call: what `tlmmu run` does and
// what an experiment runner calls.
//
//   tlmmu::platform::PlatformOptions options;          // defaults: docs/platform.md
//   tlmmu::apply_setting(options.mmu, "l1d.latency", "1");  // as `tlmmu run --set l1d.latency=1`
//   options.set("memory.latency", "30");                  // as `tlmmu run --set memory.latency=30`
//   tlmmu::platform::RunResult r = tlmmu::platform::run_elf("fw.elf", options, std::cout);
//   if (r.stop != tlmmu::platform::StopReason::exited) { ... r.message ... }
//
// Backends: `systemc` (the hart in an SC_THREAD, devices as TLM-2.0 targets
// on an interconnect, RAM through DMI, temporal decoupling) and `direct` (the
// same hart and devices wired in plain C++, no SystemC). Both give identical
// guest-visible behaviour and counts. SystemC elaborates once per process, so
// the systemc backend can run one ELF per process; run_elf with
// backend=systemc a second time returns StopReason::error. Use
// backend=direct (the default of run_elf) to run several ELFs in one process.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "tlmmu/cache/cache.h"
#include "tlmmu/core/config.h"
#include "tlmmu/core/stats.h"
#include "tlmmu/machine/smp_config.h"

namespace tlmmu::platform {

enum class Backend : uint8_t { direct, systemc };
// When instruction fetch looks the iTLB up again (docs/platform.md).
enum class FetchGranularity : uint8_t {
    block,        // when the fetch leaves its 64-byte block, after a taken branch/jump/trap, after an MMU change
    instruction,  // every instruction
};

// One entry of the parameter block the platform writes into guest memory
// before the hart starts (docs/firmware.md, "Parameter block").
struct GuestParameter {
    std::string key;     // at most kGuestParameterKeyBytes - 1 characters
    uint64_t value = 0;
};
constexpr unsigned kGuestParameterKeyBytes = 40;
constexpr uint64_t kGuestParameterMagic = 0x534d524150554d4dull;  // "MMUPARMS", little-endian
constexpr uint32_t kGuestParameterVersion = 1;

// The block's bytes: magic (8), version (4), count (4), then per entry the
// key NUL-padded to 40 bytes and the value (8), little-endian. Throws
// ConfigError for a key too long or a block larger than `capacity` bytes.
std::vector<uint8_t> encode_parameter_block(const std::vector<GuestParameter>& params, uint64_t capacity);

// How far a run has got, for a progress display.
struct RunProgress {
    uint64_t instructions = 0;  // retired so far
    uint64_t cycles = 0;        // simulated so far
    double wall_seconds = 0;    // host time since the run started
};

struct PlatformOptions {
    // MMU: the built-in Skylake-like configuration (settings applied by the
    // caller, docs/configuration.md).
    MmuConfig mmu = MmuConfig::skylake();
    // Data caches (on by default): the walker's references and the hart's
    // loads and stores in RAM go through them (docs/caches.md). cache.* keys.
    cache::CacheConfig cache;

    // Harts: smp.cpus of them (settings smp.*, docs/smp.md; `--platform
    // cpus=N` sets smp.cpus). The IPI timing (smp.ipi_send, smp.ipi_latency)
    // applies to the CLINT's msip, INVLPGB/TLBSYNC go through the machine.
    machine::SmpConfig smp;
    // With more than one hart: the hart with the smallest clock runs at most
    // this many instructions before the next is chosen (docs/platform.md).
    uint64_t smp_quantum = 1000;

    // Memory map (docs/isa.md).
    uint64_t ram_base = 0x80000000ull;
    uint64_t ram_bytes = 512ull << 20;

    // Timing, in core cycles (docs/platform.md).
    unsigned memory_latency = 20;    // setting memory.latency: per page-table entry read by the walker
    unsigned data_latency = 0;       // added to every data load/store beyond the TLB latency
    unsigned device_latency = 0;     // added to every device (UART, timer, tohost) access
    unsigned mul_cycles = 3;         // extra cycles of mul/mulh*/mulw
    unsigned div_cycles = 20;        // extra cycles of div*/rem*
    unsigned csr_write_cycles = 1;   // extra cycles of a CSR write (control CSRs add the MMU's cost)
    unsigned trap_cycles = 0;        // extra cycles of taking a trap or mret
    // The swap disk (docs/platform.md): per 4 KiB transfer, latency + 4096 / bytes per cycle.
    unsigned swap_latency = 20000;   // cycles (10 us at 2 GHz)
    double swap_bytes_per_cycle = 1.0;  // 2 GB/s at 2 GHz
    uint64_t swap_bytes = 64ull << 20;
    double clock_ghz = 2.0;          // SystemC time per cycle = 1/clock_ghz ns
    unsigned timer_divider = 1;      // mtime increments once per this many cycles
    uint64_t quantum_cycles = 10000; // temporal-decoupling quantum (systemc backend)
    FetchGranularity fetch = FetchGranularity::block;
    Backend backend = Backend::direct;

    // Limits: 0 = none. Reaching one stops the run with StopReason::*_limit.
    uint64_t max_instructions = 2000000000ull;
    uint64_t max_cycles = 0;          // simulated-time limit, in cycles
    double max_wall_seconds = 0;      // host time limit

    // Written at the ELF's `tlmmu_params` symbol before the hart starts (not
    // a setting: `tlmmu experiments` fills it from its param.* settings).
    // Empty: nothing is written.
    std::vector<GuestParameter> guest_params;

    // Progress: when set, called from the run loop (at a quantum boundary,
    // both backends) once progress_delay_seconds of host time have passed,
    // then at most once per progress_interval_seconds. Not a setting: the
    // caller decides whether anyone is watching (`tlmmu run` on a terminal).
    std::function<void(const RunProgress&)> progress;
    double progress_delay_seconds = 1.0;
    double progress_interval_seconds = 0.25;

    // Applies one platform setting (platform_settings(): "platform.ram_bytes"
    // or just "ram_bytes", "memory.latency", ...), data-cache setting
    // ("cache.enabled", ...) or many-CPU setting ("smp.ipi_latency"; "cpus"
    // is smp.cpus). Throws ConfigError naming the key and the reason.
    void set(const std::string& key, const std::string& value);
};

// The platform's settings (platform.*, and memory.latency stored here too)
// in the settings registry.
const settings::Group<PlatformOptions>& platform_settings();

enum class StopReason : uint8_t {
    exited,             // the guest wrote tohost: exit_code is its code (0 = pass)
    instruction_limit,  // max_instructions executed
    time_limit,         // max_cycles or max_wall_seconds reached
    bad_elf,            // the ELF was refused (message says why)
    error,              // bad option, or a second systemc run in one process
    trap_storm,         // traps followed one another with no instruction retired (message: pc, mcause, mtval)
};
const char* to_string(StopReason r);

// Process exit codes of `tlmmu run`: the guest's code when it exited (values
// above kMaxGuestExitCode are reported as kMaxGuestExitCode, so a failing
// riscv-tests number never wraps to 0), otherwise one of these.
constexpr int kMaxGuestExitCode = 119;
constexpr int kExitInstructionLimit = 120;
constexpr int kExitTimeLimit = 121;
constexpr int kExitBadElf = 122;
constexpr int kExitError = 123;  // bad usage or option
constexpr int kExitTrapStorm = 125;  // the hart could make no progress (a fault in the trap path)

struct HartCounters {
    uint64_t instructions = 0;       // retired (minstret)
    uint64_t cycles = 0;             // mcycle
    uint64_t fetch_translations = 0; // iTLB lookups made by instruction fetch
    uint64_t data_translations = 0;  // translations of loads and stores (a page-crossing access counts 2)
    uint64_t traps = 0;              // exceptions and interrupts taken
    uint64_t interrupts = 0;
    uint64_t device_accesses = 0;    // loads/stores that went to a device (b_transport in systemc)
    uint64_t decoded_pages = 0;      // pages predecoded (re-decodes after code writes included)
};

struct RunResult {
    StopReason stop = StopReason::error;
    int exit_code = 0;           // the guest's exit code (tohost value >> 1) when stop == exited
    std::string message;         // why it stopped, one readable line
    uint64_t instructions = 0;   // retired by all harts
    uint64_t cycles = 0;         // the largest hart clock
    HartCounters hart;           // all harts together
    MmuStats stats;              // the MMU model's statistics at the end of the run (all harts' MMUs together)
    // Per hart (one entry per hart), and the machine's IPI/INVLPGB counters
    // (machine::smp_stats_json) as JSON text; empty when the run never started.
    std::vector<HartCounters> harts;
    std::vector<MmuStats> hart_stats;
    std::string smp_json;
    double wall_seconds = 0;     // host time of the simulation (loading excluded)
    double cpu_seconds = 0;      // CPU time of the simulating thread (what one core spent)
    bool passed() const { return stop == StopReason::exited && exit_code == 0; }
};

int process_exit_code(const RunResult& result);

// Loads and runs an ELF64 RISC-V executable; UART output goes to `uart`.
// Never throws for guest or ELF problems: they are reported in the result.
RunResult run_elf(const std::string& path, const PlatformOptions& options, std::ostream& uart);

// Machine-readable form of a result (counters, MMU statistics).
std::string result_to_json(const RunResult& result, int indent = 2);

}  // namespace tlmmu::platform
