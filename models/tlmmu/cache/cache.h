#pragma once
// Data-cache hierarchy (plain C++): set-associative levels (L1D, L2, LLC by
// default) in front of a fixed memory latency, write-back and write-allocate,
// non-inclusive by default (see docs/caches.md), replacement per level from
// tlmmu/core/replacement.h. Walker reads and program data share it, so
// page-table lines compete with data.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tlmmu/core/config.h"
#include "tlmmu/core/replacement.h"
#include "tlmmu/settings/registry.h"

namespace tlmmu::cache {

// Who sent an access. Walker reads are split by page-table level (1 = PTE ... 5 = PML5E).
enum class Requester : uint8_t { walk1, walk2, walk3, walk4, walk5, load, store, fetch };
inline constexpr std::size_t kRequesters = 8;
const char* requester_name(Requester r);
inline Requester walk_requester(int level) { return static_cast<Requester>(level - 1); }
// The level a fetch served by the L1I reports (Hierarchy::access's `hit_level`).
inline constexpr uint32_t kL1I = 255;

struct LevelConfig {
    std::string name;      // key part: "l1d", "l2", "llc"
    uint32_t sets = 64;    // power of two
    uint32_t ways = 8;
    uint32_t latency = 4;  // load-to-use cycles of a hit at this level
    ReplacementPolicy policy = ReplacementPolicy::lru;
};

struct CacheConfig {
    bool enabled = true;
    // Skylake client core (Intel 64 and IA-32 Architectures Optimization Reference
    // Manual, Skylake microarchitecture, cache parameters table): L1D 32 KiB 8-way
    // 4 cycles, L2 256 KiB 4-way 12 cycles, LLC 2 MiB/core slice 16-way ~42 cycles
    // (8 MiB modelled for a 4-core part).
    std::vector<LevelConfig> levels{{"l1d", 64, 8, 4}, {"l2", 1024, 4, 12}, {"llc", 8192, 16, 42}};
    // L1I beside L1D (same table: 32 KiB 8-way 64-byte lines; the manual gives no
    // latency for it, so a hit costs what an L1D hit does). Fetches enter here and
    // miss to the level below L1D. Off: fetches share L1D.
    LevelConfig l1i{"l1i", 64, 8, 4};
    bool l1i_enabled = true;
    uint32_t line_bytes = 64;       // power of two, the same for every level
    uint32_t dram_latency = 200;    // extra cycles behind the last level
    bool inclusive = false;         // see docs/caches.md
    uint32_t walker_entry = 0;      // level index the walker's reads enter at (0 = L1D, 1 = L2)
    uint64_t seed = 1;              // of the random replacement policy

    uint64_t size_bytes(std::size_t level) const { return size_bytes(levels[level]); }
    uint64_t size_bytes(const LevelConfig& l) const { return uint64_t(l.sets) * l.ways * line_bytes; }
};

// Throws tlmmu::ConfigError naming the key (e.g. "cache.l1d.sets").
void validate(const CacheConfig& config);

// The cache.* settings (three levels: l1d, l2, llc) in the settings registry.
const settings::Group<CacheConfig>& cache_settings();
// Applies one cache.* setting (full key); throws ConfigError naming the key.
void apply_cache_setting(CacheConfig& config, const std::string& key, const std::string& value);

struct LevelStats {
    std::array<uint64_t, kRequesters> hits{};
    std::array<uint64_t, kRequesters> misses{};
    uint64_t evictions = 0;
    uint64_t writebacks = 0;  // dirty lines this level wrote to the next level (or memory)
    uint64_t back_invalidations = 0;  // inclusive: lines dropped because a lower level evicted them
};

class Hierarchy {
 public:
    explicit Hierarchy(CacheConfig config);

    // One access to physical address `pa` entering at level `entry`; returns its
    // latency in cycles. `hit_level` receives the level index that served it
    // (levels().size() = memory). Writes mark the line dirty in the entry level.
    // A hit in the entry level, the common case, is finished inline. A fetch
    // enters at the L1I when there is one (whatever `entry` says): `hit_level`
    // is then kL1I for an L1I hit.
    uint32_t access(uint64_t pa, Requester who, bool write, uint32_t entry = 0, uint32_t* hit_level = nullptr) {
        if (who == Requester::fetch && m_l1i) return fetch_through_l1i(pa, hit_level);
        const uint64_t line = pa >> m_line_shift;
        Level& l = m_levels[entry];
        const std::size_t base = std::size_t(l.set_of(line)) * l.ways;
        const uint64_t* tags = &l.tags[base];
        for (uint32_t w = 0; w < l.ways; ++w) {
            if (tags[w] != line + 1) continue;
            use(l, base, w);
            ++m_stats[entry].hits[static_cast<std::size_t>(who)];
            if (write) l.dirty[base + w] = 1;
            if (hit_level) *hit_level = entry;
            return m_config.levels[entry].latency;
        }
        return access_after_miss(line, who, write, entry, hit_level);
    }
    uint32_t load(uint64_t pa) { return access(pa, Requester::load, false); }
    uint32_t store(uint64_t pa) { return access(pa, Requester::store, true); }
    uint32_t fetch(uint64_t pa, uint32_t* hit_level = nullptr) { return access(pa, Requester::fetch, false, 0, hit_level); }

