// The replay engine of trace mode: streams records from trace readers in
// batches, schedules the threads of every traced process on the simulated
// CPUs (smp.cpus; tlmmu::os::OsModel, per-CPU run queues) and sends every
// access through the Mmu of the CPU that runs it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tlmmu/cache/cache.h"
#include "tlmmu/core/config.h"
#include "tlmmu/core/stats.h"
#include "tlmmu/machine/machine.h"
#include "tlmmu/os/os_model.h"
#include "tlmmu/trace/open.h"

namespace tlmmu::replay {

struct ReplayOptions {
    MmuConfig mmu = MmuConfig::skylake();
    os::OsConfig os;
    // The data caches (on by default): page walks and every access's data go
    // through them after translation, so page-table lines compete with data.
    cache::CacheConfig cache;
    // The CPUs (smp.cpus) and the cost of IPIs and INVLPGB (smp.*).
    machine::SmpConfig smp;
    std::string format = "auto";  // for every path argument
    // How a drmemtrace directory's threads share the CPU: as its schedule
    // file recorded them, or round robin by os.quantum (tlmmu/trace/schedule.h).
    trace::Interleave interleave = trace::Interleave::automatic;
    uint64_t limit = 0;           // stop after this many records in total (0: whole traces)
    // Called about every million records with the records replayed so far.
    std::function<void(uint64_t records)> progress;
};

// The settings of a replay (the MMU's, memory.latency, os.*, cache.*, smp.*) bound to
// `options`: what `tlmmu trace --set/--config` and Python's tlmmu.Config apply.
settings::Target settings_target(ReplayOptions& options);

// What one CPU did in a replay.
struct CpuResult {
    uint64_t records = 0;       // trace records it ran
    uint64_t translations = 0;  // its Mmu's translations
    uint64_t shootdowns = 0;    // shootdowns it initiated (address-space events of its threads)
    machine::CpuStats smp;      // IPIs, acknowledgement wait, stolen cycles, INVLPGB, remote drops
};

struct ReplayResult {
    std::vector<std::string> traces;
    std::vector<std::string> formats;  // per trace argument, as detected
    uint64_t streams = 0;
    uint64_t records = 0;        // records consumed, control events included
    uint64_t accesses = 0;       // fetch + load + store records
    uint64_t instructions = 0;   // fetch records, plus the instructions the readers counted without a fetch
    uint64_t loads = 0, stores = 0;
    uint64_t page_crossings = 0; // accesses that also translated the next page
    uint64_t translations = 0;   // accesses + page crossings (before fault retries)
    bool limited = false;        // --limit stopped the replay early
    // What the readers read without producing records (unfetched
    // instructions, markers, ...): whole batches, so with --limit a little
    // past the last record replayed.
    trace::ReaderStats reader;
    double seconds = 0;
    MmuStats mmu;  // all CPUs together
    os::OsStats os;
    std::vector<CpuResult> cpus;  // one per CPU (smp.cpus)
    machine::CpuStats smp_total;  // the CPUs' machine counters together
    // Whether the report has a many-CPU section: more than one CPU, or
    // address-space events in the trace.
    bool has_smp_section() const {
        return cpus.size() > 1 || os.unmap_events || os.protect_events || os.drop_events;
    }
    // The data caches' counters (empty with cache.enabled=off).
    std::vector<cache::LevelStats> cache;
    bool has_l1i = false;        // fetches went through their own L1I (cache.l1i.enabled)
    cache::LevelStats cache_l1i;
    uint64_t cache_memory_reads = 0, cache_memory_writes = 0;
    // The walker's memory cycles through the caches, and what the same
    // references cost at the flat memory.latency (os.memory_latency).
    uint64_t walk_cache_cycles = 0, walk_flat_cycles = 0;

    // Mean walk latency had every reference cost memory.latency: the same
    // walks (the caches change no TLB or walk decision), flat memory time.
    double flat_walk_latency_mean() const {
        const LatencyHistogram& w = mmu.walk_latency;
        return w.count ? double(w.sum - walk_cache_cycles + walk_flat_cycles) / double(w.count) : 0.0;
    }
    // Buddy allocator state at the end.
    uint64_t free_frames = 0;
    double unusable_index_order9 = 0;
    uint64_t buddy_splits = 0, buddy_merges = 0;

    // Misses per thousand instructions, 0 without instructions.
    double per_kilo_instruction(uint64_t events) const {
        return instructions ? 1000.0 * double(events) / double(instructions) : 0.0;
    }
};

// Replays `traces` (paths of any format, or synth: specs): each argument is a
// process, each stream of an argument a thread of it. Throws
// trace::TraceError for a bad trace, os::OsError / ConfigError for settings.
ReplayResult replay(const std::vector<std::string>& traces, const ReplayOptions& options);

// One process of a replay, opened by the caller: its threads and the names
// the result reports (a trace reader over records produced in memory, say).
struct Source {
    std::string name;    // as ReplayResult::traces lists it
    std::string format;  // as ReplayResult::formats lists it
    std::vector<trace::Stream> streams;  // at least one
};
ReplayResult replay(std::vector<Source> sources, const ReplayOptions& options);

// Reads the traces to the end without replaying (the decode-only baseline of
// the benchmark). Returns the number of records.
uint64_t decode_only(const std::vector<std::string>& traces, const std::string& format = "auto");

}  // namespace tlmmu::replay
