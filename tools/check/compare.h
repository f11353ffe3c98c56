// The comparison behind `tlmmu check` (docs/ci.md): the JSON statistics of a
// run against a golden file, metric by metric, under a tolerance file.
//
// A metric is a leaf of the JSON document (number, string, boolean or null)
// named by its path: object keys and array indexes joined by '.', a key that
// holds '.' or brackets written as [key] ("[tests/a.scn].l1d.hits").
// A pattern is a path whose segments may use '*' (any characters within one
// segment) and whose segment '**' stands for any number of segments.
#pragma once

#include <istream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tlmmu::check {

// Bad input (exit status 2): names the file and, when it has one, the line.
class CheckError : public std::runtime_error {
 public:
    CheckError(const std::string& file, unsigned line, const std::string& reason);
};

using Path = std::vector<std::string>;
std::string path_text(const Path& path);
// Splits "a.[b.c].*" into segments; throws std::invalid_argument when malformed.
Path parse_path(const std::string& text);
bool matches(const Path& pattern, const Path& path);

struct Metric {
    Path path;
    nlohmann::json value;
};
// Every leaf in document order. An empty object or array is a leaf too (so
// that its appearing or vanishing is seen).
std::vector<Metric> flatten(const nlohmann::json& document);

// Reads a JSON file; CheckError names the file and line of a syntax error.
nlohmann::json read_json_file(const std::string& path);

enum class Kind { exact, absolute, relative, ignore };
const char* to_string(Kind k);

struct Rule {
    std::string pattern_text;
    Path pattern;
    Kind kind = Kind::exact;
    double amount = 0;  // absolute: the largest allowed |run - golden|; relative: fraction of |golden|
    unsigned line = 0;  // in the tolerance file, 0 for the default
    std::string describe() const;
};

// The tolerance file: `default KIND [AMOUNT]` and `PATTERN KIND [AMOUNT]` lines,
// '#' comments. The first rule whose pattern matches a metric decides it; a
// metric no rule matches gets the default (exact unless the file says).
struct Tolerances {
    std::string file;
    Rule fallback;
    std::vector<Rule> rules;
    const Rule& rule_for(const Path& path) const;
};
Tolerances parse_tolerances(std::istream& in, const std::string& file);
Tolerances read_tolerance_file(const std::string& path);
// Every rule must select at least one metric of `metrics`; otherwise CheckError
// at its line naming the nearest metric path.
void check_rules_select(const Tolerances& t, const std::vector<Metric>& metrics);

struct Row {
    enum class Status { same, within, regressed, missing_in_run, not_in_golden, ignored } status = Status::same;
    std::string path;
    std::string golden, run;  // JSON text, "-" when absent
    std::string change;       // "+12 (+3.4%)" for numbers
    Rule rule;  // the rule that decided it (a copy: the row outlives no tolerance file)
    bool failed() const {
        return status == Status::regressed || status == Status::missing_in_run || status == Status::not_in_golden;
    }
    bool moved() const { return status != Status::same && status != Status::ignored; }
};
const char* to_string(Row::Status s);

struct Comparison {
    std::vector<Row> rows;  // every metric of either side, golden order first
    size_t failed() const;
    size_t moved() const;
};
Comparison compare(const nlohmann::json& golden, const nlohmann::json& run, const Tolerances& tolerances);

// The text table of the moved metrics (every metric with `all`).
std::string table(const Comparison& c, bool all);
std::string markdown(const Comparison& c, const std::string& golden_name, const std::string& run_name);

}  // namespace tlmmu::check
