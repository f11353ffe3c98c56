#include "compare.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace tlmmu::check {

namespace {

std::string location(const std::string& file, unsigned line) {
    return line ? file + ":" + std::to_string(line) : file;
}

// Edits (insert, delete, substitute, swap two neighbours) from a to b.
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
        for (size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// '*' in one segment: any characters.
bool segment_matches(const char* p, const char* s) {
    if (*p == '\0') return *s == '\0';
    if (*p == '*') return segment_matches(p + 1, s) || (*s && segment_matches(p, s + 1));
    return *s == *p && segment_matches(p + 1, s + 1);
}

bool matches_from(const Path& pattern, size_t i, const Path& path, size_t j) {
    if (i == pattern.size()) return j == path.size();
    if (pattern[i] == "**") {
        for (size_t k = j; k <= path.size(); ++k)
            if (matches_from(pattern, i + 1, path, k)) return true;
        return false;
    }
    return j < path.size() && segment_matches(pattern[i].c_str(), path[j].c_str()) &&
           matches_from(pattern, i + 1, path, j + 1);
}

void flatten_into(const nlohmann::json& v, Path& prefix, std::vector<Metric>& out) {
    if (v.is_object() && !v.empty()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            prefix.push_back(it.key());
            flatten_into(it.value(), prefix, out);
            prefix.pop_back();
        }
    } else if (v.is_array() && !v.empty()) {
        for (size_t i = 0; i < v.size(); ++i) {
            prefix.push_back(std::to_string(i));
            flatten_into(v[i], prefix, out);
            prefix.pop_back();
        }
    } else {
        out.push_back({prefix, v});
    }
}

std::string number_text(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace((unsigned char)s[b])) ++b;
    while (e > b && std::isspace((unsigned char)s[e - 1])) --e;
    return s.substr(b, e - b);
}

}  // namespace

CheckError::CheckError(const std::string& file, unsigned line, const std::string& reason)
    : std::runtime_error(location(file, line) + ": " + reason) {}

std::string path_text(const Path& path) {
    std::string out;
    for (const std::string& s : path) {
        if (!out.empty()) out += '.';
        const bool bracket = s.empty() || s.find_first_of(".[]") != std::string::npos;
        out += bracket ? "[" + s + "]" : s;
    }
    return out;
}

Path parse_path(const std::string& text) {
    Path path;
    size_t i = 0;
    while (true) {
        std::string segment;
        if (i < text.size() && text[i] == '[') {
            const size_t close = text.find(']', i);
            if (close == std::string::npos) throw std::invalid_argument("'[' without ']'");
            segment = text.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            const size_t end = text.find('.', i);
            segment = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
            if (segment.find_first_of("[]") != std::string::npos)
                throw std::invalid_argument("brackets must enclose a whole segment");
            i = end == std::string::npos ? text.size() : end;
        }
        if (segment.empty()) throw std::invalid_argument("empty segment");
        path.push_back(segment);
        if (i == text.size()) return path;
        if (text[i] != '.') throw std::invalid_argument("expected '.' after ']'");
        ++i;
    }
}

bool matches(const Path& pattern, const Path& path) { return matches_from(pattern, 0, path, 0); }

std::vector<Metric> flatten(const nlohmann::json& document) {
    std::vector<Metric> out;
    Path prefix;
    flatten_into(document, prefix, out);
    return out;
}

nlohmann::json read_json_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw CheckError(path, 0, "cannot read: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CheckError(path, 0, "cannot read");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        size_t at = std::min<size_t>(e.byte ? e.byte - 1 : 0, text.size());
        if (at == text.size())  // cut off: the line of the last character there is
            while (at > 0 && std::isspace((unsigned char)text[at - 1])) --at;
        const unsigned line = unsigned(std::count(text.begin(), text.begin() + long(at), '\n')) + 1;
        std::string reason = e.what();
        const size_t colon = reason.rfind(": ");  // nlohmann prefixes "[json.exception.parse_error.101] ..."
        if (colon != std::string::npos) reason = reason.substr(colon + 2);
        throw CheckError(path, line, "not valid JSON (byte " + std::to_string(e.byte) + "): " + reason);
    }
}

const char* to_string(Kind k) {
    switch (k) {
        case Kind::exact: return "exact";
        case Kind::absolute: return "absolute";
        case Kind::relative: return "relative";
        case Kind::ignore: return "ignore";
    }
    return "?";
}

std::string Rule::describe() const {
    std::string s = to_string(kind);
    if (kind == Kind::absolute) s += " " + number_text(amount);
    if (kind == Kind::relative) s += " " + number_text(amount * 100) + "%";
    return s;
}