    // Whether the line holding `pa` is present in level `level` (no side effects).
    bool contains(uint32_t level, uint64_t pa) const;
    bool l1i_contains(uint64_t pa) const;  // false without an L1I
    bool has_l1i() const { return bool(m_l1i); }
    // The level index a read of `pa` entering at `entry` would be served by
    // now (levels().size() = memory), without side effects.
    uint32_t probe(uint64_t pa, uint32_t entry = 0) const;
    uint32_t levels() const { return uint32_t(m_levels.size()); }
    void flush_all();  // drops every line without write-back traffic counted

    const CacheConfig& config() const { return m_config; }
    const std::vector<LevelStats>& stats() const { return m_stats; }  // per level of config().levels
    const LevelStats& l1i_stats() const { return m_l1i_stats; }      // all zero without an L1I
    uint64_t memory_reads() const { return m_memory_reads; }
    uint64_t memory_writes() const { return m_memory_writes; }
    void reset_stats();

 private:
    struct Level {
        uint32_t sets = 0, ways = 0;
        std::vector<uint64_t> tags;  // line number + 1 (0 = invalid), sets x ways
        std::vector<uint8_t> dirty;
        Replacement replacement;
        std::size_t last_used = ~std::size_t(0);  // slot of the level's latest use
        Level(const LevelConfig& c, uint64_t seed);
        uint32_t set_of(uint64_t line) const { return uint32_t(line & (sets - 1)); }
        // The way holding `line`, or -1 (no side effects).
        int way_of(uint64_t line) const {
            const uint64_t* t = &tags[std::size_t(set_of(line)) * ways];
            for (uint32_t w = 0; w < ways; ++w)
                if (t[w] == line + 1) return int(w);
            return -1;
        }
    };
    // A use of `way` of the set at `base` for the replacement policy. Using
    // the level's latest slot again changes no policy's order (LRU: it is
    // already the newest; PLRU: its path bits are already set), so the
    // repeat is skipped: a loop over one line costs no replacement update.
    static void use(Level& level, std::size_t base, uint32_t way) {
        const std::size_t slot = base + way;
        if (slot == level.last_used) return;
        level.last_used = slot;
        level.replacement.touch(unsigned(base / level.ways), way);
    }
    uint32_t access_after_miss(uint64_t line, Requester who, bool write, uint32_t entry, uint32_t* hit_level);
    uint32_t fetch_through_l1i(uint64_t pa, uint32_t* hit_level);
    // Looks for a line the level above missed in the levels from `first`
    // down, counting hits and misses: the level index that serves it
    // (levels() = memory, counted as a memory read). Fills nothing.
    uint32_t search_from(uint64_t line, std::size_t requester, uint32_t first);
    uint32_t latency_of(uint32_t served) const {
        const uint32_t n = uint32_t(m_levels.size());
        return served == n ? m_config.levels[n - 1].latency + m_config.dram_latency : m_config.levels[served].latency;
    }
    // The slot a new line takes in `set`: an invalid way, else the policy's victim.
    static std::size_t free_or_victim(Level& level, uint32_t set);
    static void flush(Level& level);
    // Looks up `line` in `level`; returns the way index or -1. A hit is a use
    // for the replacement policy.
    int find(Level& level, uint64_t line);
    // Installs `line`; the victim, if dirty, is written back to the next level.
    void install(uint32_t index, uint64_t line, bool dirty);
    // Inclusive hierarchies: drops `line` from the levels above `index`;
    // true if one of those copies was dirty.
    bool back_invalidate(uint32_t index, uint64_t line);

    CacheConfig m_config;
    uint32_t m_line_shift = 6;
    std::vector<Level> m_levels;
    std::vector<LevelStats> m_stats;
    std::unique_ptr<Level> m_l1i;  // when config().l1i_enabled
    LevelStats m_l1i_stats;
    uint64_t m_memory_reads = 0;
    uint64_t m_memory_writes = 0;
};

}  // namespace tlmmu::cache
