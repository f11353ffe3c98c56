#include "tlmmu/core/config.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace tlmmu {

const char* to_string(ReplacementPolicy p) {
    switch (p) {
        case ReplacementPolicy::lru: return "lru";
        case ReplacementPolicy::tree_plru: return "plru";
        case ReplacementPolicy::random: return "random";
    }
    return "?";
}

bool parse_policy(const std::string& text, ReplacementPolicy& out) {
    if (text == "lru") out = ReplacementPolicy::lru;
    else if (text == "plru" || text == "tree-plru" || text == "tree_plru") out = ReplacementPolicy::tree_plru;
    else if (text == "random") out = ReplacementPolicy::random;
    else return false;
    return true;
}

namespace {

ArrayConfig array(uint8_t sizes, unsigned sets, unsigned ways, ReplacementPolicy policy) {
    ArrayConfig a;
    a.sizes = sizes;
    a.sets = sets;
    a.ways = ways;
    a.policy = policy;
    return a;
}

constexpr uint8_t k4 = 1u << unsigned(PageSize::k4);
constexpr uint8_t m2 = 1u << unsigned(PageSize::m2);
constexpr uint8_t g1 = 1u << unsigned(PageSize::g1);

bool is_pow2(unsigned v) { return v && !(v & (v - 1)); }

constexpr unsigned kMaxSets = 1u << 16;     // per array
constexpr uint64_t kMaxEntries = 1u << 18;  // per array

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace((unsigned char)s[b])) ++b;
    while (e > b && std::isspace((unsigned char)s[e - 1])) --e;
    return s.substr(b, e - b);
}

unsigned parse_unsigned(const std::string& key, const std::string& text) {
    if (text.empty()) throw ConfigError(key + ": expected a number, got nothing");
    size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(text, &used, 0);
    } catch (const std::exception&) {
        throw ConfigError(key + ": expected a number, got '" + text + "'");
    }
    if (used != text.size() || v > 0xffffffffull) throw ConfigError(key + ": expected a number, got '" + text + "'");
    return unsigned(v);
}

bool parse_bool(const std::string& key, const std::string& text) {
    if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
    if (text == "0" || text == "false" || text == "no" || text == "off") return false;
    throw ConfigError(key + ": expected true or false, got '" + text + "'");
}

// "SETSxWAYS[:POLICY]"
void parse_geometry(const std::string& key, const std::string& text, unsigned& sets, unsigned& ways,
                    ReplacementPolicy& policy) {
    std::string geometry = text, policy_text;
    const auto colon = text.find(':');
    if (colon != std::string::npos) {
        geometry = text.substr(0, colon);
        policy_text = text.substr(colon + 1);
    }
    const auto x = geometry.find('x');
    if (x == std::string::npos) throw ConfigError(key + ": expected SETSxWAYS[:POLICY], got '" + text + "'");
    sets = parse_unsigned(key, geometry.substr(0, x));
    ways = parse_unsigned(key, geometry.substr(x + 1));
    if (!policy_text.empty() && !parse_policy(policy_text, policy))
        throw ConfigError(key + ": unknown replacement policy '" + policy_text + "' (lru, plru, random)");
}

// "4k+2m:128x12:lru 1g:4x4" or "none"
std::vector<ArrayConfig> parse_arrays(const std::string& key, const std::string& text) {
    std::vector<ArrayConfig> arrays;
    if (text == "none") return arrays;
    std::istringstream in(text);
    std::string item;
    while (in >> item) {
        const auto colon = item.find(':');
        if (colon == std::string::npos)
            throw ConfigError(key + ": expected SIZES:SETSxWAYS[:POLICY], got '" + item + "'");
        ArrayConfig a;
        a.sizes = 0;
        std::string sizes = item.substr(0, colon);
        size_t start = 0;
        while (start <= sizes.size()) {
            const auto plus = sizes.find('+', start);
            const std::string one = sizes.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
            PageSize s;
            if (!parse_page_size(one, s)) throw ConfigError(key + ": unknown page size '" + one + "' (4k, 2m, 1g)");
            a.sizes |= uint8_t(1u << unsigned(s));
            if (plus == std::string::npos) break;
            start = plus + 1;
        }
        parse_geometry(key, item.substr(colon + 1), a.sets, a.ways, a.policy);
        arrays.push_back(a);
    }
    if (arrays.empty()) throw ConfigError(key + ": no arrays given (write 'none' to disable the level)");
    return arrays;
}

std::string sizes_text(uint8_t sizes) {
    std::string out;
    for (unsigned s = 0; s < kPageSizes; ++s) {
        if (!(sizes & (1u << s))) continue;
        if (!out.empty()) out += '+';
        out += to_string(PageSize(s));
    }
    return out;
}

