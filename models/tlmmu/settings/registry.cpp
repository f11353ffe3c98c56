#include "tlmmu/settings/registry.h"

#include <cctype>
#include <fstream>
#include <set>

namespace tlmmu::settings {

const char* to_string(Kind kind) {
    switch (kind) {
        case Kind::integer: return "integer";
        case Kind::real: return "real";
        case Kind::boolean: return "switch";
        case Kind::choice: return "choice";
        case Kind::text: return "text";
    }
    return "?";
}

int GroupBase::find(const std::string& key, bool relative) const {
    const std::string k = lower(key);
    for (size_t i = 0; i < m_settings.size(); ++i) {
        const Setting& s = m_settings[i];
        if (s.key == k) return int(i);
        for (const std::string& a : s.aliases)
            if (a == k) return int(i);
    }
    if (relative && !key.empty() && m_name != "mmu") return find(m_name + "." + key, false);
    return -1;
}

void check_integer(const Setting& s, uint64_t value, const std::string& text) {
    if (value < s.min || value > s.max)
        throw ConfigError(s.key + ": " + settings::quoted(text) + " is out of range (" + describe_limits(s) + ")");
    if (s.multiple > 1 && value % s.multiple)
        throw ConfigError(s.key + ": " + settings::quoted(text) + " is not a multiple of " + std::to_string(s.multiple));
    if (s.power_of_two && (value & (value - 1)))
        throw ConfigError(s.key + ": " + settings::quoted(text) + " is not a power of two");
}

namespace {

// Sizes and addresses read better as binary multiples ("16MiB", "64KiB").
std::string number_text(const Setting& s, uint64_t v) {
    if (s.unit == "bytes" || s.unit == "address") {
        static const char* const kSuffix[] = {"TiB", "GiB", "MiB", "KiB"};
        for (unsigned i = 0; i < 4; ++i) {
            const unsigned shift = 40 - 10 * i;
            if (v && v % (uint64_t(1) << shift) == 0) return std::to_string(v >> shift) + kSuffix[i];
        }
    }
    return std::to_string(v);
}

}  // namespace

std::string describe_limits(const Setting& s) {
    std::string out;
    const bool bounded = s.max != std::numeric_limits<uint64_t>::max() && s.max != 0xffffffffull &&
                         s.max != 0xffffull && s.max != 0xffull;
    if (bounded) out = number_text(s, s.min) + ".." + number_text(s, s.max);
    else if (s.min) out = "at least " + number_text(s, s.min);
    else out = "0 or more";
    if (s.multiple > 1) out += ", a multiple of " + number_text(s, s.multiple);
    if (s.power_of_two) out += ", a power of two";
    return out;
}

void Target::apply(const std::string& raw_key, const std::string& raw_value) const {
    const std::string key = trim(raw_key), value = trim(raw_value);
    m_origins.erase(key);  // a later source (a flag) overrides the file's line
    bool found = false;
    for (const Bound& b : m_bound) {
        const int i = b.group->find(key);
        if (i < 0) continue;
        b.group->set(b.object, size_t(i), value);
        found = true;
    }
    if (found) return;
    const std::string guess = nearest(key, keys());
    throw ConfigError("unknown setting " + settings::quoted(key) + (guess.empty() ? "" : " (did you mean " + settings::quoted(guess) + "?)"));
}

void Target::apply_assignment(const std::string& text) const {
    std::string key, value;
    if (!split_assignment(text, key, value)) throw ConfigError(settings::quoted(text) + ": expected KEY=VALUE");
    apply(key, value);
}

void Target::load_file(const std::string& path) const {
    std::ifstream in(path);
    if (!in) throw ConfigError(path + ": cannot open configuration file");
    std::string line;
    unsigned number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        if (trim(line).empty()) continue;
        const std::string where = path + ":" + std::to_string(number) + ": ";
        std::string key, value;
        if (!split_assignment(line, key, value)) throw ConfigError(where + "expected 'key = value', got " + settings::quoted(trim(line)));
        try {
            apply(key, value);
        } catch (const ConfigError& e) {
            throw ConfigError(where + e.what());
        }
        m_origins[key] = {path + ":" + std::to_string(number), ++m_assignments};
    }
}

