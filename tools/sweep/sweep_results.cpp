#include "sweep_results.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "atomic_file.h"
#include "sweep_runner.h"

namespace tlmmu::sweep {
namespace {

using nlohmann::ordered_json;

// Fields left out of the default columns: bulky distributions, the echo of
// the configuration (the axis columns say what varied), and wall-clock timing,
// so that the CSV depends only on the jobs' inputs and a resumed sweep gives
// the same file as an uninterrupted one. "columns" in the spec can ask for them.
bool skipped_field(const std::string& name) {
    return name == "tlmmu_trace" || name == "seconds" || name == "accesses_per_second" ||
           name.rfind("mmu_config.", 0) == 0 || name.rfind("stats.latency_cycles.histogram.", 0) == 0 ||
           name.rfind("stats.walk_latency_cycles.histogram.", 0) == 0 || name.rfind("cache.config.", 0) == 0;
}

std::string scalar_text(const ordered_json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_null()) return "";
    return v.dump();
}

// Scalar leaves of nested objects as "a.b.c" -> text; arrays are skipped.
void flatten(const ordered_json& v, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    } else if (!v.is_array() && !skipped_field(prefix)) {
        out.emplace_back(prefix, scalar_text(v));
    }
}

const ordered_json* find_path(const ordered_json& root, const std::string& dotted) {
    const ordered_json* node = &root;
    std::stringstream in(dotted);
    std::string part;
    while (std::getline(in, part, '.')) {
        if (!node->is_object() || !node->contains(part)) return nullptr;
        node = &(*node)[part];
    }
    return node;
}

std::string ratio(const ordered_json& root, const std::string& num, const std::string& den) {
    const ordered_json* n = find_path(root, num);
    const ordered_json* d = find_path(root, den);
    if (!n || !d || !n->is_number() || !d->is_number()) return "";
    const double dv = d->get<double>();
    if (dv == 0) return "";
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", n->get<double>() / dv);
    return text;
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace

long long array_entries(const std::string& value) {
    // Each word is SIZES:SETSxWAYS[:POLICY]; "none" is zero entries.
    std::stringstream in(value);
    std::string word;
    long long total = 0;
    bool any = false;
    while (in >> word) {
        if (word == "none") {
            any = true;
            continue;
        }
        const auto c1 = word.find(':');
        if (c1 == std::string::npos) return -1;
        const auto c2 = word.find(':', c1 + 1);
        const std::string geometry = word.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
        const auto x = geometry.find('x');
        if (x == std::string::npos) return -1;
        try {
            size_t used = 0;
            const long long sets = std::stoll(geometry.substr(0, x), &used);
            if (used != x) return -1;
            const long long ways = std::stoll(geometry.substr(x + 1), &used);
            if (used != geometry.size() - x - 1) return -1;
            total += sets * ways;
            any = true;
        } catch (const std::exception&) {
            return -1;
        }
    }
    return any ? total : -1;
}

Table aggregate(const SweepSpec& spec, const std::vector<Job>& jobs, const std::string& output) {
    Table table;
    // Fixed columns.
    table.header = {"job", "trace"};
    std::vector<bool> entries_column(spec.axes.size(), false);
    for (size_t a = 0; a < spec.axes.size(); ++a) {
        const Axis& axis = spec.axes[a];
        table.header.push_back(axis.column);
        bool all_arrays = axis.key.size() > 7 && axis.key.compare(axis.key.size() - 7, 7, ".arrays") == 0;
        for (const std::string& v : axis.values) all_arrays = all_arrays && array_entries(v) >= 0;
        entries_column[a] = all_arrays;
        if (all_arrays) table.header.push_back(axis.column + ".entries");
    }
    // Derived rates: misses per lookup of each TLB level, walks per access.
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> derived = {
        {"l1i.miss_rate", {"stats.tlb.l1i.misses", "stats.tlb.l1i.lookups"}},
        {"l1d.miss_rate", {"stats.tlb.l1d.misses", "stats.tlb.l1d.lookups"}},
        {"l2.miss_rate", {"stats.tlb.l2.misses", "stats.tlb.l2.lookups"}},
        {"walks_per_access", {"stats.walks.count", "stats.translations"}},
    };
    for (const auto& d : derived) table.header.push_back(d.first);
    const size_t fixed = table.header.size();

    // The fixed columns win over result fields of the same name (an axis
    // "os.page_size" and the result's echo of the OS settings).
    const std::set<std::string> fixed_names(table.header.begin(), table.header.end());
    std::map<std::string, size_t> column_of;
    for (const std::string& c : spec.columns) {
        column_of[c] = table.header.size();
        table.header.push_back(c);
    }

    for (const Job& job : jobs) {
        std::ifstream in(result_path(output, job));
        ordered_json result;
        bool ok = false;
        if (in) {
            try {
                result = ordered_json::parse(in);
                ok = result.is_object() && result.contains("tlmmu_trace");
            } catch (const std::exception&) {
            }
        }
        if (!ok) {
            ++table.missing;
            continue;
        }
        std::vector<std::string> row{job.id};
        for (size_t p = 0; p < job.parameters.size(); ++p) {
            row.push_back(job.parameters[p].second);
            if (p > 0 && entries_column[p - 1]) row.push_back(std::to_string(array_entries(job.parameters[p].second)));
        }
        for (const auto& d : derived) row.push_back(ratio(result, d.second.first, d.second.second));
        row.resize(table.header.size());
        if (spec.columns.empty()) {
            std::vector<std::pair<std::string, std::string>> fields;
            flatten(result, "", fields);
            for (const auto& f : fields) {
                if (fixed_names.count(f.first)) continue;
                auto it = column_of.find(f.first);
                if (it == column_of.end()) {
                    it = column_of.emplace(f.first, table.header.size()).first;
                    table.header.push_back(f.first);
                }
                if (row.size() < table.header.size()) row.resize(table.header.size());
                row[it->second] = f.second;
            }
        } else {
            for (size_t c = 0; c < spec.columns.size(); ++c) {
                const ordered_json* v = find_path(result, spec.columns[c]);
                row[fixed + c] = v && !v->is_object() && !v->is_array() ? scalar_text(*v) : "";
            }
        }
        table.rows.push_back(std::move(row));
    }
    for (auto& row : table.rows) row.resize(table.header.size());
    return table;
}

std::string to_csv(const Table& table) {
    std::string out;
    auto line = [&](const std::vector<std::string>& fields) {
        for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
        out += "\n";
    };
    line(table.header);
    for (const auto& row : table.rows) line(row);
    return out;
}

bool write_results(const SweepSpec& spec, const std::vector<Job>& jobs, const std::string& out, bool& complete) {
    const Table table = aggregate(spec, jobs, out);
    const std::string full = (std::filesystem::path(out) / "results.csv").string();
    const std::string partial = (std::filesystem::path(out) / "results.partial.csv").string();
    complete = table.missing == 0;
    const std::string& target = complete ? full : partial;
    if (!tools::write_file_atomically(target, to_csv(table))) {
        std::cerr << "tlmmu sweep: cannot write " << target << "\n";
        return false;
    }
    std::error_code ec;
    std::filesystem::remove(complete ? partial : full, ec);
    if (complete)
        std::cerr << "tlmmu sweep: " << table.rows.size() << " rows written to " << full << "\n";
    else
        std::cerr << "tlmmu sweep: " << table.missing << " of " << jobs.size() << " jobs have no result; "
                  << table.rows.size() << " rows written to " << partial << "\n";
    return true;
}

}  // namespace tlmmu::sweep