void validate_array(const std::string& where, const ArrayConfig& a) {
    if (a.ways == 0) throw ConfigError(where + ": ways must be at least 1");
    if (!is_pow2(a.sets)) throw ConfigError(where + ": sets must be a power of two, got " + std::to_string(a.sets));
    if (a.ways > 64) throw ConfigError(where + ": at most 64 ways, got " + std::to_string(a.ways));
    // Far beyond any real TLB or PSC, and small enough that a typo cannot ask
    // for gigabytes of host memory (an entry is a few tens of bytes).
    if (a.sets > kMaxSets) throw ConfigError(where + ": at most " + std::to_string(kMaxSets) + " sets, got " + std::to_string(a.sets));
    if (uint64_t(a.sets) * a.ways > kMaxEntries)
        throw ConfigError(where + ": at most " + std::to_string(kMaxEntries) + " entries (sets x ways), got " +
                          std::to_string(uint64_t(a.sets) * a.ways));
    if (a.policy == ReplacementPolicy::tree_plru && !is_pow2(a.ways))
        throw ConfigError(where + ": tree pseudo-LRU needs a power-of-two number of ways, got " +
                          std::to_string(a.ways));
    if (a.sizes == 0 || a.sizes > 7) throw ConfigError(where + ": holds no page size");
}

TlbLevelConfig* level_by_name(MmuConfig& c, const std::string& name) {
    if (name == "l1i") return &c.l1i;
    if (name == "l1d") return &c.l1d;
    if (name == "l2") return &c.l2;
    return nullptr;
}

}  // namespace

MmuConfig MmuConfig::skylake() {
    MmuConfig c;
    c.l1i.name = "l1i";
    c.l1i.latency = 1;
    c.l1i.arrays = {array(k4, 16, 8, ReplacementPolicy::tree_plru), array(m2, 1, 8, ReplacementPolicy::tree_plru)};
    c.l1d.name = "l1d";
    c.l1d.latency = 1;
    c.l1d.arrays = {array(k4, 16, 4, ReplacementPolicy::tree_plru), array(m2, 8, 4, ReplacementPolicy::tree_plru),
                    array(g1, 1, 4, ReplacementPolicy::tree_plru)};
    c.l2.name = "l2";
    c.l2.latency = 8;
    c.l2.arrays = {array(k4 | m2, 128, 12, ReplacementPolicy::lru), array(g1, 4, 4, ReplacementPolicy::lru)};
    c.psc[5] = {1, 2, ReplacementPolicy::lru};
    c.psc[4] = {1, 2, ReplacementPolicy::lru};
    c.psc[3] = {1, 4, ReplacementPolicy::lru};
    c.psc[2] = {8, 4, ReplacementPolicy::lru};
    return c;
}

void validate(const MmuConfig& c) {
    for (const TlbLevelConfig* level : {&c.l1i, &c.l1d, &c.l2}) {
        uint8_t seen = 0;
        for (size_t i = 0; i < level->arrays.size(); ++i) {
            const ArrayConfig& a = level->arrays[i];
            const std::string where = level->name + ".arrays[" + std::to_string(i) + "]";
            validate_array(where, a);
            if (seen & a.sizes)
                throw ConfigError(where + ": page size " + sizes_text(seen & a.sizes) + " is held by two arrays");
            seen |= a.sizes;
        }
    }
    for (unsigned l = 2; l <= 5; ++l) {
        const PscLevelConfig& p = c.psc[l];
        if (p.ways == 0) continue;  // disabled
        ArrayConfig a;
        a.sets = p.sets;
        a.ways = p.ways;
        a.policy = p.policy;
        validate_array(std::string("psc.") + level_name(l), a);
    }
    if (c.maxphyaddr < 32 || c.maxphyaddr > 52)
        throw ConfigError("maxphyaddr: must be between 32 and 52, got " + std::to_string(c.maxphyaddr));
    if (c.walk_restart_limit == 0) throw ConfigError("walk_restart_limit: must be at least 1");
}

