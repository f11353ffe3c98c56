// Configuration of the MMU model: TLB hierarchy, paging-structure caches, walker
// and the cycle costs of control operations. Defaults are close to an Intel
// Skylake core (SDM optimisation manual, table 2-5) and are documented in
// docs/configuration.md.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tlmmu/core/paging.h"
#include "tlmmu/settings/registry.h"

namespace tlmmu {

enum class ReplacementPolicy : uint8_t { lru, tree_plru, random };
const char* to_string(ReplacementPolicy p);
bool parse_policy(const std::string& text, ReplacementPolicy& out);

// One set-associative array. A TLB level is one or more arrays; each holds the
// page sizes in `sizes` (a bit per PageSize).
struct ArrayConfig {
    unsigned sets = 1;
    unsigned ways = 1;
    ReplacementPolicy policy = ReplacementPolicy::lru;
    uint8_t sizes = 0b001;

    bool holds(PageSize s) const { return sizes & (1u << unsigned(s)); }
    unsigned entries() const { return sets * ways; }
};

struct TlbLevelConfig {
    std::string name;
    unsigned latency = 1;  // cycles for a lookup, hit or miss
    // A page whose size no array of the level holds is cached as fragments of
    // the largest smaller size that is held ("splintering"), or not at all.
    bool splinter = true;
    std::vector<ArrayConfig> arrays;
};

struct PscLevelConfig {
    unsigned sets = 1;
    unsigned ways = 0;  // 0 disables this level's cache
    ReplacementPolicy policy = ReplacementPolicy::lru;
};

// Cycle cost of each control operation (the operation itself, not the refill
// misses that follow it).
struct OperationCosts {
    unsigned mov_cr3 = 150;
    unsigned mov_cr4 = 200;
    unsigned mov_cr0 = 200;
    unsigned wrmsr_efer = 100;
    unsigned wrpkru = 20;
    unsigned invlpg = 250;   // ~100 ns at 2.5 GHz (Linux arch/x86/mm/tlb.c comment)
    unsigned invpcid = 100;  // KAISER PCID patch discussion
};

struct MmuConfig {
    TlbLevelConfig l1i;
    TlbLevelConfig l1d;
    TlbLevelConfig l2;  // unified second-level TLB (STLB)
    // Paging-structure caches, indexed by the level of the cached entry:
    // psc[5] = PML5E, psc[4] = PML4E, psc[3] = PDPTE, psc[2] = PDE. 0 and 1 unused.
    PscLevelConfig psc[6];
    unsigned psc_latency = 1;  // cycles for one lookup of all PSC levels
    unsigned maxphyaddr = 46;
    bool gb_pages = true;            // CPUID.80000001H:EDX.Page1GB
    unsigned walk_restart_limit = 8; // locked A/D updates that lose a race restart the walk
    uint64_t seed = 1;               // seed of random replacement
    OperationCosts costs;

    static MmuConfig skylake();  // the built-in default
};

// Throws ConfigError naming the structure and the reason.
void validate(const MmuConfig& config);

// The MMU's settings (l1i/l1d/l2.*, psc.*, cost.*, maxphyaddr, gb_pages,
// walk_restart_limit, seed) in the settings registry; validate() is its
// cross-field check. Errors are ConfigError (tlmmu/settings/parse.h).
const settings::Group<MmuConfig>& mmu_settings();

// Applies one `key = value` setting, e.g. "l1d.latency = 1",
// "l2.arrays = 4k+2m:128x12:lru 1g:4x4", "psc.pd = 8x4:lru".
// Throws ConfigError with the reason (without location).
void apply_setting(MmuConfig& config, const std::string& key, const std::string& value);

// Reads a configuration file of `key = value` lines ('#' comments) on top of
// `config`, then validates it. Errors name the file and line.
void load_config_file(MmuConfig& config, const std::string& path);

// The configuration as `key = value` lines that load_config_file reads back.
std::string dump_config(const MmuConfig& config);

}  // namespace tlmmu
