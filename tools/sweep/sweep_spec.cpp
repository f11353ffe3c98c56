#include "sweep_spec.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tlmmu/core/config.h"
#include "tlmmu/os/os_model.h"
#include "tlmmu/synth/synthetic.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::sweep {
namespace {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const std::string& key, const std::string& what) {
    throw SpecError(path + ": key " + settings::quoted(key) + ": " + what);
}

// Setting values may be written as strings, numbers or booleans.
std::string scalar_text(const std::string& path, const std::string& key, const ordered_json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float()) return v.dump();
    fail(path, key, "must be a string, a number or a boolean");
}

std::string resolve_trace(const fs::path& spec_dir, const std::string& trace) {
    if (trace.rfind("synth:", 0) == 0) return trace;
    const fs::path p(trace);
    return p.is_absolute() ? trace : (spec_dir / p).lexically_normal().string();
}

void read_settings(const std::string& path, const std::string& key, const ordered_json& v,
                   std::vector<std::pair<std::string, std::string>>& out) {
    if (!v.is_object()) fail(path, key, "must be an object of KEY: VALUE settings");
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (it.key().empty()) fail(path, key, "has an empty setting name");
        out.emplace_back(it.key(), scalar_text(path, key + "." + it.key(), it.value()));
    }
}

// FNV-1a, 64 bits: stable across platforms and releases, unlike std::hash.
uint64_t fnv1a(const std::string& text) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

// A short readable prefix for job ids: the first trace's file name or pattern.
std::string slug(const std::string& trace) {
    std::string base = trace;
    if (base.rfind("synth:", 0) == 0) {
        base = base.substr(6);
        base = base.substr(0, base.find(','));
    } else {
        base = fs::path(base).filename().string();
    }
    std::string out;
    for (char c : base) {
        if (out.size() >= 24) break;
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        out += keep ? c : '_';
    }
    return out.empty() ? "trace" : out;
}

}  // namespace

