// A sweep specification: traces x configuration axes -> independent jobs.
// The JSON format is documented in docs/sweeps.md.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tlmmu::sweep {

// A bad spec file; what() names the file and the key (or line for syntax errors).
class SpecError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// One axis: a `tlmmu trace` option (--set or --os) taking each of `values`.
struct Axis {
    std::string option;  // "--set" or "--os"
    std::string key;     // e.g. "l2.arrays", "pcid"
    std::string column;  // CSV column name
    std::vector<std::string> values;
};

// One group of traces replayed together (several = several processes).
struct TraceGroup {
    std::vector<std::string> as_written;  // as in the spec (CSV, job id)
    std::vector<std::string> arguments;   // as passed to `tlmmu trace` (paths made absolute)
};

struct SweepSpec {
    std::string path;    // the spec file
    std::string output;  // output directory ("" = not given)
    std::vector<TraceGroup> traces;
    std::string format;  // --format ("" = auto)
    std::string config;  // --config FILE ("" = none), absolute
    std::string config_as_written;  // as in the spec (job ids)
    uint64_t limit = 0;  // --limit N (0 = none)
    std::vector<std::pair<std::string, std::string>> base_set;  // --set KEY=VALUE
    std::vector<std::pair<std::string, std::string>> base_os;   // --os KEY=VALUE
    std::vector<Axis> axes;
    std::vector<std::string> columns;  // result columns to keep ("" = all scalars)
};

// One job of the cross product.
struct Job {
    size_t index = 0;             // position in spec order
    std::string id;               // stable: a slug plus a hash of the parameters
    std::vector<std::string> arguments;  // after `tlmmu`: "trace" and its options, without --json
    std::vector<std::string> traces;     // the TRACE operands (paths absolute)
    std::vector<std::pair<std::string, std::string>> parameters;  // CSV columns: trace, axes
};

// Checks what only a run would otherwise find, before any job runs: every
// --set and --os value (base and axis values) is applied to a configuration
// of its own, and every trace file exists and can be read. Throws SpecError
// naming the spec file, the key and the value (or the trace).
void check_values_and_traces(const SweepSpec& spec);

// Reads and validates a spec file. Throws SpecError.
SweepSpec load_spec(const std::string& path);
SweepSpec parse_spec(const std::string& text, const std::string& path);

// The cross product in spec order: traces outermost, then the axes in the
// order listed, the last axis varying fastest.
std::vector<Job> expand_jobs(const SweepSpec& spec);

}  // namespace tlmmu::sweep
