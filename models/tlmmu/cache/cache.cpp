#include "tlmmu/cache/cache.h"

#include <algorithm>

namespace tlmmu::cache {

namespace {
bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }
uint32_t log2(uint64_t v) {
    uint32_t s = 0;
    while ((uint64_t(1) << s) < v) ++s;
    return s;
}
}  // namespace

const char* requester_name(Requester r) {
    static const char* names[kRequesters] = {"walk-pte", "walk-pde", "walk-pdpte", "walk-pml4e", "walk-pml5e",
                                             "load",     "store",    "fetch"};
    return names[static_cast<std::size_t>(r)];
}

namespace {
// One level's own geometry; `key` is "cache.NAME.".
void validate_level(const LevelConfig& l, const std::string& key) {
    if (!power_of_two(l.sets)) throw ConfigError(key + "sets: must be a power of two, got " + std::to_string(l.sets));
    if (l.ways == 0) throw ConfigError(key + "ways: must be at least 1");
    if (l.ways > 64) throw ConfigError(key + "ways: at most 64, got " + std::to_string(l.ways));
    if (l.policy == ReplacementPolicy::tree_plru && !power_of_two(l.ways))
        throw ConfigError(key + "policy: plru needs a power-of-two number of ways, got " + std::to_string(l.ways));
}
// Inclusion: `upper` fits in `lower`.
void validate_inclusion(const CacheConfig& c, const LevelConfig& upper, const LevelConfig& lower) {
    if (c.size_bytes(upper) > c.size_bytes(lower))
        throw ConfigError("cache." + upper.name + ".sets: an inclusive hierarchy needs " + upper.name + " (" +
                          std::to_string(c.size_bytes(upper)) + " bytes) no larger than " + lower.name + " (" +
                          std::to_string(c.size_bytes(lower)) + " bytes)");
}
// Level `i` of a configuration, kL1I for the L1I.
LevelConfig& level_of(CacheConfig& c, std::size_t i) { return i == kL1I ? c.l1i : c.levels.at(i); }
const LevelConfig& level_of(const CacheConfig& c, std::size_t i) { return i == kL1I ? c.l1i : c.levels.at(i); }
}  // namespace

void validate(const CacheConfig& c) {
    if (c.levels.empty()) throw ConfigError("cache.levels: at least one level is needed");
    if (!power_of_two(c.line_bytes) || c.line_bytes < 8)
        throw ConfigError("cache.line: must be a power of two of at least 8 bytes, got " + std::to_string(c.line_bytes));
    for (std::size_t i = 0; i < c.levels.size(); ++i) {
        validate_level(c.levels[i], "cache." + c.levels[i].name + ".");
        if (c.inclusive && i + 1 < c.levels.size()) validate_inclusion(c, c.levels[i], c.levels[i + 1]);
    }
    if (c.l1i_enabled) {
        validate_level(c.l1i, "cache.l1i.");
        if (c.inclusive && c.levels.size() > 1) validate_inclusion(c, c.l1i, c.levels[1]);
    }
    if (c.walker_entry > 1 || c.walker_entry >= c.levels.size())
        throw ConfigError("cache.walker_entry: the walker enters at level 0 (L1D) or 1 (L2)");
}