SweepSpec parse_spec(const std::string& text, const std::string& path) {
    ordered_json root;
    try {
        root = ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // e.what() carries "at line L, column C".
        std::string what = e.what();
        const auto colon = what.find("] ");
        throw SpecError(path + ": " + (colon == std::string::npos ? what : what.substr(colon + 2)));
    }
    if (!root.is_object()) throw SpecError(path + ": the spec must be a JSON object");
    static const std::set<std::string> known = {"output", "traces", "base", "axes", "columns", "description"};
    for (auto it = root.begin(); it != root.end(); ++it)
        if (!known.count(it.key()))
            fail(path, it.key(), "unknown key (known: output, traces, base, axes, columns, description)");

    SweepSpec spec;
    spec.path = path;
    const fs::path spec_dir = fs::absolute(fs::path(path)).parent_path();

    if (root.contains("output")) {
        if (!root["output"].is_string() || root["output"].get<std::string>().empty())
            fail(path, "output", "must be a non-empty string (a directory)");
        spec.output = root["output"].get<std::string>();
    }

    if (!root.contains("traces")) fail(path, "traces", "missing (a list of trace paths or synth: specs)");
    const ordered_json& traces = root["traces"];
    if (!traces.is_array() || traces.empty()) fail(path, "traces", "must be a non-empty array");
    for (size_t i = 0; i < traces.size(); ++i) {
        const std::string key = "traces[" + std::to_string(i) + "]";
        TraceGroup group;
        const ordered_json& t = traces[i];
        if (t.is_string()) {
            group.as_written.push_back(t.get<std::string>());
        } else if (t.is_array() && !t.empty()) {
            for (const auto& member : t) {
                if (!member.is_string()) fail(path, key, "a trace group lists strings (paths or synth: specs)");
                group.as_written.push_back(member.get<std::string>());
            }
        } else {
            fail(path, key, "must be a path, a synth: spec, or a non-empty array of them");
        }
        for (const std::string& w : group.as_written) {
            if (w.empty()) fail(path, key, "empty trace name");
            group.arguments.push_back(resolve_trace(spec_dir, w));
        }
        spec.traces.push_back(std::move(group));
    }

    if (root.contains("base")) {
        const ordered_json& base = root["base"];
        if (!base.is_object()) fail(path, "base", "must be an object");
        for (auto it = base.begin(); it != base.end(); ++it) {
            const std::string key = "base." + it.key();
            const ordered_json& v = it.value();
            if (it.key() == "set") {
                read_settings(path, key, v, spec.base_set);
            } else if (it.key() == "os") {
                read_settings(path, key, v, spec.base_os);
            } else if (it.key() == "format") {
                if (!v.is_string() || v.get<std::string>().empty()) fail(path, key, "must be a format name");
                spec.format = v.get<std::string>();
            } else if (it.key() == "config") {
                if (!v.is_string() || v.get<std::string>().empty()) fail(path, key, "must be a file path");
                spec.config_as_written = v.get<std::string>();
                spec.config = resolve_trace(spec_dir, spec.config_as_written);
            } else if (it.key() == "limit") {
                if (!v.is_number_unsigned() || v.get<uint64_t>() == 0) fail(path, key, "must be a positive integer");
                spec.limit = v.get<uint64_t>();
            } else {
                fail(path, key, "unknown key (known: set, os, format, config, limit)");
            }
        }
    }

    if (root.contains("axes")) {
        const ordered_json& axes = root["axes"];
        if (!axes.is_array()) fail(path, "axes", "must be an array");
        std::set<std::string> columns;
        for (size_t i = 0; i < axes.size(); ++i) {
            const std::string key = "axes[" + std::to_string(i) + "]";
            const ordered_json& a = axes[i];
            if (!a.is_object()) fail(path, key, "must be an object {\"set\" or \"os\": KEY, \"values\": [...]}");
            Axis axis;
            for (auto it = a.begin(); it != a.end(); ++it) {
                const std::string& k = it.key();
                if (k == "set" || k == "os") {
                    if (!axis.option.empty()) fail(path, key, "give exactly one of \"set\" and \"os\"");
                    if (!it.value().is_string() || it.value().get<std::string>().empty())
                        fail(path, key + "." + k, "must be a setting name");
                    axis.option = "--" + k;
                    axis.key = it.value().get<std::string>();
                } else if (k == "values") {
                    if (!it.value().is_array() || it.value().empty())
                        fail(path, key + ".values", "must be a non-empty array");
                    for (size_t v = 0; v < it.value().size(); ++v)
                        axis.values.push_back(
                            scalar_text(path, key + ".values[" + std::to_string(v) + "]", it.value()[v]));
                } else if (k == "name") {
                    if (!it.value().is_string() || it.value().get<std::string>().empty())
                        fail(path, key + ".name", "must be a non-empty string");
                    axis.column = it.value().get<std::string>();
                } else {
                    fail(path, key + "." + k, "unknown key (known: set, os, values, name)");
                }
            }
            if (axis.option.empty()) fail(path, key, "needs \"set\" (an MMU setting) or \"os\" (an OS-model setting)");
            if (axis.values.empty()) fail(path, key + ".values", "missing");
            if (axis.column.empty()) axis.column = axis.option == "--os" ? "os." + axis.key : axis.key;
            if (axis.column == "job" || axis.column == "trace" || !columns.insert(axis.column).second)
                fail(path, key, "column name " + settings::quoted(axis.column) + " is used twice (give the axis a \"name\")");
            std::set<std::string> seen;
            for (const std::string& v : axis.values)
                if (!seen.insert(v).second) fail(path, key + ".values", "value " + settings::quoted(v) + " is listed twice");
            spec.axes.push_back(std::move(axis));
        }
    }

    if (root.contains("columns")) {
        const ordered_json& c = root["columns"];
        if (!c.is_array()) fail(path, "columns", "must be an array of result fields (e.g. \"stats.walks.count\")");
        for (size_t i = 0; i < c.size(); ++i) {
            if (!c[i].is_string() || c[i].get<std::string>().empty())
                fail(path, "columns[" + std::to_string(i) + "]", "must be a non-empty string");
            spec.columns.push_back(c[i].get<std::string>());
        }
    }
    return spec;
}

SweepSpec load_spec(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw SpecError(path + ": cannot open the sweep spec");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_spec(text.str(), path);
}