const Rule& Tolerances::rule_for(const Path& path) const {
    for (const Rule& r : rules)
        if (matches(r.pattern, path)) return r;
    return fallback;
}

Tolerances parse_tolerances(std::istream& in, const std::string& file) {
    Tolerances t;
    t.file = file;
    t.fallback.pattern_text = "(default)";
    bool have_default = false;
    std::string raw;
    unsigned line = 0;
    while (std::getline(in, raw)) {
        ++line;
        const std::string text = trim(raw.substr(0, raw.find('#')));
        if (text.empty()) continue;
        std::istringstream words(text);
        std::string pattern, kind, amount, extra;
        words >> pattern >> kind >> amount >> extra;
        auto fail = [&](const std::string& reason) { throw CheckError(file, line, reason); };
        if (kind.empty()) fail("expected 'PATTERN exact|absolute N|relative N%|ignore', got '" + text + "'");
        if (!extra.empty()) fail("unexpected '" + extra + "'");
        Rule r;
        r.line = line;
        r.pattern_text = pattern;
        if (kind == "exact") r.kind = Kind::exact;
        else if (kind == "absolute") r.kind = Kind::absolute;
        else if (kind == "relative") r.kind = Kind::relative;
        else if (kind == "ignore") r.kind = Kind::ignore;
        else fail("unknown tolerance '" + kind + "' (exact, absolute N, relative N%, ignore)");
        const bool needs_amount = r.kind == Kind::absolute || r.kind == Kind::relative;
        if (needs_amount && amount.empty()) fail(std::string(to_string(r.kind)) + " needs an amount");
        if (!needs_amount && !amount.empty()) fail(std::string(to_string(r.kind)) + " takes no amount, got '" + amount + "'");
        if (needs_amount) {
            const bool percent = amount.back() == '%';
            const std::string digits = percent ? amount.substr(0, amount.size() - 1) : amount;
            size_t used = 0;
            double v = -1;
            try {
                v = std::stod(digits, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (digits.empty() || used != digits.size() || !std::isfinite(v) || v < 0)
                fail("bad amount '" + amount + "' (a non-negative number" +
                     std::string(r.kind == Kind::relative ? ", a fraction or N%)" : ")"));
            if (percent && r.kind != Kind::relative) fail("'%' belongs to a relative tolerance");
            r.amount = percent ? v / 100 : v;
        }
        if (pattern == "default") {
            if (have_default) fail("a second 'default' line");
            have_default = true;
            r.pattern_text = "(default)";
            t.fallback = r;
            continue;
        }
        try {
            r.pattern = parse_path(pattern);
        } catch (const std::invalid_argument& e) {
            fail("bad metric pattern '" + pattern + "': " + e.what());
        }
        t.rules.push_back(r);
    }
    return t;
}

Tolerances read_tolerance_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw CheckError(path, 0, "cannot read: is a directory");
    std::ifstream in(path);
    if (!in) throw CheckError(path, 0, "cannot read");
    return parse_tolerances(in, path);
}

void check_rules_select(const Tolerances& t, const std::vector<Metric>& metrics) {
    for (const Rule& r : t.rules) {
        bool selects = false;
        for (const Metric& m : metrics) selects = selects || matches(r.pattern, m.path);
        if (selects) continue;
        // Suggest a path written like the pattern: its wildcard segments kept,
        // a leading '**' standing for the metric's leading segments.
        std::string nearest;
        size_t best = std::string::npos;
        for (const Metric& m : metrics) {
            Path candidate;
            const Path& p = r.pattern;
            if (p.size() > 1 && p[0] == "**" && m.path.size() >= p.size() - 1) {
                candidate.push_back("**");
                candidate.insert(candidate.end(), m.path.end() - long(p.size() - 1), m.path.end());
            } else {
                candidate = m.path;
            }
            if (candidate.size() == p.size())
                for (size_t i = 0; i < p.size(); ++i)
                    if (p[i].find('*') != std::string::npos) candidate[i] = p[i];
            const std::string text = path_text(candidate);
            const size_t d = edit_distance(r.pattern_text, text);
            if (d < best) best = d, nearest = text;
        }
        throw CheckError(t.file, r.line,
                         "no metric '" + r.pattern_text + "'" + (nearest.empty() ? "" : " (nearest: " + nearest + ")"));
    }
}

const char* to_string(Row::Status s) {
    switch (s) {
        case Row::Status::same: return "same";
        case Row::Status::within: return "within";
        case Row::Status::regressed: return "REGRESSED";
        case Row::Status::missing_in_run: return "MISSING";
        case Row::Status::not_in_golden: return "NEW";
        case Row::Status::ignored: return "ignored";
    }
    return "?";
}

size_t Comparison::failed() const {
    return size_t(std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.failed(); }));
}
size_t Comparison::moved() const {
    return size_t(std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.moved(); }));
}

