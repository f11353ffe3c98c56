#include "scenario_stats.h"

#include <algorithm>

namespace tlmmu::scenario {

namespace {

using Counters = std::vector<std::pair<std::string, uint64_t>>;

void add_invalidations(Counters& out, const std::string& prefix, const uint64_t (&by_cause)[kInvalidationCauses]) {
    uint64_t total = 0;
    for (unsigned c = 0; c < kInvalidationCauses; ++c) {
        out.emplace_back(prefix + ".invalidations." + to_string(InvalidationCause(c)), by_cause[c]);
        total += by_cause[c];
    }
    out.emplace_back(prefix + ".invalidations", total);
}

void add_structure(Counters& out, const std::string& name, const StructureStats& s) {
    out.emplace_back(name + ".lookups", s.lookups);
    out.emplace_back(name + ".hits", s.total_hits());
    out.emplace_back(name + ".misses", s.total_misses());
    out.emplace_back(name + ".fills", s.fills);
    out.emplace_back(name + ".evictions", s.evictions);
    for (unsigned t = 0; t < kAccessTypes; ++t) {
        const std::string type = to_string(AccessType(t));
        for (unsigned p = 0; p < kPageSizes; ++p) {
            out.emplace_back(name + ".hits." + type + "." + to_string(PageSize(p)), s.hits[t][p]);
            out.emplace_back(name + ".misses." + type + "." + to_string(PageSize(p)), s.misses[t][p]);
        }
        out.emplace_back(name + ".misses." + type + ".fault", s.misses[t][kPageSizes]);
    }
    add_invalidations(out, name, s.invalidations);
}

}  // namespace

Counters flatten_stats(const MmuStats& s) {
    Counters out;
    out.emplace_back("translations", s.translations);
    out.emplace_back("untranslated", s.untranslated);
    for (FaultKind k : {FaultKind::pf, FaultKind::gp, FaultKind::bus})
        out.emplace_back(std::string("faults.") + to_string(k), s.faults[unsigned(k)]);
    add_structure(out, "l1i", s.l1i);
    add_structure(out, "l1d", s.l1d);
    add_structure(out, "l2", s.l2);
    for (unsigned l = 2; l <= 5; ++l) {
        const std::string name = std::string("psc.") + level_name(l);
        const PscStats& p = s.psc[l];
        out.emplace_back(name + ".lookups", p.lookups);
        out.emplace_back(name + ".hits", p.hits);
        out.emplace_back(name + ".fills", p.fills);
        out.emplace_back(name + ".evictions", p.evictions);
        add_invalidations(out, name, p.invalidations);
    }
    const WalkStats& w = s.walk;
    out.emplace_back("walk.walks", w.walks);
    out.emplace_back("walk.pt_reads", w.pt_reads);
    out.emplace_back("walk.ad_updates", w.ad_updates);
    out.emplace_back("walk.restarts", w.restarts);
    out.emplace_back("walk.fills_suppressed", w.fills_suppressed);
    out.emplace_back("walk.d_bit_assists", w.d_bit_assists);
    out.emplace_back("walk.started_from.cr3", w.started_from[0]);
    for (unsigned l = 2; l <= 5; ++l)
        out.emplace_back(std::string("walk.started_from.") + level_name(l), w.started_from[l]);
    for (unsigned o = 0; o < kOperations; ++o) {
        const std::string name = std::string("ops.") + to_string(Operation(o));
        out.emplace_back(name + ".count", s.ops[o].count);
        out.emplace_back(name + ".faults", s.ops[o].faults);
        out.emplace_back(name + ".cycles", s.ops[o].cycles);
    }
    return out;
}

bool is_stat_path(const std::string& path) {
    static const Counters names = flatten_stats(MmuStats());
    return std::any_of(names.begin(), names.end(), [&](const auto& c) { return c.first == path; });
}

}  // namespace tlmmu::scenario
