#include "tlmmu/cache/cache.h"

#include "tlmmu/core/config.h"

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

void validate(const CacheConfig& c) {
    if (c.levels.empty()) throw ConfigError("cache.levels: at least one level is needed");
    for (std::size_t i = 0; i < c.levels.size(); ++i) {
        const LevelConfig& l = c.levels[i];
        const std::string key = "cache." + l.name + ".";
        if (!power_of_two(l.sets)) throw ConfigError(key + "sets: must be a power of two, got " + std::to_string(l.sets));
        if (l.ways == 0) throw ConfigError(key + "ways: must be at least 1");
        if (!power_of_two(l.line_bytes) || l.line_bytes < 8)
            throw ConfigError(key + "line: must be a power of two of at least 8 bytes, got " +
                              std::to_string(l.line_bytes));
        if (l.line_bytes != c.levels[0].line_bytes)
            throw ConfigError(key + "line: every level must have the line size of " + c.levels[0].name);
        if (c.inclusive && i + 1 < c.levels.size() && l.size_bytes() > c.levels[i + 1].size_bytes())
            throw ConfigError(key + "sets: an inclusive hierarchy needs " + l.name + " (" +
                              std::to_string(l.size_bytes()) + " bytes) no larger than " + c.levels[i + 1].name +
                              " (" + std::to_string(c.levels[i + 1].size_bytes()) + " bytes)");
    }
    if (c.walker_entry > 1 || c.walker_entry >= c.levels.size())
        throw ConfigError("cache.walker_entry: the walker enters at level 0 (L1D) or 1 (L2)");
}

Hierarchy::Hierarchy(CacheConfig config) : m_config(std::move(config)) {
    validate(m_config);
    m_line_shift = log2(m_config.levels[0].line_bytes);
    for (const LevelConfig& l : m_config.levels) {
        Level level;
        level.sets = l.sets;
        level.ways = l.ways;
        level.tags.assign(std::size_t(l.sets) * l.ways, 0);
        level.stamp.assign(level.tags.size(), 0);
        level.dirty.assign(level.tags.size(), 0);
        m_levels.push_back(std::move(level));
    }
    m_stats.resize(m_levels.size());
}

int Hierarchy::find(Level& level, uint64_t line) {
    const std::size_t base = std::size_t(line & (level.sets - 1)) * level.ways;
    for (uint32_t w = 0; w < level.ways; ++w) {
        if (level.tags[base + w] == line + 1) {
            level.stamp[base + w] = ++m_clock;
            return int(w);
        }
    }
    return -1;
}

void Hierarchy::install(uint32_t index, uint64_t line, bool dirty) {
    Level& level = m_levels[index];
    const std::size_t base = std::size_t(line & (level.sets - 1)) * level.ways;
    std::size_t victim = base;
    for (uint32_t w = 0; w < level.ways; ++w) {
        const std::size_t i = base + w;
        if (level.tags[i] == 0) { victim = i; break; }
        if (level.stamp[i] < level.stamp[victim]) victim = i;
    }
    if (level.tags[victim] != 0) {
        ++m_stats[index].evictions;
        if (level.dirty[victim]) {
            ++m_stats[index].writebacks;
            const uint64_t old = level.tags[victim] - 1;
            if (index + 1 < m_levels.size()) {
                // Write-back is write-allocate in the next level too.
                Level& next = m_levels[index + 1];
                const int w = find(next, old);
                if (w >= 0)
                    next.dirty[std::size_t(old & (next.sets - 1)) * next.ways + w] = 1;
                else
                    install(index + 1, old, true);
            } else {
                ++m_memory_writes;
            }
        }
    }
    level.tags[victim] = line + 1;
    level.stamp[victim] = ++m_clock;
    level.dirty[victim] = dirty;
}

uint32_t Hierarchy::access(uint64_t pa, Requester who, bool write, uint32_t entry, uint32_t* hit_level) {
    const uint64_t line = pa >> m_line_shift;
    const std::size_t r = static_cast<std::size_t>(who);
    const uint32_t n = uint32_t(m_levels.size());
    uint32_t served = n;
    for (uint32_t i = entry; i < n; ++i) {
        const int w = find(m_levels[i], line);
        if (w >= 0) {
            ++m_stats[i].hits[r];
            served = i;
            if (write && i == entry) {
                Level& l = m_levels[i];
                l.dirty[std::size_t(line & (l.sets - 1)) * l.ways + w] = 1;
            }
            break;
        }
        ++m_stats[i].misses[r];
    }
    if (served == n) ++m_memory_reads;
    // Fill every level between the entry level and the one that served it.
    // The entry level holds the only dirty copy after a write.
    for (uint32_t i = served; i-- > entry;) install(i, line, write && i == entry);
    if (hit_level) *hit_level = served;
    return served == n ? m_config.levels[n - 1].latency + m_config.memory_latency : m_config.levels[served].latency;
}

bool Hierarchy::contains(uint32_t index, uint64_t pa) const {
    const Level& level = m_levels.at(index);
    const uint64_t line = pa >> m_line_shift;
    const std::size_t base = std::size_t(line & (level.sets - 1)) * level.ways;
    for (uint32_t w = 0; w < level.ways; ++w)
        if (level.tags[base + w] == line + 1) return true;
    return false;
}

void Hierarchy::flush_all() {
    for (Level& l : m_levels) {
        std::fill(l.tags.begin(), l.tags.end(), 0);
        std::fill(l.dirty.begin(), l.dirty.end(), 0);
    }
}

void Hierarchy::reset_stats() {
    for (LevelStats& s : m_stats) s = LevelStats{};
    m_memory_reads = m_memory_writes = 0;
}

}  // namespace tlmmu::cache
