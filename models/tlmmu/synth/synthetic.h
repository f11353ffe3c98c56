// Synthetic traces whose TLB behaviour is known analytically: sequential,
// strided, uniform random, pointer chase and hot/cold mixes. A spec is a
// `synth:` string accepted wherever a trace path is, e.g.
//   synth:sequential,pages=512,passes=4
//   synth:stride,stride=8k,count=1000,passes=2
//   synth:random,pages=4096,accesses=100000,seed=1
//   synth:chase,pages=4096,passes=3,seed=7
//   synth:mixed,hot=32,cold=8192,hot_percent=90,accesses=100000
// Generation is streaming and deterministic for a seed; memory is constant
// except for what the pattern needs (the chase permutation). The grammar and
// the analytic behaviour are documented in traces/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tlmmu/settings/registry.h"
#include "tlmmu/trace/record.h"

namespace tlmmu::synth {

// True for arguments that name a synthetic trace ("synth:...").
bool is_synthetic_spec(const std::string& arg);

// A reader producing the trace described by `spec`. Throws trace::TraceError
// naming the spec and the bad key or value.
std::unique_ptr<trace::Reader> open_synthetic(const std::string& spec);

// The parsed form of a spec (exposed for tests and tools that want the numbers
// an analytic check needs, e.g. the number of data accesses).
struct SyntheticSpec {
    enum class Pattern { sequential, stride, random, chase, mixed };
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

    // Data accesses the whole trace performs.
    uint64_t data_accesses() const;
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

}  // namespace tlmmu::synth