namespace {

// Whether `message` names `key` as a whole word ("l1d.arrays[0]: ..." names
// l1d.arrays; "psc.pdpt" does not name psc.pd).
bool names_key(const std::string& message, const std::string& key) {
    auto part_of_key = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (size_t at = message.find(key); at != std::string::npos; at = message.find(key, at + 1)) {
        const size_t end = at + key.size();
        const bool starts = at == 0 || !(part_of_key(message[at - 1]) || message[at - 1] == '.');
        const bool ends = end == message.size() || !(part_of_key(message[end]) ||
                                                     (message[end] == '.' && end + 1 < message.size() &&
                                                      part_of_key(message[end + 1])));
        if (starts && ends) return true;
    }
    return false;
}

}  // namespace

void Target::validate() const {
    for (const Bound& b : m_bound) {
        try {
            b.group->validate(b.object);
        } catch (const ConfigError& e) {
            // The line to fix: the last file line that set a key the message names.
            const Origin* last = nullptr;
            for (const auto& [key, origin] : m_origins)
                if (names_key(e.what(), key) && (!last || origin.order > last->order)) last = &origin;
            if (last) throw ConfigError(last->where + ": " + e.what());
            throw;
        }
    }
}

std::vector<std::pair<std::string, std::string>> Target::values() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::string> seen;
    for (const Bound& b : m_bound)
        for (size_t i = 0; i < b.group->settings().size(); ++i)
            if (seen.insert(b.group->settings()[i].key).second)
                out.emplace_back(b.group->settings()[i].key, b.group->get(b.object, i));
    return out;
}

std::string Target::dump() const {
    std::string out;
    for (const auto& kv : values()) out += kv.first + " = " + kv.second + "\n";
    return out;
}

std::vector<std::string> Target::keys() const {
    std::vector<std::string> out;
    for (const Bound& b : m_bound)
        for (const Setting& s : b.group->settings()) out.push_back(s.key);
    return out;
}

namespace {

std::string cell(std::string text) {
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

std::string code(const std::string& text) { return text.empty() ? "" : "`" + text + "`"; }

std::string allowed_text(const Setting& s) {
    if (!s.allowed.empty()) return s.allowed;
    if (s.kind == Kind::integer) return describe_limits(s);
    if (s.kind == Kind::real) return s.positive_real ? "above 0" : "0 or more";
    return "";
}

}  // namespace

std::string markdown_table(const std::vector<const GroupBase*>& groups) {
    std::string out;
    for (const GroupBase* g : groups) {
        if (!out.empty()) out += "\n";
        out += "**" + g->title() + "**\n\n";
        out += "| key | type | default | unit | allowed | meaning |\n|---|---|---|---|---|---|\n";
        for (const Setting& s : g->settings()) {
            if (s.shared) continue;
            std::string key = code(s.key);
            for (const std::string& a : s.aliases) key += " (alias " + code(a) + ")";
            out += "| " + key + " | " + to_string(s.kind) + " | " + cell(code(s.default_text)) + " | " + s.unit +
                   " | " + cell(allowed_text(s)) + " | " + cell(s.doc) + " |\n";
        }
    }
    return out;
}

std::string defaults_listing(const std::vector<const GroupBase*>& groups) {
    std::string out;
    for (const GroupBase* g : groups) {
        out += "# " + g->title() + "\n";
        for (const Setting& s : g->settings())
            if (!s.shared)
                out += s.key + " = " + s.default_text + "  # " + s.doc + (s.unit.empty() ? "" : " [" + s.unit + "]") + "\n";
    }
    return out;
}

const Group<MemoryConfig>& memory_settings() {
    static const Group<MemoryConfig> group = [] {
        Group<MemoryConfig> g("memory", "Page-table memory (every driver: OS model, platform, scenarios, demo)");
        g.integer("latency", &MemoryConfig::latency)
            .unit("cycles")
            .doc("per page-table entry read by the walker; a locked A/D update costs twice this");
        return g;
    }();
    return group;
}

}  // namespace tlmmu::settings
