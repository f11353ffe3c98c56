#include "tlmmu/core/stats.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tlmmu {

const char* to_string(InvalidationCause c) {
    switch (c) {
        case InvalidationCause::mov_cr3: return "mov_cr3";
        case InvalidationCause::mov_cr4: return "mov_cr4";
        case InvalidationCause::mov_cr0: return "mov_cr0";
        case InvalidationCause::invlpg: return "invlpg";
        case InvalidationCause::invpcid_address: return "invpcid_address";
        case InvalidationCause::invpcid_single: return "invpcid_single";
        case InvalidationCause::invpcid_all: return "invpcid_all";
        case InvalidationCause::invpcid_nonglobal: return "invpcid_nonglobal";
        case InvalidationCause::page_fault: return "page_fault";
        case InvalidationCause::invlpgb: return "invlpgb";
        case InvalidationCause::count: break;
    }
    return "?";
}

const char* to_string(Operation op) {
    switch (op) {
        case Operation::mov_cr0: return "mov_cr0";
        case Operation::mov_cr3: return "mov_cr3";
        case Operation::mov_cr4: return "mov_cr4";
        case Operation::wrmsr_efer: return "wrmsr_efer";
        case Operation::wrpkru: return "wrpkru";
        case Operation::invlpg: return "invlpg";
        case Operation::invpcid: return "invpcid";
        case Operation::count: break;
    }
    return "?";
}

uint64_t StructureStats::total_hits() const {
    uint64_t n = 0;
    for (auto& row : hits)
        for (uint64_t v : row) n += v;
    return n;
}

uint64_t StructureStats::total_misses() const {
    uint64_t n = 0;
    for (auto& row : misses)
        for (uint64_t v : row) n += v;
    return n;
}

uint64_t StructureStats::total_invalidations() const {
    uint64_t n = 0;
    for (uint64_t v : invalidations) n += v;
    return n;
}

uint64_t PscStats::total_invalidations() const {
    uint64_t n = 0;
    for (uint64_t v : invalidations) n += v;
    return n;
}

void LatencyHistogram::derive_min() {
    min = 0;
    for (unsigned i = 0; i < kBuckets; ++i) {
        if (buckets[i]) {
            min = i;
            return;
        }
    }
}

void MmuStats::derive() {
    for (StructureStats* s : {&l1i, &l1d, &l2}) s->lookups = s->total_hits() + s->total_misses();
    translations = latency.count;
    faults[unsigned(FaultKind::none)] = translations - faults[unsigned(FaultKind::gp)] -
                                        faults[unsigned(FaultKind::pf)] - faults[unsigned(FaultKind::bus)];
    latency.derive_min();
    walk_latency.derive_min();
}

uint64_t LatencyHistogram::percentile(double p) const {
    if (!count) return 0;
    const double target = p * double(count);
    uint64_t seen = 0;
    for (unsigned i = 0; i < kBuckets; ++i) {
        seen += buckets[i];
        if (double(seen) >= target && seen) return i == kBuckets - 1 ? max : i;
    }
    return max;
}

namespace {

using nlohmann::ordered_json;

ordered_json invalidations_json(const uint64_t (&inv)[kInvalidationCauses]) {
    ordered_json j = ordered_json::object();
    for (unsigned c = 0; c < kInvalidationCauses; ++c) j[to_string(InvalidationCause(c))] = inv[c];
    return j;
}

ordered_json structure_json(const StructureStats& s) {
    ordered_json j;
    j["lookups"] = s.lookups;
    j["hits"] = s.total_hits();
    j["misses"] = s.total_misses();
    ordered_json by_type = ordered_json::object();
    for (unsigned t = 0; t < kAccessTypes; ++t) {
        ordered_json hits = ordered_json::object(), misses = ordered_json::object();
        for (unsigned p = 0; p < kPageSizes; ++p) {
            hits[to_string(PageSize(p))] = s.hits[t][p];
            misses[to_string(PageSize(p))] = s.misses[t][p];
        }
        misses["fault"] = s.misses[t][kPageSizes];
        by_type[to_string(AccessType(t))] = {{"hits", hits}, {"misses", misses}};
    }
    j["by_access"] = by_type;
    j["fills"] = s.fills;
    j["evictions"] = s.evictions;
    j["invalidations"] = invalidations_json(s.invalidations);
    return j;
}

}  // namespace