Comparison compare(const nlohmann::json& golden, const nlohmann::json& run, const Tolerances& tolerances) {
    Comparison c;
    const std::vector<Metric> g = flatten(golden), r = flatten(run);
    std::map<Path, const nlohmann::json*> run_values;
    for (const Metric& m : r) run_values[m.path] = &m.value;
    std::map<Path, bool> in_golden;
    for (const Metric& m : g) {
        in_golden[m.path] = true;
        Row row;
        row.path = path_text(m.path);
        row.rule = tolerances.rule_for(m.path);
        row.golden = m.value.dump();
        const auto found = run_values.find(m.path);
        if (row.rule.kind == Kind::ignore) {
            row.status = Row::Status::ignored;
            row.run = found == run_values.end() ? "-" : found->second->dump();
        } else if (found == run_values.end()) {
            row.status = Row::Status::missing_in_run;
            row.run = "-";
        } else {
            const nlohmann::json& v = *found->second;
            row.run = v.dump();
            if (m.value.is_number() && v.is_number()) {
                const double a = m.value.get<double>(), b = v.get<double>();
                const double delta = b - a;
                if (delta != 0 || !(m.value == v)) {
                    row.change = (delta >= 0 ? "+" : "") + number_text(delta);
                    if (a != 0) row.change += " (" + std::string(delta >= 0 ? "+" : "") + number_text(100 * delta / a) + "%)";
                }
                bool ok = false;
                switch (row.rule.kind) {
                    case Kind::exact: ok = m.value == v; break;
                    case Kind::absolute: ok = std::fabs(delta) <= row.rule.amount; break;
                    case Kind::relative: ok = std::fabs(delta) <= row.rule.amount * std::fabs(a); break;
                    case Kind::ignore: ok = true; break;
                }
                row.status = m.value == v ? Row::Status::same : ok ? Row::Status::within : Row::Status::regressed;
            } else {
                row.status = m.value == v ? Row::Status::same : Row::Status::regressed;
            }
        }
        c.rows.push_back(row);
    }
    for (const Metric& m : r) {
        if (in_golden.count(m.path)) continue;
        Row row;
        row.path = path_text(m.path);
        row.rule = tolerances.rule_for(m.path);
        row.golden = "-";
        row.run = m.value.dump();
        row.status = row.rule.kind == Kind::ignore ? Row::Status::ignored : Row::Status::not_in_golden;
        c.rows.push_back(row);
    }
    return c;
}

std::string table(const Comparison& c, bool all) {
    std::vector<std::vector<std::string>> cells = {{"metric", "golden", "run", "change", "tolerance", "status"}};
    for (const Row& r : c.rows)
        if (all || r.moved())
            cells.push_back({r.path, r.golden, r.run, r.change, r.rule.describe(), to_string(r.status)});
    std::vector<size_t> width(6, 0);
    for (const auto& row : cells)
        for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    std::string out;
    for (const auto& row : cells) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] > row[i].size() ? width[i] - row[i].size() + 2 : 2, ' ');
        }
        out += line + "\n";
    }
    return out;
}

std::string markdown(const Comparison& c, const std::string& golden_name, const std::string& run_name) {
    auto cell = [](std::string s) {
        std::string out;
        for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
        return out.empty() ? std::string(" ") : "`" + out + "`";
    };
    std::string out = std::string("### tlmmu check: ") + (c.failed() ? "FAIL" : "PASS") + "\n\n" +
                      std::to_string(c.rows.size()) + " metrics of `" + run_name + "` against `" + golden_name + "`: " +
                      std::to_string(c.failed()) + " outside tolerance, " + std::to_string(c.moved() - c.failed()) +
                      " moved within it.\n";
    if (c.moved() == 0) return out;
    out += "\n| metric | golden | run | change | tolerance | status |\n|---|---|---|---|---|---|\n";
    for (const Row& r : c.rows)
        if (r.moved())
            out += "| " + cell(r.path) + " | " + cell(r.golden) + " | " + cell(r.run) + " | " + cell(r.change) + " | " +
                   r.rule.describe() + " | " + (r.failed() ? "**" + std::string(to_string(r.status)) + "**" : "ok") +
                   " |\n";
    return out;
}

}  // namespace tlmmu::check
