#include "experiment_catalogue.h"

#include <sstream>

namespace tlmmu::experiments {

const std::vector<ExperimentInfo>& experiment_catalogue() {
    static const std::vector<ExperimentInfo> list = {
        {"working_set", "translation latency against working set: 4K/2M/1G pages, dense/per-GiB/scattered, 4- and 5-level"},
        {"footprint", "walk latency against the data touched between translations (4K and 2M pages), caches on and off"},
        {"context_switch", "CR3 switches with PCIDs off/on/no-flush and global or non-global kernel pages"},
        {"range_flush", "INVLPG or INVPCID per changed page against a CR3 reload"},
        {"allocators", "buddy and slab costs, a demand-paging fault, fragmentation of a random sequence"},
        {"vmalloc", "vmalloc (4 KiB pages, scattered frames) against kmalloc (direct map, 2 MiB pages); lazy vfree purging"},
        {"malloc", "user malloc: brk heap below the mmap threshold, mmap above; trimming; first-touch faults per MiB"},
        {"fork", "fork with copy-on-write against resident size; COW fault cost; a shared segment under two PCIDs"},
        {"reclaim", "reclaim to a swap disk: FIFO, clock with/without flush on clearing A, exact LRU; thrashing; Belady"},
        {"shootdowns", "TLB shootdowns on 1-16 CPUs: IPIs against INVLPGB, the 33-page ceiling, lazy TLB, an munmap storm"},
    };
    return list;
}

const settings::Group<GuestParams>& param_settings() {
    static const settings::Group<GuestParams> group = [] {
        settings::Group<GuestParams> g("param", "Firmware experiment parameters (`tlmmu experiments --param`, docs/experiments.md)");
        g.integer("working_set.accesses", &GuestParams::working_set_accesses)
            .unit("loads").range(64, 1u << 20).doc("measured loads per working-set point, at least (4 passes minimum)");
        g.integer("footprint.max_bytes", &GuestParams::footprint_max_bytes)
            .unit("bytes").range(64u << 10, 256u << 20)
            .doc("largest data footprint between the working set's loads (0, 16 KiB, then x4 up to this)");
        g.integer("context_switch.procs", &GuestParams::cs_procs).unit("processes").range(1, 8)
            .doc("processes switched round-robin");
        g.integer("context_switch.user_pages", &GuestParams::cs_user_pages).unit("pages").range(1, 512)
            .doc("pages each process touches per time slice");
        g.integer("context_switch.switches", &GuestParams::cs_switches).unit("switches").range(1, 100000)
            .doc("measured switches per mode (after 2 x procs warm-up switches)");
        g.integer("range_flush.resident", &GuestParams::rf_resident).unit("pages").range(1, 512)
            .doc("resident pages; the changed-page counts above it are skipped");
        g.integer("allocators.fault_pages", &GuestParams::fault_pages).unit("pages").range(1, 65536)
            .doc("untouched pages the demand-paging probe stores to");
        g.integer("allocators.frag_seed", &GuestParams::frag_seed).range(0, 0xffffffffu)
            .doc("seed of the fragmentation experiment's random sequence");
        g.integer("vmalloc.max_size", &GuestParams::vmalloc_max_size).unit("bytes").range(4096, 4ull << 20).power_of_two()
            .doc("largest allocation measured (sizes double from 4 KiB; kmalloc serves up to the buddy's 4 MiB)");
        g.integer("vmalloc.rounds", &GuestParams::vmalloc_rounds).unit("rounds").range(1, 4096)
            .doc("allocate-touch-free rounds per size in the vfree comparison");
        g.integer("vmalloc.lazy_max_pages", &GuestParams::vmalloc_lazy_max_pages).unit("pages").range(1, 1ull << 24)
            .doc("lazy vfree: purge (one flush) once more pages than this wait (Linux: 32 MiB worth per log2(CPUs)+1)");
        g.integer("malloc.mmap_threshold", &GuestParams::malloc_mmap_threshold).unit("bytes").range(4096, 1u << 30)
            .doc("blocks of at least this size (header included) get their own mapping (mallopt M_MMAP_THRESHOLD)");
        g.integer("malloc.trim_threshold", &GuestParams::malloc_trim_threshold).unit("bytes").range(4096, 1u << 30)
            .doc("the heap shrinks when this much is free at its top (mallopt M_TRIM_THRESHOLD)");
        g.integer("malloc.rounds", &GuestParams::malloc_rounds).unit("rounds").range(2, 64)
            .doc("malloc-touch-free rounds per size (the first against the others)");
        g.integer("malloc.bytes", &GuestParams::malloc_bytes).unit("bytes").range(4096, 64u << 20)
            .doc("bytes allocated per round (at most 64 blocks, at least 1)");
        g.integer("malloc.max_size", &GuestParams::malloc_max_size).unit("bytes").range(64, 64u << 20)
            .doc("largest block size measured (64 B, 1 KiB, 4 KiB, ..., 4 MiB)");
        g.integer("fork.max_pages", &GuestParams::fork_max_pages).unit("pages").range(16, 4096)
            .doc("largest resident size forked (16, 64, 256, 1024, 4096 pages)");
        g.integer("fork.write_percent", &GuestParams::fork_write_percent).unit("%").range(0, 100)
            .doc("share of the pages the child writes after the fork (each a COW fault)");
        g.integer("fork.shm_pages", &GuestParams::fork_shm_pages).unit("pages").range(1, 16)
            .doc("pages of the segment shared by two processes");
        g.integer("reclaim.ws_pages", &GuestParams::reclaim_ws_pages).unit("pages").range(8, 4096)
            .doc("pages the reference string of the thrashing curve ranges over");
        g.integer("reclaim.accesses", &GuestParams::reclaim_accesses).unit("accesses").range(100, 100000)
            .doc("length of that reference string (one store each)");
        g.integer("reclaim.hot_percent", &GuestParams::reclaim_hot_percent).unit("%").range(0, 100)
            .doc("share of the accesses that go to the hot fifth of the pages (the rest: uniform)");
        g.integer("reclaim.seed", &GuestParams::reclaim_seed).range(0, 0xffffffffu).doc("seed of the reference string");
        g.integer("reclaim.low_pages", &GuestParams::reclaim_low_pages).unit("pages").range(1, 1024)
            .doc("low watermark: a fault that finds fewer frames free starts reclaim");
        g.integer("reclaim.high_pages", &GuestParams::reclaim_high_pages).unit("pages").range(1, 1024)
            .doc("high watermark: reclaim evicts until this many frames are free (at least the low one)");
        g.integer("shootdowns.max_cpus", &GuestParams::sd_max_cpus).unit("CPUs").range(1, 16)
            .doc("harts of the shootdown run; the CPU counts 1, 2, 4, 8, 16 up to it are measured");
        g.integer("shootdowns.max_pages", &GuestParams::sd_max_pages).unit("pages").range(1, 512)
            .doc("largest range flushed (1, 8, 32, 33, 64, 512 pages up to it)");
        g.integer("shootdowns.reps", &GuestParams::sd_reps).unit("shootdowns").range(1, 64)
            .doc("measured shootdowns per point, after one warm-up");
        g.integer("shootdowns.mechanisms", &GuestParams::sd_mechanisms).range(1, 3)
            .doc("remote flush: 1 = IPIs, 2 = INVLPGB + TLBSYNC, 3 = both, side by side");
        g.integer("shootdowns.ceiling", &GuestParams::sd_ceiling).unit("pages").range(0, 512)
            .doc("above this many pages a flush takes the whole PCID (Linux's tlb_single_page_flush_ceiling)");
        g.integer("shootdowns.lazy_cpus", &GuestParams::sd_lazy_cpus).unit("CPUs").range(0, 15)
            .doc("receivers running a kernel thread (lazy TLB) in the lazy comparison on all the run's CPUs");
        g.integer("shootdowns.storm_ops", &GuestParams::sd_storm_ops).unit("munmaps").range(1, 4096)
            .doc("munmaps per thread in the munmap storm");
        g.integer("shootdowns.storm_pages", &GuestParams::sd_storm_pages).unit("pages").range(1, 512)
            .doc("pages each storm mapping maps, touches and unmaps");
        g.validator([](const GuestParams& p) {
            if (p.reclaim_high_pages < p.reclaim_low_pages)
                throw ConfigError("param.reclaim.high_pages (" + std::to_string(p.reclaim_high_pages) +
                                  ") must be at least param.reclaim.low_pages (" + std::to_string(p.reclaim_low_pages) + ")");
        });
        return g;
    }();
    return group;
}

namespace {

std::string valid_names() {
    std::string out;
    for (const ExperimentInfo& e : experiment_catalogue()) out += (out.empty() ? "" : ", ") + e.name;
    return out;
}

std::string valid_params() {
    std::string out;
    for (const settings::Setting& s : param_settings().settings()) out += (out.empty() ? "" : ", ") + s.key;
    return out;
}

}  // namespace

std::vector<std::string> parse_only(const std::string& list) {
    std::vector<bool> chosen(experiment_catalogue().size(), false);
    std::istringstream in(list);
    std::string name;
    bool any = false;
    while (std::getline(in, name, ',')) {
        name = settings::trim(name);
        if (name.empty()) continue;
        size_t i = 0;
        while (i < experiment_catalogue().size() && experiment_catalogue()[i].name != name) ++i;
        if (i == experiment_catalogue().size()) {
            std::vector<std::string> names;
            for (const ExperimentInfo& e : experiment_catalogue()) names.push_back(e.name);
            const std::string guess = settings::nearest(name, names);
            throw ConfigError("unknown experiment " + settings::quoted(name) + (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                              "; the experiments are: " + valid_names());
        }
        chosen[i] = any = true;
    }
    if (!any) throw ConfigError("no experiment named; the experiments are: " + valid_names());
    std::vector<std::string> out;
    for (size_t i = 0; i < chosen.size(); ++i)
        if (chosen[i]) out.push_back(experiment_catalogue()[i].name);
    return out;
}

void apply_param(GuestParams& params, const std::string& key, const std::string& value) {
    const settings::Group<GuestParams>& g = param_settings();
    const std::string k = settings::trim(key);
    if (g.find(k, true) < 0) {
        const bool prefixed = k.compare(0, 6, "param.") == 0;
        std::vector<std::string> keys;
        for (const settings::Setting& s : g.settings()) keys.push_back(prefixed ? s.key : s.key.substr(6));
        const std::string guess = settings::nearest(k, keys);
        throw ConfigError("unknown parameter " + settings::quoted(k) + (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                          "; the parameters are: " + valid_params());
    }
    g.apply(params, k, value, true);
}

std::vector<platform::GuestParameter> guest_parameters(const GuestParams& params, const std::vector<std::string>& selected) {
    param_settings().validate(&params);  // cross-parameter rules, once every --param is in
    std::vector<platform::GuestParameter> out;
    for (const ExperimentInfo& e : experiment_catalogue()) {
        bool run = e.by_default;
        if (!selected.empty()) {
            run = false;
            for (const std::string& s : selected) run = run || s == e.name;
        }
        out.push_back({"run." + e.name, run ? 1u : 0u});
    }
    for (const auto& [key, value] : param_settings().values(params)) {
        uint64_t v = 0;
        if (!settings::parse_unsigned(value, v)) throw ConfigError(key + ": " + settings::quoted(value) + " is not a number");
        out.push_back({key.substr(6), v});  // without "param."
    }
    return out;
}

std::string list_text() {
    std::ostringstream out;
    out << "Experiments (in the order they run; --only NAME,... picks some, --param KEY=VALUE sets a parameter):\n";
    for (const ExperimentInfo& e : experiment_catalogue()) {
        out << "\n  " << e.name << (e.by_default ? "" : "  (only with --only)") << "\n      " << e.summary << "\n";
        for (const settings::Setting& s : param_settings().settings()) {
            if (s.key.compare(0, 6 + e.name.size() + 1, "param." + e.name + ".") != 0) continue;
            out << "      " << s.key << " = " << s.default_text << "  (" << settings::describe_limits(s)
                << (s.unit.empty() ? "" : " " + s.unit) << ")  " << s.doc << "\n";
        }
    }
    return out.str();
}

}  // namespace tlmmu::experiments
