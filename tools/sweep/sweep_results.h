// Aggregation of job results (one `tlmmu trace --json` object per job) into
// one CSV, rows in spec order.
#pragma once

#include <string>
#include <vector>

#include "sweep_spec.h"

namespace tlmmu::sweep {

struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    size_t missing = 0;  // jobs without a complete result (left out)
};

// Builds the table from the result files of `jobs` under `output`. Columns:
// job, trace, one per axis, derived columns (see docs/sweeps.md), then the
// scalar fields of the results (all of them, or `spec.columns`).
Table aggregate(const SweepSpec& spec, const std::vector<Job>& jobs, const std::string& output);

std::string to_csv(const Table& table);

// Writes DIR/results.csv when every job has a result (complete = true), else
// the rows present to DIR/results.partial.csv, removing the other file, and
// says which on stderr. Returns false if the file could not be written.
bool write_results(const SweepSpec& spec, const std::vector<Job>& jobs, const std::string& output, bool& complete);

// Total TLB entries of an "arrays" setting value ("4k+2m:128x12:lru 1g:4x4"),
// or -1 if it is not one.
long long array_entries(const std::string& value);

}  // namespace tlmmu::sweep
