// Synthetic traces whose TLB behaviour is known analytically: sequential,
// strided, uniform random, pointer chase and hot/cold mixes. A spec is a
// `synth:` string accepted wherever a trace path is, e.g.
//   synth:sequential,pages=512,passes=4
//   synth:stride,stride=8k,count=1000,passes=2
//   synth:random,pages=4096,accesses=100000,seed=1
//   synth:chase,pages=4096,passes=3,seed=7
//   synth:mixed,hot=32,cold=8192,hot_percent=90,accesses=100000
//   synth:gc,threads=4,heap=64m,region=1m,unmap_period=10000,accesses=100000
// The gc pattern is several threads (streams) of one or more processes, a
// garbage-collector-like loop that unmaps regions of its heap (event records).
// Generation is streaming and deterministic for a seed; memory is constant
// except for what the pattern needs (the chase permutation). The grammar and
// the analytic behaviour are documented in traces/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tlmmu/settings/registry.h"
#include "tlmmu/trace/open.h"
#include "tlmmu/trace/record.h"

namespace tlmmu::synth {

// True for arguments that name a synthetic trace ("synth:...").
bool is_synthetic_spec(const std::string& arg);

// A reader producing the trace described by `spec`. Throws trace::TraceError
// naming the spec and the bad key or value, and for a spec of several threads
// (gc with threads x processes > 1: use open_synthetic_streams).
std::unique_ptr<trace::Reader> open_synthetic(const std::string& spec);

// The threads of `spec`: one stream for every pattern but gc, which gives
// threads x processes streams (Stream::process = process index + 1,
// Stream::thread = thread index). Throws as open_synthetic.
std::vector<trace::Stream> open_synthetic_streams(const std::string& spec);

// The parsed form of a spec (exposed for tests and tools that want the numbers
// an analytic check needs, e.g. the number of data accesses).
struct SyntheticSpec {
    enum class Pattern { sequential, stride, random, chase, mixed, gc };
    enum class Release { unmap, drop, protect };  // gc: what a collection does to the oldest region
    Pattern pattern = Pattern::sequential;
    uint64_t base = 0x100000000;   // first data byte (1 GiB aligned so 2M/1G pages fit)
    uint64_t page = 4096;          // granule the pattern counts pages in
    uint64_t pages = 0;            // sequential/random/chase: pages touched
    uint64_t passes = 1;           // sequential/stride/chase: repetitions of the pattern
    uint64_t stride = 0;           // sequential: bytes between accesses within a page; stride: bytes between accesses
    uint64_t count = 0;            // stride: accesses per pass
    uint64_t accesses = 0;         // random/chase/mixed: data accesses in total
    uint64_t hot = 0;              // mixed: pages of the hot set
    uint64_t cold = 0;             // mixed: pages of the cold set (placed after the hot set)
    uint64_t hot_percent = 90;     // mixed: share of accesses that go to the hot set
    uint64_t seed = 1;
    uint64_t size = 8;             // bytes per data access
    uint64_t write_percent = 0;    // share of data accesses that are stores
    uint64_t fetch = 0;            // instruction fetches before each data access
    uint64_t code_pages = 1;       // pages of the loop body the fetches walk through
    uint64_t code_base = 0x400000; // first instruction byte
    // gc: every thread allocates (stores, bump pointer) into its current
    // region and reads its own and the other threads' older regions; every
    // `unmap_period` data accesses it collects: its oldest region is
    // released (`release`) and becomes the region it allocates into.
    uint64_t threads = 4;          // gc: threads per process (streams)
    uint64_t processes = 1;        // gc: processes (address spaces), each with its own heap
    uint64_t heap = 64ull << 20;   // gc: heap bytes per process, from `base`
    uint64_t region = 1ull << 20;  // gc: bytes per region (multiple of 4 KiB); heap / region / threads >= 2
    uint64_t unmap_period = 10000; // gc: data accesses of a thread between collections
    uint64_t share_percent = 25;   // gc: reads that go to another thread's regions
    Release release = Release::unmap;

    // gc: regions of one thread, and the 4 KiB pages of one region.
    uint64_t regions_per_thread() const { return heap / region / threads; }
    // gc: collections (event records) of one thread.
    uint64_t collections_per_thread() const { return accesses ? (accesses - 1) / unmap_period : 0; }

    // Data accesses the whole trace performs (gc: all threads together).
    uint64_t data_accesses() const;
    // Streams the spec gives (gc: threads x processes, else 1).
    uint64_t streams() const { return pattern == Pattern::gc ? threads * processes : 1; }
};

// The keys of a spec in the settings registry (synth.*; a spec writes them
// without the prefix). Which keys a pattern needs or accepts is the
// generator's business (parse_synthetic_spec).
const settings::Group<SyntheticSpec>& synth_settings();

// Parses `spec` ("synth:KIND,key=value,..."). Throws trace::TraceError naming
// the spec and the offending key.
SyntheticSpec parse_synthetic_spec(const std::string& spec);

// The reader for an already parsed spec; `name` is used in position().
std::unique_ptr<trace::Reader> make_synthetic_reader(const SyntheticSpec& spec, const std::string& name);
// gc: the reader of one thread of one process.
std::unique_ptr<trace::Reader> make_gc_reader(const SyntheticSpec& spec, const std::string& name, uint64_t process,
                                              uint64_t thread);

}  // namespace tlmmu::synth
