// The benchmark driver: runs every (stream, path) pair once per repetition,
// interleaved so that a noisy machine slows a path and its baseline alike, and
// reports the median rate and the median per-repetition time ratio against the
// baseline of the same stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tlmmu/core/memory.h"
#include "tlmmu/core/mmu.h"
#include "workload.h"

namespace tlmmu::bench {

struct Options {
    MmuConfig mmu = MmuConfig::skylake();  // the MMU measured (--config, --set)
    bool quick = false;
    bool wall_clock = false;         // rates from wall time instead of the thread's CPU time
    unsigned repetitions = 5;
    double quantum_ns = 1000.0;      // global quantum of the TLM initiator
    double clock_ns = 1.0;           // MMU clock period
    double memory_latency_ns = 10.0; // read and write latency of the memory model
    std::string json;                // write the results here when not empty
    std::vector<std::string> only;   // run only these streams (all when empty)
    WorkloadSize size;
};

// The command line (tools/common/command_line.h): -1 to go on, else the exit
// status (0 after --help; the error is printed).
int parse_options(int argc, char** argv, Options& options);

// Event counts taken from MmuStats, accumulated over the timed repetitions.
struct Counters {
    uint64_t translations = 0;
    uint64_t l1_lookups = 0, l1_hits = 0;
    uint64_t l2_lookups = 0, l2_hits = 0;
    uint64_t walks = 0, pt_reads = 0;
    uint64_t faults = 0;

    static Counters of(const MmuStats& s);
    Counters operator-(const Counters& o) const;
    Counters& operator+=(const Counters& o);
};

// One timed loop: wall time (steady_clock) and the CPU time of the calling
// thread. Every SystemC thread runs on the process's one OS thread, so the
// CPU time covers the whole simulation, and leaves out the time the loop
// spent descheduled while other processes used the shared cores.
struct Timing {
    double wall = 0.0, cpu = 0.0;
};

class Stopwatch {
 public:
    Stopwatch();
    Timing elapsed() const;

 private:
    std::chrono::steady_clock::time_point m_wall;
    double m_cpu;
};

// Steps per second of a chain of dependent one-cycle additions, timed by the
// same clock as the paths: about the clock rate the process gets right now.
// 0 where no such loop is available (not x86-64 with GCC or Clang).
double reference_rate(const Options& options);

// What one timed run of a path returns.
struct RunResult {
    Timing time;
    uint64_t accesses = 0;
    uint64_t errors = 0;   // faults or TLM error responses
    Counters counters;     // the MMU's counts during the run (zero for the baseline)
};

// One way of performing a stream's accesses.
class Path {
 public:
    virtual ~Path() = default;
    virtual const char* name() const = 0;
    virtual bool translates() const { return true; }  // false for the baseline
    // Performs and times `count` accesses of the stream, cycling through it.
    virtual RunResult run(const Stream& stream, uint64_t count) = 0;
};

// (a) tlmmu::Mmu::translate over DirectPhysicalAccess.
class CorePath : public Path {
 public:
    CorePath(const MmuConfig& config, SparseMemory& memory, unsigned memory_latency_cycles);
    const char* name() const override { return "core"; }
    RunResult run(const Stream& stream, uint64_t count) override;
    Mmu& mmu() { return m_mmu; }

 private:
    DirectPhysicalAccess m_port;
    Mmu m_mmu;
};

struct Result {
    std::string stream, path;
    bool translates = true;
    uint64_t accesses_per_repetition = 0;
    std::vector<double> seconds;       // per repetition, by the clock the options select
    std::vector<double> wall, cpu;     // per repetition, both clocks
    std::vector<double> ratios;        // per repetition: time / baseline time (empty without a baseline)
    std::vector<double> cycles;        // per repetition: reference-loop cycles per access (empty if unknown)
    std::vector<double> reference;     // per repetition: reference_rate() just before the timed run
    uint64_t errors = 0;
    Counters counters;            // over all timed repetitions

    double median_rate() const;   // accesses per second
    double median_ratio() const;  // 0 without a baseline
    double median_cycles() const; // 0 when unknown
};

// Runs the repetitions. `paths` holds the baseline (translates() false) first
// when there is one. Returns one Result per (stream, path), streams outermost.
std::vector<Result> run_all(const std::vector<Stream>& streams, const std::vector<Path*>& paths,
                            const Options& options);

struct Report {
    std::string machine;   // one line describing the host
    std::string note;      // e.g. why the TLM part is missing
    bool tlm = false;
    double setup_seconds = 0.0, run_seconds = 0.0;
};

void print_table(const std::vector<Stream>& streams, const std::vector<Result>& results, const Options& options,
                 const Report& report);
bool write_json(const std::string& file, const std::vector<Stream>& streams, const std::vector<Result>& results,
                const Options& options, const Report& report, std::string& error);
std::string describe_machine();

}  // namespace tlmmu::bench