std::vector<Job> expand_jobs(const SweepSpec& spec) {
    size_t per_trace = 1;
    for (const Axis& a : spec.axes) per_trace *= a.values.size();
    std::vector<Job> jobs;
    jobs.reserve(spec.traces.size() * per_trace);
    for (const TraceGroup& group : spec.traces) {
        for (size_t combo = 0; combo < per_trace; ++combo) {
            // Mixed-radix digits of `combo`, the last axis least significant.
            std::vector<size_t> pick(spec.axes.size());
            size_t rest = combo;
            for (size_t a = spec.axes.size(); a-- > 0;) {
                pick[a] = rest % spec.axes[a].values.size();
                rest /= spec.axes[a].values.size();
            }
            Job job;
            job.index = jobs.size();
            std::vector<std::string>& args = job.arguments;
            args = {"trace", "--quiet"};
            if (!spec.format.empty()) args.insert(args.end(), {"--format", spec.format});
            if (!spec.config.empty()) args.insert(args.end(), {"--config", spec.config});
            if (spec.limit) args.insert(args.end(), {"--limit", std::to_string(spec.limit)});
            for (const auto& s : spec.base_set) args.insert(args.end(), {"--set", s.first + "=" + s.second});
            for (const auto& s : spec.base_os) args.insert(args.end(), {"--os", s.first + "=" + s.second});
            // The identity of a job: what it computes, not where files live.
            std::string identity = "format=" + spec.format + "\nconfig=" + spec.config_as_written +
                                   "\nlimit=" + std::to_string(spec.limit) + "\n";
            for (const auto& s : spec.base_set) identity += "set " + s.first + "=" + s.second + "\n";
            for (const auto& s : spec.base_os) identity += "os " + s.first + "=" + s.second + "\n";
            std::string trace_column;
            for (const std::string& w : group.as_written) {
                identity += "trace " + w + "\n";
                trace_column += (trace_column.empty() ? "" : " + ") + w;
            }
            job.parameters.emplace_back("trace", trace_column);
            for (size_t a = 0; a < spec.axes.size(); ++a) {
                const Axis& axis = spec.axes[a];
                const std::string& value = axis.values[pick[a]];
                args.insert(args.end(), {axis.option, axis.key + "=" + value});
                identity += "axis " + axis.option + " " + axis.key + "=" + value + "\n";
                job.parameters.emplace_back(axis.column, value);
            }
            job.traces = group.arguments;
            char hash[17];
            std::snprintf(hash, sizeof hash, "%016llx", (unsigned long long)fnv1a(identity));
            job.id = slug(group.as_written[0]) + "-" + hash;
            jobs.push_back(std::move(job));
        }
    }
    return jobs;
}

void check_values_and_traces(const SweepSpec& spec) {
    auto check = [&](const std::string& option, const std::string& key, const std::string& value,
                     const std::string& where) {
        try {
            if (option == "--set" && settings::lower(key).compare(0, 6, "cache.") == 0) {
                cache::CacheConfig scratch;  // the data caches (tlmmu trace --set cache.KEY=VALUE)
                cache::apply_cache_setting(scratch, key, value);
            } else if (option == "--set") {
                MmuConfig scratch = MmuConfig::skylake();
                apply_setting(scratch, key, value);
            } else {
                os::OsConfig scratch;
                os::apply_os_setting(scratch, key, value);
            }
        } catch (const std::exception& e) {
            throw SpecError(spec.path + ": " + where + ": " + e.what());  // the message names key and value
        }
    };
    for (const auto& [key, value] : spec.base_set) check("--set", key, value, "set");
    for (const auto& [key, value] : spec.base_os) check("--os", key, value, "os");
    for (const Axis& axis : spec.axes)
        for (const std::string& value : axis.values) check(axis.option, axis.key, value, "axes." + axis.column);
    for (const TraceGroup& group : spec.traces) {
        for (const std::string& trace : group.arguments) {
            if (synth::is_synthetic_spec(trace)) {
                try {
                    synth::open_synthetic(trace);  // checks the spec's keys and values
                } catch (const std::exception& e) {
                    throw SpecError(spec.path + ": traces: " + e.what());
                }
                continue;
            }
            std::error_code ec;
            if (fs::is_directory(trace, ec)) continue;  // a drmemtrace directory: its reader checks it
            if (!std::ifstream(trace, std::ios::binary))
                throw SpecError(spec.path + ": traces: " + trace + ": cannot be read (" +
                                (fs::exists(trace, ec) ? "permission denied" : "no such file") + ")");
        }
    }
}

}  // namespace tlmmu::sweep
