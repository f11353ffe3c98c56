// Event counters of the MMU model. Plain data: the model increments them, the
// reporters (JSON, text summary) read them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tlmmu/core/paging.h"

namespace tlmmu {

// Why entries were dropped; every invalidation is counted per structure and cause.
enum class InvalidationCause : uint8_t {
    mov_cr3,
    mov_cr4,
    mov_cr0,
    invlpg,
    invpcid_address,     // type 0
    invpcid_single,      // type 1
    invpcid_all,         // type 2
    invpcid_nonglobal,   // type 3
    page_fault,
    invlpgb,             // AMD broadcast invalidation (tlmmu/machine), at every CPU it reaches
    count
};
constexpr unsigned kInvalidationCauses = unsigned(InvalidationCause::count);
const char* to_string(InvalidationCause c);

// Control operations whose cost and count are reported.
enum class Operation : uint8_t { mov_cr0, mov_cr3, mov_cr4, wrmsr_efer, wrpkru, invlpg, invpcid, count };
constexpr unsigned kOperations = unsigned(Operation::count);
const char* to_string(Operation op);

struct StructureStats {
    uint64_t lookups = 0;  // derived: every lookup ends as a hit or a miss
    uint64_t hits[kAccessTypes][kPageSizes] = {};
    // Misses by the page size the translation turned out to have; the last
    // column counts misses whose walk faulted (no page size).
    uint64_t misses[kAccessTypes][kPageSizes + 1] = {};
    uint64_t fills = 0;
    uint64_t evictions = 0;
    uint64_t invalidations[kInvalidationCauses] = {};

    uint64_t total_hits() const;
    uint64_t total_misses() const;
    uint64_t total_invalidations() const;
};

// Paging-structure cache of one level.
struct PscStats {
    uint64_t lookups = 0;
    uint64_t hits = 0;
    uint64_t fills = 0;
    uint64_t evictions = 0;
    uint64_t invalidations[kInvalidationCauses] = {};
    uint64_t total_invalidations() const;
};

struct WalkStats {
    static constexpr unsigned kReadBuckets = 8;  // 0..6 reads, 7 = more (restarts)
    uint64_t walks = 0;
    uint64_t pt_reads = 0;           // page-table entry reads
    uint64_t ad_updates = 0;         // locked read-modify-writes of A/D bits
    uint64_t restarts = 0;           // a locked update found the entry changed
    uint64_t fills_suppressed = 0;   // a flush landed while the walk was in flight
    uint64_t d_bit_assists = 0;      // writes that hit a TLB entry with D=0
    uint64_t reads_per_walk[kReadBuckets] = {};
    // Walks by where they started: [l] = after a hit in the level-l PSC (2..5),
    // [0] = from CR3 (every PSC level missed).
    uint64_t started_from[6] = {};
};

// Translation latency in cycles: exact buckets up to kBuckets-1, then one overflow.
struct LatencyHistogram {
    static constexpr unsigned kBuckets = 1024;
    uint64_t count = 0;
    uint64_t sum = 0;
    uint64_t min = 0;  // derived from the buckets
    uint64_t max = 0;
    std::array<uint64_t, kBuckets> buckets{};

    void record(uint64_t cycles) {
        ++count;
        sum += cycles;
        if (cycles > max) max = cycles;
        ++buckets[cycles < kBuckets ? cycles : kBuckets - 1];
    }
    void record(uint64_t cycles, uint64_t times) {
        if (!times) return;
        count += times;
        sum += cycles * times;
        if (cycles > max) max = cycles;
        buckets[cycles < kBuckets ? cycles : kBuckets - 1] += times;
    }
    void derive_min();
    double mean() const { return count ? double(sum) / double(count) : 0.0; }
    // Smallest latency with at least fraction p of samples at or below it.
    uint64_t percentile(double p) const;
};

struct OperationStats {
    uint64_t count = 0;
    uint64_t faults = 0;  // #GP raised by the operation
    uint64_t cycles = 0;
};

struct MmuStats {
    StructureStats l1i, l1d, l2;
    PscStats psc[6];  // indexed by level 2..5
    WalkStats walk;
    LatencyHistogram latency;
    // Cycles of each walk from its PSC lookup to its last memory step
    // (restarts included): the part of a TLB miss the memory system decides.
    LatencyHistogram walk_latency;
    uint64_t translations = 0;      // with paging on (derived: latency.count)
    uint64_t untranslated = 0;      // with paging off (identity)
    uint64_t faults[4] = {};        // by FaultKind; [none] derived
    OperationStats ops[kOperations];

    // Fills in the counters the model does not maintain per translation.
    void derive();
};

// Machine-readable form (one JSON object) and a readable multi-line summary.
std::string stats_to_json(const MmuStats& stats, int indent = 2);
std::string stats_summary(const MmuStats& stats);

}  // namespace tlmmu
