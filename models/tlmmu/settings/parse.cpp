#include "tlmmu/settings/parse.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace tlmmu::settings {

const char* const kNumberRule =
    "decimal or 0x hex; decimal may end in k/KiB, m/MiB, g/GiB or t/TiB (binary multiples)";

std::string trim(const std::string& text) {
    size_t b = 0, e = text.size();
    while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
    return text.substr(b, e - b);
}

std::string lower(std::string text) {
    for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool parse_unsigned(const std::string& text, uint64_t& value) {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    size_t pos = hex ? 2 : 0;
    const unsigned radix = hex ? 16 : 10;
    uint64_t v = 0;
    size_t digits = 0;
    for (; pos < text.size(); ++pos, ++digits) {
        const char c = text[pos];
        unsigned d;
        if (c >= '0' && c <= '9') d = unsigned(c - '0');
        else if (hex && c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
        else break;
        if (v > (UINT64_MAX - d) / radix) return false;
        v = v * radix + d;
    }
    if (digits == 0) return false;
    unsigned shift = 0;
    if (pos < text.size()) {
        if (hex) return false;
        const std::string suffix = lower(text.substr(pos));
        static const struct {
            const char* a;
            const char* b;
            unsigned shift;
        } kSuffixes[] = {{"k", "kib", 10}, {"m", "mib", 20}, {"g", "gib", 30}, {"t", "tib", 40}};
        bool known = false;
        for (const auto& s : kSuffixes)
            if (suffix == s.a || suffix == s.b) {
                shift = s.shift;
                known = true;
            }
        if (!known) return false;
    }
    if (shift && v > (UINT64_MAX >> shift)) return false;
    value = v << shift;
    return true;
}

uint64_t unsigned_value(const std::string& key, const std::string& text) {
    uint64_t v = 0;
    if (text.empty()) throw ConfigError(key + ": expected a number, got nothing");
    if (!parse_unsigned(text, v))
        throw ConfigError(key + ": " + settings::quoted(text) + " is not a number (expected a number: " + kNumberRule +
                          ", at most 2^64-1)");
    return v;
}

double real_value(const std::string& key, const std::string& text) {
    const char* begin = text.c_str();
    char* end = nullptr;
    const double d = text.empty() || text[0] == '-' || text[0] == '+' ? -1 : std::strtod(begin, &end);
    if (text.empty() || end != begin + text.size() || !(d >= 0) || d > 1e300)
        throw ConfigError(key + ": " + settings::quoted(text) + " is not a non-negative number");
    return d;
}

bool switch_value(const std::string& key, const std::string& text) {
    const std::string v = lower(text);
    if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
    if (v == "0" || v == "false" || v == "no" || v == "off") return false;
    throw ConfigError(key + ": expected true or false (on/off, yes/no, 1/0), got " + settings::quoted(text));
}

bool split_assignment(const std::string& text, std::string& key, std::string& value) {
    const auto eq = text.find('=');
    if (eq == std::string::npos) return false;
    key = trim(text.substr(0, eq));
    value = trim(text.substr(eq + 1));
    return !key.empty();
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
    const std::string w = lower(word);
    std::string best;
    size_t best_distance = std::max<size_t>(2, w.size() / 3) + 1;
    for (const std::string& c : candidates) {
        // Levenshtein distance, one row at a time.
        std::vector<size_t> row(c.size() + 1);
        for (size_t j = 0; j <= c.size(); ++j) row[j] = j;
        for (size_t i = 1; i <= w.size(); ++i) {
            size_t diagonal = row[0];
            row[0] = i;
            for (size_t j = 1; j <= c.size(); ++j) {
                const size_t up = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (w[i - 1] == c[j - 1] ? 0 : 1)});
                diagonal = up;
            }
        }
        if (row[c.size()] < best_distance) {
            best_distance = row[c.size()];
            best = c;
        }
    }
    return best;
}

std::string quoted(const std::string& text, size_t limit) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "'";
    const size_t shown = std::min(text.size(), limit);
    for (size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += char(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    out += "'";
    if (shown < text.size()) out += "...";
    return out;
}

}  // namespace tlmmu::settings
