#include "memory_image.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include "tlmmu/settings/parse.h"

namespace tlmmu::scenario {

namespace {

// A 0x hexadecimal or decimal number, '_' between digits allowed.
bool parse_qword(const std::string& text, uint64_t& out) {
    std::string digits;
    for (char c : text)
        if (c != '_') digits += c;
    if (digits.empty() || digits[0] == '-' || digits[0] == '+') return false;
    errno = 0;
    char* end = nullptr;
    const bool hex = digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
    out = std::strtoull(digits.c_str(), &end, hex ? 16 : 10);
    return errno == 0 && end && *end == '\0' && end != digits.c_str() + (hex ? 2 : 0);
}

}  // namespace

std::vector<ImageQword> parse_memory_image(std::istream& in, const std::string& name) {
    std::vector<ImageQword> out;
    std::string raw;
    unsigned line = 0;
    while (std::getline(in, raw)) {
        ++line;
        const std::string text = raw.substr(0, raw.find('#'));
        auto fail = [&](const std::string& reason) {
            throw ImageError(name + ":" + std::to_string(line) + ": " + reason);
        };
        const size_t colon = text.find(':');
        std::istringstream words(colon == std::string::npos ? text : text.substr(colon + 1));
        std::string head = colon == std::string::npos ? text : text.substr(0, colon);
        head.erase(0, head.find_first_not_of(" \t\r"));
        head.erase(head.find_last_not_of(" \t\r") + 1);
        if (colon == std::string::npos) {
            if (head.empty()) continue;
            fail("expected 'ADDRESS: QWORD...', got " + settings::quoted(head));
        }
        uint64_t pa = 0;
        if (!parse_qword(head, pa)) fail("bad address " + settings::quoted(head));
        if (pa & 7) fail("address " + head + " is not 8-byte aligned");
        std::string w;
        unsigned count = 0;
        while (words >> w) {
            uint64_t v = 0;
            if (!parse_qword(w, v)) fail("bad qword " + settings::quoted(w));
            if (pa + 8 * count < pa) fail("qwords run past the end of the physical address space");
            out.push_back({pa + 8 * count, v, line});
            ++count;
        }
        if (!count) fail("no qwords after '" + head + ":'");
    }
    return out;
}

std::vector<ImageQword> read_memory_image(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ImageError(path + ": cannot read: " + std::strerror(errno));
    return parse_memory_image(in, path);
}

}  // namespace tlmmu::scenario
