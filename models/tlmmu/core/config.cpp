#include "tlmmu/core/config.h"

#include <cctype>
#include <sstream>
#include "tlmmu/settings/parse.h"

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

unsigned parse_unsigned(const std::string& key, const std::string& text) {
    const uint64_t v = settings::unsigned_value(key, text);
    if (v > 0xffffffffull) throw ConfigError(key + ": " + settings::quoted(text) + " is too large");
    return unsigned(v);
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
    if (x == std::string::npos) throw ConfigError(key + ": expected SETSxWAYS[:POLICY], got " + settings::quoted(text));
    sets = parse_unsigned(key, geometry.substr(0, x));
    ways = parse_unsigned(key, geometry.substr(x + 1));
    if (!policy_text.empty() && !parse_policy(policy_text, policy))
        throw ConfigError(key + ": unknown replacement policy " + settings::quoted(policy_text) + " (lru, plru, random)");
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
            throw ConfigError(key + ": expected SIZES:SETSxWAYS[:POLICY], got " + settings::quoted(item));
        ArrayConfig a;
        a.sizes = 0;
        std::string sizes = item.substr(0, colon);
        size_t start = 0;
        while (start <= sizes.size()) {
            const auto plus = sizes.find('+', start);
            const std::string one = sizes.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
            PageSize s;
            if (!parse_page_size(one, s)) throw ConfigError(key + ": unknown page size " + settings::quoted(one) + " (4k, 2m, 1g)");
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

std::string arrays_text(const TlbLevelConfig& level) {
    if (level.arrays.empty()) return "none";
    std::string out;
    for (const ArrayConfig& a : level.arrays)
        out += (out.empty() ? "" : " ") + sizes_text(a.sizes) + ':' + std::to_string(a.sets) + 'x' +
               std::to_string(a.ways) + ':' + to_string(a.policy);
    return out;
}

std::string psc_text(const PscLevelConfig& p) {
    if (p.ways == 0) return "none";
    return std::to_string(p.sets) + 'x' + std::to_string(p.ways) + ':' + to_string(p.policy);
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

const settings::Group<MmuConfig>& mmu_settings() {
    static const settings::Group<MmuConfig> group = [] {
        settings::Group<MmuConfig> g("mmu", "MMU (TLBs, paging-structure caches, walker, operation costs)",
                                     MmuConfig::skylake());
        const char* const kArrays = "`none` or arrays `SIZES:SETSxWAYS[:POLICY]`, sizes joined by `+`";
        const struct {
            const char* name;
            TlbLevelConfig MmuConfig::*level;
            const char* what;
        } levels[] = {{"l1i", &MmuConfig::l1i, "L1 instruction TLB"},
                      {"l1d", &MmuConfig::l1d, "L1 data TLB"},
                      {"l2", &MmuConfig::l2, "unified second-level TLB (STLB)"}};
        for (const auto& l : levels) {
            const auto level = l.level;
            g.integer_at(std::string(l.name) + ".latency", [level](MmuConfig& c) -> unsigned& { return (c.*level).latency; })
                .unit("cycles")
                .doc(std::string("per lookup of the ") + l.what + ", hit or miss");
            g.boolean_at(std::string(l.name) + ".splinter", [level](MmuConfig& c) -> bool& { return (c.*level).splinter; })
                .doc("cache pages of a size the level has no array for as smaller fragments");
            g.text(std::string(l.name) + ".arrays", kArrays,
                   [level](MmuConfig& c, const std::string& key, const std::string& v) { (c.*level).arrays = parse_arrays(key, v); },
                   [level](const MmuConfig& c) { return arrays_text(c.*level); })
                .doc(std::string("arrays of the ") + l.what + " (policies: lru, plru, random)");
        }
        g.integer("psc.latency", &MmuConfig::psc_latency).unit("cycles").doc("one lookup of all paging-structure caches");
        for (unsigned level = 5; level >= 2; --level) {
            g.text(std::string("psc.") + level_name(level), "`none` or `SETSxWAYS[:POLICY]`",
                   [level](MmuConfig& c, const std::string& key, const std::string& v) {
                       if (v == "none") c.psc[level].ways = 0;
                       else parse_geometry(key, v, c.psc[level].sets, c.psc[level].ways, c.psc[level].policy);
                   },
                   [level](const MmuConfig& c) { return psc_text(c.psc[level]); })
                .doc(std::string("paging-structure cache of ") + level_name(level) + " entries");
        }
        g.integer("maxphyaddr", &MmuConfig::maxphyaddr)
            .unit("bits")
            .allowed("32..52")
            .doc("physical-address width: bits 51:MAXPHYADDR of entries are reserved");
        g.boolean("gb_pages", &MmuConfig::gb_pages).doc("1 GiB pages supported (else PS=1 in a PDPTE is reserved)");
        g.integer("walk_restart_limit", &MmuConfig::walk_restart_limit)
            .allowed("at least 1")
            .doc("walks restarted by lost A/D races before a bus fault is reported");
        g.integer("seed", &MmuConfig::seed).doc("seed of the `random` replacement policy");
        const struct {
            const char* name;
            unsigned OperationCosts::*cost;
            const char* what;
        } costs[] = {{"mov_cr3", &OperationCosts::mov_cr3, "MOV to CR3"},
                     {"mov_cr4", &OperationCosts::mov_cr4, "MOV to CR4"},
                     {"mov_cr0", &OperationCosts::mov_cr0, "MOV to CR0"},
                     {"wrmsr_efer", &OperationCosts::wrmsr_efer, "WRMSR to IA32_EFER"},
                     {"wrpkru", &OperationCosts::wrpkru, "WRPKRU"},
                     {"invlpg", &OperationCosts::invlpg, "INVLPG"},
                     {"invpcid", &OperationCosts::invpcid, "INVPCID"}};
        for (const auto& op : costs) {
            const auto cost = op.cost;
            g.integer_at(std::string("cost.") + op.name, [cost](MmuConfig& c) -> unsigned& { return c.costs.*cost; })
                .unit("cycles")
                .doc(std::string("cost of ") + op.what + " (the operation, not the refills after it)");
        }
        g.validator([](const MmuConfig& c) { validate(c); });
        return g;
    }();
    return group;
}

void apply_setting(MmuConfig& c, const std::string& key, const std::string& value) {
    mmu_settings().apply(c, key, value);
}

void load_config_file(MmuConfig& c, const std::string& path) {
    settings::Target target;
    target.bind(mmu_settings(), c);
    target.load_file(path);
    try {
        target.validate();
    } catch (const ConfigError& e) {
        throw ConfigError(path + ": invalid configuration: " + e.what());
    }
}

std::string dump_config(const MmuConfig& c) {
    settings::Target target;
    target.bind(mmu_settings(), const_cast<MmuConfig&>(c));
    return target.dump();
}

}  // namespace tlmmu