const settings::Group<CacheConfig>& cache_settings() {
    static const settings::Group<CacheConfig> group = [] {
        settings::Group<CacheConfig> g("cache", "data caches between the walker (and trace data) and memory (docs/caches.md)");
        g.boolean("enabled", &CacheConfig::enabled, "on", "off")
            .doc("page walks (and trace data) go through the caches; off: every page-table read costs memory.latency");
        // The four keys of level `i` (kL1I: the L1I) named `n`.
        const auto declare_level = [&g](const std::string& n, std::size_t i) {
            g.integer_at(n + ".sets", [i](CacheConfig& c) -> uint32_t& { return level_of(c, i).sets; })
                .range(1, 1u << 24)
                .power_of_two()
                .doc("sets of " + n);
            g.integer_at(n + ".ways", [i](CacheConfig& c) -> uint32_t& { return level_of(c, i).ways; })
                .range(1, 64)
                .doc("ways of " + n);
            g.integer_at(n + ".latency", [i](CacheConfig& c) -> uint32_t& { return level_of(c, i).latency; })
                .unit("cycles")
                .doc("load-to-use latency of a hit in " + n);
            g.text(n + ".policy", "lru, plru, random",
                   [i](CacheConfig& c, const std::string& key, const std::string& v) {
                       if (!parse_policy(settings::lower(v), level_of(c, i).policy))
                           throw ConfigError(key + ": " + settings::quoted(v) + " is not one of lru, plru, random");
                   },
                   [i](const CacheConfig& c) {
                       return std::string(to_string(level_of(c, i).policy));
                   })
                .doc("replacement policy of " + n);
        };
        const CacheConfig defaults;
        for (std::size_t i = 0; i < defaults.levels.size(); ++i)
            declare_level(defaults.levels[i].name, i);
        g.boolean("l1i.enabled", &CacheConfig::l1i_enabled, "on", "off")
            .doc("instruction fetches enter at their own L1I (missing to L2); off: fetches share L1D");
        declare_level("l1i", kL1I);
        g.integer("line", &CacheConfig::line_bytes).unit("bytes").range(8, 4096).power_of_two().doc("line size of every level");
        g.integer("dram_latency", &CacheConfig::dram_latency)
            .unit("cycles")
            .doc("cycles a miss in every level adds to the last level's latency");
        g.boolean("inclusive", &CacheConfig::inclusive, "on", "off")
            .doc("each level holds every line of the levels above (evictions back-invalidate)");
        g.choice("walker_entry", &CacheConfig::walker_entry, {{"l1d", 0u}, {"l2", 1u}})
            .doc("level the page walker's reads enter at");
        g.integer("seed", &CacheConfig::seed).doc("seed of the random replacement policy");
        g.validator([](const CacheConfig& c) { validate(c); });
        return g;
    }();
    return group;
}

void apply_cache_setting(CacheConfig& config, const std::string& key, const std::string& value) {
    cache_settings().apply(config, key, value);
}

Hierarchy::Level::Level(const LevelConfig& c, uint64_t seed)
    : sets(c.sets),
      ways(c.ways),
      tags(std::size_t(c.sets) * c.ways, 0),
      dirty(tags.size(), 0),
      replacement(c.policy, c.sets, c.ways, seed) {}

Hierarchy::Hierarchy(CacheConfig config) : m_config(std::move(config)) {
    validate(m_config);
    m_line_shift = log2(m_config.line_bytes);
    for (std::size_t i = 0; i < m_config.levels.size(); ++i)
        m_levels.emplace_back(m_config.levels[i], m_config.seed + i);
    m_stats.resize(m_levels.size());
    if (m_config.l1i_enabled) m_l1i = std::make_unique<Level>(m_config.l1i, m_config.seed + m_levels.size());
}

int Hierarchy::find(Level& level, uint64_t line) {
    const int w = level.way_of(line);
    if (w >= 0) use(level, std::size_t(level.set_of(line)) * level.ways, uint32_t(w));
    return w;
}

bool Hierarchy::back_invalidate(uint32_t index, uint64_t line) {
    bool dirty = false;
    for (uint32_t i = 0; i < index; ++i) {
        Level& l = m_levels[i];
        const int w = l.way_of(line);
        if (w < 0) continue;
        const std::size_t slot = std::size_t(l.set_of(line)) * l.ways + unsigned(w);
        dirty |= l.dirty[slot] != 0;
        l.tags[slot] = 0;
        l.dirty[slot] = 0;
        ++m_stats[i].back_invalidations;
    }
    // The L1I sits above L2 (its lines are never dirty).
    if (m_l1i && index >= 1) {
        Level& l = *m_l1i;
        const int w = l.way_of(line);
        if (w >= 0) {
            l.tags[std::size_t(l.set_of(line)) * l.ways + unsigned(w)] = 0;
            ++m_l1i_stats.back_invalidations;
        }
    }
    return dirty;
}

std::size_t Hierarchy::free_or_victim(Level& level, uint32_t set) {
    const std::size_t base = std::size_t(set) * level.ways;
    for (uint32_t w = 0; w < level.ways; ++w)
        if (level.tags[base + w] == 0) return base + w;
    return base + level.replacement.victim(set);
}