std::string stats_to_json(const MmuStats& s, int indent) {
    ordered_json j;
    j["translations"] = s.translations;
    j["untranslated"] = s.untranslated;
    j["faults"] = {{"gp", s.faults[unsigned(FaultKind::gp)]},
                   {"pf", s.faults[unsigned(FaultKind::pf)]},
                   {"bus", s.faults[unsigned(FaultKind::bus)]}};
    j["tlb"] = {{"l1i", structure_json(s.l1i)}, {"l1d", structure_json(s.l1d)}, {"l2", structure_json(s.l2)}};
    ordered_json psc = ordered_json::object();
    for (unsigned l = 5; l >= 2; --l) {
        const PscStats& p = s.psc[l];
        psc[level_name(l)] = {{"lookups", p.lookups},
                              {"hits", p.hits},
                              {"fills", p.fills},
                              {"evictions", p.evictions},
                              {"invalidations", invalidations_json(p.invalidations)}};
    }
    j["psc"] = psc;
    const WalkStats& w = s.walk;
    ordered_json started = ordered_json::object();
    started["cr3"] = w.started_from[0];
    for (unsigned l = 2; l <= 5; ++l) started[std::string(level_name(l)) + "_psc"] = w.started_from[l];
    j["walks"] = {{"count", w.walks},
                  {"pt_reads", w.pt_reads},
                  {"pt_reads_per_walk", w.walks ? double(w.pt_reads) / double(w.walks) : 0.0},
                  {"reads_histogram", std::vector<uint64_t>(std::begin(w.reads_per_walk), std::end(w.reads_per_walk))},
                  {"ad_updates", w.ad_updates},
                  {"restarts", w.restarts},
                  {"fills_suppressed", w.fills_suppressed},
                  {"d_bit_assists", w.d_bit_assists},
                  {"started_from", started}};
    auto histogram_json = [](const LatencyHistogram& h) {
        ordered_json buckets = ordered_json::object();
        for (unsigned i = 0; i < LatencyHistogram::kBuckets; ++i)
            if (h.buckets[i]) buckets[std::to_string(i)] = h.buckets[i];
        return ordered_json{{"count", h.count},
                            {"mean", h.mean()},
                            {"min", h.min},
                            {"max", h.max},
                            {"p50", h.percentile(0.5)},
                            {"p99", h.percentile(0.99)},
                            {"histogram", buckets},
                            {"overflow_from", LatencyHistogram::kBuckets - 1}};
    };
    j["latency_cycles"] = histogram_json(s.latency);
    j["walk_latency_cycles"] = histogram_json(s.walk_latency);
    ordered_json ops = ordered_json::object();
    for (unsigned o = 0; o < kOperations; ++o)
        ops[to_string(Operation(o))] = {
            {"count", s.ops[o].count}, {"faults", s.ops[o].faults}, {"cycles", s.ops[o].cycles}};
    j["operations"] = ops;
    return j.dump(indent);
}

std::string stats_summary(const MmuStats& s) {
    std::ostringstream out;
    char line[256];
    auto pct = [](uint64_t a, uint64_t b) { return b ? 100.0 * double(a) / double(b) : 0.0; };
    std::snprintf(line, sizeof line, "translations %llu (faults: #PF %llu, #GP %llu, bus %llu; paging off %llu)\n",
                  (unsigned long long)s.translations, (unsigned long long)s.faults[unsigned(FaultKind::pf)],
                  (unsigned long long)s.faults[unsigned(FaultKind::gp)],
                  (unsigned long long)s.faults[unsigned(FaultKind::bus)], (unsigned long long)s.untranslated);
    out << line;
    out << "structure     lookups        hits   hit%      fills  evictions  invalidated\n";
    auto row = [&](const char* name, uint64_t lookups, uint64_t hits, uint64_t fills, uint64_t ev, uint64_t inv) {
        std::snprintf(line, sizeof line, "%-9s %11llu %11llu %6.2f %10llu %10llu %12llu\n", name,
                      (unsigned long long)lookups, (unsigned long long)hits, pct(hits, lookups),
                      (unsigned long long)fills, (unsigned long long)ev, (unsigned long long)inv);
        out << line;
    };
    row("l1i", s.l1i.lookups, s.l1i.total_hits(), s.l1i.fills, s.l1i.evictions, s.l1i.total_invalidations());
    row("l1d", s.l1d.lookups, s.l1d.total_hits(), s.l1d.fills, s.l1d.evictions, s.l1d.total_invalidations());
    row("l2", s.l2.lookups, s.l2.total_hits(), s.l2.fills, s.l2.evictions, s.l2.total_invalidations());
    for (unsigned l = 2; l <= 5; ++l) {
        const PscStats& p = s.psc[l];
        const std::string name = std::string("psc.") + level_name(l);
        row(name.c_str(), p.lookups, p.hits, p.fills, p.evictions, p.total_invalidations());
    }
    const WalkStats& w = s.walk;
    std::snprintf(line, sizeof line,
                  "walks %llu, %.2f page-table reads each, %llu A/D updates, %llu D-bit assists, %llu fills "
                  "suppressed by a flush in flight\n",
                  (unsigned long long)w.walks, w.walks ? double(w.pt_reads) / double(w.walks) : 0.0,
                  (unsigned long long)w.ad_updates, (unsigned long long)w.d_bit_assists,
                  (unsigned long long)w.fills_suppressed);
    out << line;
    const LatencyHistogram& h = s.latency;
    std::snprintf(line, sizeof line, "latency cycles: mean %.2f, p50 %llu, p99 %llu, max %llu\n", h.mean(),
                  (unsigned long long)h.percentile(0.5), (unsigned long long)h.percentile(0.99),
                  (unsigned long long)h.max);
    out << line;
    for (unsigned o = 0; o < kOperations; ++o) {
        if (!s.ops[o].count) continue;
        std::snprintf(line, sizeof line, "  %-10s x%llu, %llu cycles, %llu #GP\n", to_string(Operation(o)),
                      (unsigned long long)s.ops[o].count, (unsigned long long)s.ops[o].cycles,
                      (unsigned long long)s.ops[o].faults);
        out << line;
    }
    return out.str();
}

}  // namespace tlmmu
