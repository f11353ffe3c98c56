// The host side of the in-guest experiments: the firmware prints one
// `@exp KIND key=value ...` line per measurement (docs/experiments.md); this
// parses them, derives per-access and per-operation figures, and renders the
// report, the JSON and the plots.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlmmu::experiments {

// One `@exp` (or `@info`, `@done`) line.
struct Record {
    std::string kind;  // "ws", "cs", ... ("info", "done" for those lines)
    std::map<std::string, std::string> fields;
    unsigned line = 0;  // 1-based line number in the UART output

    bool has(const std::string& key) const { return fields.count(key) != 0; }
    // Throws ParseError naming the line when the key is missing or not a number.
    uint64_t number(const std::string& key) const;
    int64_t signed_number(const std::string& key) const;
    const std::string& word(const std::string& key) const;
};

class ParseError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// The machine lines of the UART output; human text is skipped. Throws
// ParseError ("line N: ...") for a malformed machine line.
std::vector<Record> parse_records(const std::string& uart_text);

struct Calibration {
    double l1i_hit_cycles = 0;      // translation cycles of an L1 ITLB hit (fetch lookup), measured
    double l1d_hit_cycles = 0;      // translation cycles of an L1 DTLB hit, measured
    double cycles_per_access = 0;   // loop cycles per load when every load hits the L1 DTLB
};

struct WorkingSetPoint {
    std::string page, layout;
    unsigned levels = 4;            // paging levels (5 = CR4.LA57)
    unsigned pages = 0;
    uint64_t accesses = 0;
    double xlat_cycles = 0;         // data translation cycles per load (fetch lookups removed)
    double cycles_per_access = 0;   // all cycles of the loop per load
    double l1_fraction = 0, l2_fraction = 0, walk_fraction = 0;
    double reads_per_walk = 0, psc_hits_per_walk = 0;
};

struct ContextSwitchPoint {
    std::string mode;               // pcid-off, pcid-on, pcid-noflush
    bool global_kernel = false;
    unsigned procs = 0, user_pages = 0, kernel_pages = 0;
    uint64_t switches = 0;
    double switch_cycles = 0;       // the CR3 write
    double refill_xlat_cycles = 0;  // translation cycles from after the CR3 write to the next trap
    double walks = 0;               // page walks in that interval
    double l2_misses = 0;
    double slice_cycles = 0;        // all cycles of that interval
};

struct RangeFlushPoint {
    unsigned pages = 0;             // pages changed out of `resident`
    unsigned resident = 0;
    uint64_t invlpg_cycles = 0, invpcid_cycles = 0, full_cycles = 0;  // flush + re-touch
    uint64_t invlpg_walks = 0, invpcid_walks = 0, full_walks = 0;
};

struct BuddyPoint {
    unsigned order = 0;
    double alloc_cycles = 0, free_cycles = 0;
    double splits_per_alloc = 0, merges_per_free = 0;
    // One block from an allocator holding a single 4 MiB block.
    uint64_t cold_alloc_cycles = 0, cold_free_cycles = 0, cold_splits = 0, cold_merges = 0;
};

struct SlabPoint {
    std::string cache;
    unsigned size = 0;
    double alloc_cycles = 0, free_cycles = 0;
    unsigned objects_per_slab = 0;
    uint64_t slabs_created = 0;
};

struct FaultResult {
    unsigned pages = 0;
    uint64_t faults = 0;
    double cycles_per_fault = 0;          // first touch - second touch, per page
    double handler_cycles_per_fault = 0;  // inside the kernel's handler (allocate, zero, map)
    uint64_t pages_taken = 0;
};

struct FragOrder {
    unsigned order = 0;
    uint64_t free_blocks = 0;
    int frag_index = 0;  // x1000, -1000 = a block is available
    int unusable = 0;    // x1000
};

struct Fragmentation {
    unsigned seed = 0, steps = 0, live_blocks = 0, failed_allocs = 0, pages = 0;
    uint64_t free_pages = 0;
    int largest_order = -1;
    bool consistent = false;     // the allocator's invariants held (buddy_check)
    bool merged_back = false;    // freeing everything gave one max-order block again
    std::vector<FragOrder> orders;
};

// A table of one of the kernel experiments (vmalloc, malloc, fork,
// reclaim): named columns of numbers or words, rendered the same way in the
// report (with a title and a sentence saying what it shows) and the JSON (an
// array of objects under `name`).
struct Column {
    std::string key;       // JSON key
    std::string header;    // report header
    int decimals = 0;      // -1: a word
};
struct Table {
    std::string name, title, sentence;
    std::vector<Column> columns;
    std::vector<std::vector<double>> rows;          // per row, one number per column (words: 0)
    std::vector<std::vector<std::string>> words;    // per row, one word per column ("" for numbers)
    void add(const std::vector<double>& numbers, const std::vector<std::string>& row_words = {});
    // The value of `column` in the first row whose `match_column` holds `match` (a number); throws std::out_of_range.
    double at(const std::string& column, const std::string& match_column, double match) const;
    double at_word(const std::string& column, const std::string& match_column, const std::string& match) const;
    size_t column(const std::string& key) const;  // throws std::out_of_range
};

// What one experiment cost the guest.
struct Phase {
    std::string name;
    uint64_t cycles = 0, instructions = 0;
};

struct Results {
    uint64_t ram_bytes = 0;
    std::vector<Phase> phases;
    Calibration calibration;
    std::vector<WorkingSetPoint> working_set;
    std::vector<ContextSwitchPoint> context_switch;
    std::vector<RangeFlushPoint> range_flush;
    unsigned range_flush_crossover = 0;  // smallest page count where the full flush beats INVLPG; 0 = none
    unsigned invpcid_crossover = 0;      // the same against INVPCID type 0 per page
    std::vector<BuddyPoint> buddy;
    std::vector<SlabPoint> slab;
    FaultResult fault;
    Fragmentation fragmentation;
    bool has_fault = false, has_fragmentation = false;
    std::vector<Table> tables;  // the kernel experiments, in the order they ran
    const Table* table(const std::string& name) const;
    uint64_t guest_cycles = 0, guest_instructions = 0;
};

// The kernel experiments' records (kernel_results.cpp): adds `rec` to its
// table in r.tables; other kinds are ignored.
void kernel_record(Results& r, const Record& rec);
// The data-footprint axis (footprint_results.cpp): `@exp footprint` rows in
// the table "footprint"; then the same points from a run with the caches the
// other way (`main_caches_on` says how the main run had them) as a column of
// their own; and the gnuplot script of walk latency against footprint.
void footprint_record(Results& r, const Record& rec);
void footprint_with_and_without(Results& main, bool main_caches_on, const Results& other);
std::string footprint_script(const Results& r);
// A table as the report shows it: title, sentence, aligned columns.
std::string render_table(const Table& t);

// Derives the figures; throws ParseError if a record is missing or inconsistent.
Results compute_results(const std::vector<Record>& records);

// The readable report: one table per experiment, each with a sentence saying
// what it shows.
std::string report(const Results& results);
std::string to_json(const Results& results);

// PNG plots through gnuplot into `dir`, each written atomically. Returns the
// files written; on failure sets `error` and returns what was written so far.
std::vector<std::string> write_plots(const Results& results, const std::string& dir, std::string& error);

}  // namespace tlmmu::experiments
