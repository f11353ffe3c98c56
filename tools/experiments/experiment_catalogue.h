// The experiments of the firmware and their parameters: what `tlmmu
// experiments --list` prints, what --only and --param accept, and the
// parameter block handed to the guest at boot (docs/firmware.md). Every
// parameter is a param.* setting of the registry (type, default, range, doc);
// the firmware has no defaults of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform.h"
#include "tlmmu/settings/registry.h"

namespace tlmmu::experiments {

// Parameter values of one run; the defaults are the main job's figures.
struct GuestParams {
    uint64_t working_set_accesses = 2048;  // measured loads per working-set point (at least)
    uint64_t footprint_max_bytes = 16u << 20;  // beyond the 8 MiB LLC
    uint64_t cs_procs = 4;
    uint64_t cs_user_pages = 64;
    uint64_t cs_switches = 96;
    uint64_t rf_resident = 512;
    uint64_t fault_pages = 64;
    uint64_t frag_seed = 42;
    uint64_t vmalloc_max_size = 4ull << 20;
    uint64_t vmalloc_rounds = 4;
    uint64_t vmalloc_lazy_max_pages = 2048;
    uint64_t malloc_mmap_threshold = 128u << 10;
    uint64_t malloc_trim_threshold = 128u << 10;
    uint64_t malloc_rounds = 2;
    uint64_t malloc_bytes = 512u << 10;
    uint64_t malloc_max_size = 4u << 20;
    uint64_t fork_max_pages = 1024;
    uint64_t fork_write_percent = 25;
    uint64_t fork_shm_pages = 16;
    uint64_t reclaim_ws_pages = 64;
    uint64_t reclaim_accesses = 1500;
    uint64_t reclaim_hot_percent = 80;
    uint64_t reclaim_seed = 7;
    uint64_t reclaim_low_pages = 1;
    uint64_t reclaim_high_pages = 4;
    uint64_t sd_max_cpus = 16;       // harts of the shootdown run
    uint64_t sd_max_pages = 512;
    uint64_t sd_reps = 2;
    uint64_t sd_mechanisms = 3;      // 1 IPI, 2 INVLPGB, 3 both
    uint64_t sd_ceiling = 33;        // Linux's tlb_single_page_flush_ceiling
    uint64_t sd_lazy_cpus = 7;
    uint64_t sd_storm_ops = 8;
    uint64_t sd_storm_pages = 4;
};

struct ExperimentInfo {
    std::string name;     // as --only and the firmware's run.NAME entry spell it
    std::string summary;  // one line
    bool by_default = true;  // runs when --only is not given
};

// In the firmware's order.
const std::vector<ExperimentInfo>& experiment_catalogue();
// The param.* group (keys "param.EXPERIMENT.NAME").
const settings::Group<GuestParams>& param_settings();

// "a,b,c" -> the experiments named, in catalogue order. Throws ConfigError
// naming an unknown one and listing the valid names.
std::vector<std::string> parse_only(const std::string& list);
// Applies one --param KEY=VALUE (KEY with or without "param."). Throws
// ConfigError for an unknown key (listing the valid ones) or a bad value;
// rules between parameters are checked by guest_parameters.
void apply_param(GuestParams& params, const std::string& key, const std::string& value);

// The block entries: run.NAME = 0/1 for every experiment of the catalogue
// (`selected` empty: the default set), then every parameter without the
// "param." prefix. Throws ConfigError when the parameters break a rule
// between them (reclaim.high_pages below reclaim.low_pages).
std::vector<platform::GuestParameter> guest_parameters(const GuestParams& params,
                                                       const std::vector<std::string>& selected);

// The shootdown experiment runs on a platform of its own with
// param.shootdowns.max_cpus harts (the others on the platform as configured).
inline const char* kShootdowns = "shootdowns";
// platform.smp_quantum of the shootdown run when the platform's default is in place.
inline constexpr uint64_t kShootdownQuantum = 100;

// `tlmmu experiments --list`: every experiment, its parameters with type,
// default, range and doc.
std::string list_text();

}  // namespace tlmmu::experiments