void Hierarchy::install(uint32_t index, uint64_t line, bool dirty) {
    Level& level = m_levels[index];
    const uint32_t set = level.set_of(line);
    const std::size_t base = std::size_t(set) * level.ways;
    const std::size_t victim = free_or_victim(level, set);
    if (level.tags[victim] != 0) {
        ++m_stats[index].evictions;
        const uint64_t old = level.tags[victim] - 1;
        // Inclusion: the copies above go too, and their data with this one.
        const bool upper_dirty = m_config.inclusive && index > 0 && back_invalidate(index, old);
        if (level.dirty[victim] || upper_dirty) {
            ++m_stats[index].writebacks;
            if (index + 1 < m_levels.size()) {
                // Write-back is write-allocate in the next level too.
                Level& next = m_levels[index + 1];
                const int w = find(next, old);
                if (w >= 0)
                    next.dirty[std::size_t(next.set_of(old)) * next.ways + unsigned(w)] = 1;
                else
                    install(index + 1, old, true);
            } else {
                ++m_memory_writes;
            }
        }
    }
    level.tags[victim] = line + 1;
    level.dirty[victim] = dirty;
    use(level, base, uint32_t(victim - base));
}

uint32_t Hierarchy::search_from(uint64_t line, std::size_t r, uint32_t first) {
    const uint32_t n = uint32_t(m_levels.size());
    for (uint32_t i = first; i < n; ++i) {
        if (find(m_levels[i], line) >= 0) {
            ++m_stats[i].hits[r];
            return i;
        }
        ++m_stats[i].misses[r];
    }
    ++m_memory_reads;
    return n;
}

// The entry level missed (access() counted nothing yet): the levels below.
uint32_t Hierarchy::access_after_miss(uint64_t line, Requester who, bool write, uint32_t entry, uint32_t* hit_level) {
    const std::size_t r = static_cast<std::size_t>(who);
    ++m_stats[entry].misses[r];
    const uint32_t served = search_from(line, r, entry + 1);
    // Fill every level between the entry level and the one that served it,
    // the lowest first (so that inclusion holds while the upper ones fill).
    // The entry level holds the only dirty copy after a write.
    for (uint32_t i = served; i-- > entry;) install(i, line, write && i == entry);
    if (hit_level) *hit_level = served;
    return latency_of(served);
}

// A fetch: the L1I, then the levels below L1D (L1D itself is not searched:
// the caches hold no data, so there is no code written as data to find there).
uint32_t Hierarchy::fetch_through_l1i(uint64_t pa, uint32_t* hit_level) {
    constexpr std::size_t r = static_cast<std::size_t>(Requester::fetch);
    const uint64_t line = pa >> m_line_shift;
    Level& l1i = *m_l1i;
    if (find(l1i, line) >= 0) {
        ++m_l1i_stats.hits[r];
        if (hit_level) *hit_level = kL1I;
        return m_config.l1i.latency;
    }
    ++m_l1i_stats.misses[r];
    const uint32_t served = search_from(line, r, 1);
    for (uint32_t i = served; i-- > 1;) install(i, line, false);
    // Code lines are never dirty: the L1I's victim just goes.
    const uint32_t set = l1i.set_of(line);
    const std::size_t slot = free_or_victim(l1i, set);
    if (l1i.tags[slot] != 0) ++m_l1i_stats.evictions;
    l1i.tags[slot] = line + 1;
    use(l1i, std::size_t(set) * l1i.ways, uint32_t(slot - std::size_t(set) * l1i.ways));
    if (hit_level) *hit_level = served;
    return latency_of(served);
}

bool Hierarchy::contains(uint32_t index, uint64_t pa) const { return m_levels.at(index).way_of(pa >> m_line_shift) >= 0; }

bool Hierarchy::l1i_contains(uint64_t pa) const { return m_l1i && m_l1i->way_of(pa >> m_line_shift) >= 0; }

uint32_t Hierarchy::probe(uint64_t pa, uint32_t entry) const {
    const uint64_t line = pa >> m_line_shift;
    for (uint32_t i = entry; i < m_levels.size(); ++i)
        if (m_levels[i].way_of(line) >= 0) return i;
    return uint32_t(m_levels.size());
}

void Hierarchy::flush_all() {
    if (m_l1i) flush(*m_l1i);
    for (Level& l : m_levels) flush(l);
}

void Hierarchy::flush(Level& l) {
    std::fill(l.tags.begin(), l.tags.end(), 0);
    std::fill(l.dirty.begin(), l.dirty.end(), 0);
    l.replacement.reset();
    l.last_used = ~std::size_t(0);
}

void Hierarchy::reset_stats() {
    for (LevelStats& s : m_stats) s = LevelStats{};
    m_l1i_stats = LevelStats{};
    m_memory_reads = m_memory_writes = 0;
}

}  // namespace tlmmu::cache