void apply_setting(MmuConfig& c, const std::string& raw_key, const std::string& raw_value) {
    const std::string key = trim(raw_key), value = trim(raw_value);
    const auto dot = key.find('.');
    const std::string head = key.substr(0, dot), tail = dot == std::string::npos ? "" : key.substr(dot + 1);

    if (TlbLevelConfig* level = level_by_name(c, head)) {
        if (tail == "latency") level->latency = parse_unsigned(key, value);
        else if (tail == "splinter") level->splinter = parse_bool(key, value);
        else if (tail == "arrays") level->arrays = parse_arrays(key, value);
        else throw ConfigError("unknown setting '" + key + "' (latency, splinter, arrays)");
        return;
    }
    if (head == "psc") {
        unsigned l = 0;
        if (tail == "latency") {
            c.psc_latency = parse_unsigned(key, value);
        } else if ((tail == "pml5" || tail == "pml4" || tail == "pdpt" || tail == "pd") && parse_level(tail, l)) {
            if (value == "none") c.psc[l].ways = 0;
            else parse_geometry(key, value, c.psc[l].sets, c.psc[l].ways, c.psc[l].policy);
        } else {
            throw ConfigError("unknown setting '" + key + "' (psc.latency, psc.pml5, psc.pml4, psc.pdpt, psc.pd)");
        }
        return;
    }
    if (head == "cost") {
        unsigned* field = nullptr;
        if (tail == "mov_cr3") field = &c.costs.mov_cr3;
        else if (tail == "mov_cr4") field = &c.costs.mov_cr4;
        else if (tail == "mov_cr0") field = &c.costs.mov_cr0;
        else if (tail == "wrmsr_efer") field = &c.costs.wrmsr_efer;
        else if (tail == "wrpkru") field = &c.costs.wrpkru;
        else if (tail == "invlpg") field = &c.costs.invlpg;
        else if (tail == "invpcid") field = &c.costs.invpcid;
        else throw ConfigError("unknown setting '" + key + "'");
        *field = parse_unsigned(key, value);
        return;
    }
    if (key == "maxphyaddr") c.maxphyaddr = parse_unsigned(key, value);
    else if (key == "gb_pages") c.gb_pages = parse_bool(key, value);
    else if (key == "walk_restart_limit") c.walk_restart_limit = parse_unsigned(key, value);
    else if (key == "seed") c.seed = parse_unsigned(key, value);
    else throw ConfigError("unknown setting '" + key + "'");
}

void load_config_file(MmuConfig& c, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(path + ": cannot open configuration file");
    std::string line;
    unsigned number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        if (trim(line).empty()) continue;
        const auto eq = line.find('=');
        const std::string where = path + ":" + std::to_string(number) + ": ";
        if (eq == std::string::npos) throw ConfigError(where + "expected 'key = value', got '" + trim(line) + "'");
        try {
            apply_setting(c, line.substr(0, eq), line.substr(eq + 1));
        } catch (const ConfigError& e) {
            throw ConfigError(where + e.what());
        }
    }
    try {
        validate(c);
    } catch (const ConfigError& e) {
        throw ConfigError(path + ": invalid configuration: " + e.what());
    }
}

std::string dump_config(const MmuConfig& c) {
    std::ostringstream out;
    for (const TlbLevelConfig* level : {&c.l1i, &c.l1d, &c.l2}) {
        out << level->name << ".latency = " << level->latency << "\n";
        out << level->name << ".splinter = " << (level->splinter ? "true" : "false") << "\n";
        out << level->name << ".arrays =";
        if (level->arrays.empty()) out << " none";
        for (const ArrayConfig& a : level->arrays)
            out << ' ' << sizes_text(a.sizes) << ':' << a.sets << 'x' << a.ways << ':' << to_string(a.policy);
        out << "\n";
    }
    out << "psc.latency = " << c.psc_latency << "\n";
    for (unsigned l = 5; l >= 2; --l) {
        out << "psc." << level_name(l) << " = ";
        if (c.psc[l].ways == 0) out << "none\n";
        else out << c.psc[l].sets << 'x' << c.psc[l].ways << ':' << to_string(c.psc[l].policy) << "\n";
    }
    out << "maxphyaddr = " << c.maxphyaddr << "\n";
    out << "gb_pages = " << (c.gb_pages ? "true" : "false") << "\n";
    out << "walk_restart_limit = " << c.walk_restart_limit << "\n";
    out << "seed = " << c.seed << "\n";
    out << "cost.mov_cr3 = " << c.costs.mov_cr3 << "\n";
    out << "cost.mov_cr4 = " << c.costs.mov_cr4 << "\n";
    out << "cost.mov_cr0 = " << c.costs.mov_cr0 << "\n";
    out << "cost.wrmsr_efer = " << c.costs.wrmsr_efer << "\n";
    out << "cost.wrpkru = " << c.costs.wrpkru << "\n";
    out << "cost.invlpg = " << c.costs.invlpg << "\n";
    out << "cost.invpcid = " << c.costs.invpcid << "\n";
    return out.str();
}

}  // namespace tlmmu
