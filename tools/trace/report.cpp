#include "report.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tlmmu::replay {

namespace {

using nlohmann::ordered_json;

ordered_json mpki_json(const ReplayResult& r) {
    if (!r.instructions) return nullptr;  // no instructions in the trace: MPKI is undefined
    const MmuStats& s = r.mmu;
    return {{"l1i_misses", r.per_kilo_instruction(s.l1i.total_misses())},
            {"l1d_misses", r.per_kilo_instruction(s.l1d.total_misses())},
            {"l2_misses", r.per_kilo_instruction(s.l2.total_misses())},
            {"walks", r.per_kilo_instruction(s.walk.walks)},
            {"page_faults", r.per_kilo_instruction(r.os.demand_faults + r.os.protection_faults)}};
}

ordered_json walk_references_json(const ReplayResult& r, unsigned levels) {
    ordered_json reads = ordered_json::object(), ad = ordered_json::object();
    for (unsigned l = levels; l >= 1; --l) {
        reads[level_name(l)] = r.os.walk_reads[l];
        ad[level_name(l)] = r.os.walk_ad_updates[l];
    }
    return {{"reads", reads}, {"ad_updates", ad}, {"total_reads", r.mmu.walk.pt_reads}};
}

// Where a reference was served: the L1I (fetches only), the cache levels, then memory.
std::vector<std::string> served_names(const cache::CacheConfig& c) {
    std::vector<std::string> names;
    if (c.l1i_enabled) names.push_back(c.l1i.name);
    for (const cache::LevelConfig& l : c.levels) names.push_back(l.name);
    names.push_back("memory");
    return names;
}

// References of `who` by the level that served them: a hit at level i, or
// a miss in every level (memory).
std::vector<uint64_t> served_by(const ReplayResult& r, cache::Requester who) {
    const std::size_t k = static_cast<std::size_t>(who);
    std::vector<uint64_t> out;
    if (r.has_l1i) out.push_back(r.cache_l1i.hits[k]);
    for (const cache::LevelStats& l : r.cache) out.push_back(l.hits[k]);
    out.push_back(r.cache.empty() ? 0 : r.cache.back().misses[k]);
    return out;
}

ordered_json cache_json(const ReplayResult& r, const cache::CacheConfig& config, unsigned levels) {
    ordered_json settings = ordered_json::object();
    for (const auto& kv : cache::cache_settings().values(config)) settings[kv.first.substr(6)] = kv.second;
    if (!config.enabled) return {{"enabled", false}, {"config", settings}};
    const std::vector<std::string> names = served_names(config);
    ordered_json walk = ordered_json::object();
    for (unsigned l = levels; l >= 1; --l) {
        ordered_json row = ordered_json::object();
        const std::vector<uint64_t> served = served_by(r, cache::walk_requester(int(l)));
        for (std::size_t i = 0; i < names.size(); ++i) row[names[i]] = served[i];
        walk[level_name(l)] = row;
    }
    ordered_json data = ordered_json::object();
    for (cache::Requester who : {cache::Requester::fetch, cache::Requester::load, cache::Requester::store}) {
        ordered_json row = ordered_json::object();
        const std::vector<uint64_t> served = served_by(r, who);
        for (std::size_t i = 0; i < names.size(); ++i) row[names[i]] = served[i];
        data[cache::requester_name(who)] = row;
    }
    ordered_json per_level = ordered_json::object();
    std::vector<const cache::LevelStats*> levels_served;  // in the order of `names`
    if (r.has_l1i) levels_served.push_back(&r.cache_l1i);
    for (const cache::LevelStats& l : r.cache) levels_served.push_back(&l);
    for (std::size_t i = 0; i < levels_served.size(); ++i) {
        const cache::LevelStats& l = *levels_served[i];
        uint64_t hits = 0, misses = 0;
        for (std::size_t k = 0; k < cache::kRequesters; ++k) {
            hits += l.hits[k];
            misses += l.misses[k];
        }
        per_level[names[i]] = {{"hits", hits},
                               {"misses", misses},
                               {"evictions", l.evictions},
                               {"writebacks", l.writebacks},
                               {"back_invalidations", l.back_invalidations}};
    }
    return {{"enabled", true},
            {"config", settings},
            {"walk_served_by", walk},
            {"data_served_by", data},
            {"levels", per_level},
            {"walk_latency_mean", r.mmu.walk_latency.mean()},
            {"walk_latency_mean_without_caches", r.flat_walk_latency_mean()},
            {"memory_reads", r.cache_memory_reads},
            {"memory_writes", r.cache_memory_writes}};
}

ordered_json os_stats_json(const ReplayResult& r) {
    const os::OsStats& o = r.os;
    return {{"processes", o.processes},
            {"threads", r.streams},
            {"demand_faults", o.demand_faults},
            {"protection_faults", o.protection_faults},
            {"unresolved_faults", o.unresolved_faults},
            {"mapped", {{"4k", o.mapped[0]}, {"2m", o.mapped[1]}, {"1g", o.mapped[2]}}},
            {"table_pages", o.table_pages},
            {"thp_fallbacks", o.thp_fallbacks},
            {"gigantic_fallbacks", o.gigantic_fallbacks},
            {"fault_cycles", o.fault_cycles},
            {"timer_ticks", o.timer_ticks},
            {"kernel_entries", o.kernel_entries},
            {"mm_switches", o.mm_switches},
            {"thread_switches", o.thread_switches},
            {"cr3_writes", o.cr3_writes},
            {"cr3_noflush", o.cr3_noflush},
            {"asid_reuses", o.asid_reuses},
            {"asid_allocations", o.asid_allocations},
            {"kernel_accesses", o.kernel_accesses},
            {"control_events", o.control_events},
            {"control_faults", o.control_faults},
            {"pcid_ignored", o.pcid_ignored},
            {"pinned_frames", o.pinned_frames},
            {"buddy",
             {{"free_frames", r.free_frames},
              {"splits", r.buddy_splits},
              {"merges", r.buddy_merges},
              {"unusable_index_order9", r.unusable_index_order9}}}};
}

// Entries dropped at a CPU by other CPUs' shootdowns (IPI handlers) and by
// INVLPGB broadcasts.
uint64_t remote_drops(const machine::CpuStats& c) { return c.dropped_by_ipi.total() + c.dropped_by_invlpgb.total(); }

ordered_json cpu_smp_json(const machine::CpuStats& c) {
    return {{"ipis_sent", c.ipis_sent},
            {"ipis_received", c.ipis_received},
            {"ack_wait_cycles", c.ack_wait_cycles},
            {"stolen_cycles", c.interrupt_cycles},
            {"invlpgb", c.invlpgb_issued},
            {"invlpgb_pages", c.invlpgb_pages},
            {"tlbsync", c.tlbsync},
            {"tlbsync_wait_cycles", c.tlbsync_wait_cycles},
            {"dropped_by_ipi", c.dropped_by_ipi.total()},
            {"dropped_by_invlpgb", c.dropped_by_invlpgb.total()}};
}

// The many-CPU section: present with smp.cpus > 1 or address-space events.
ordered_json smp_json(const ReplayResult& r, const ReplayOptions& options) {
    const os::OsStats& o = r.os;
    ordered_json config = ordered_json::object();
    for (const auto& kv : machine::smp_settings().values(options.smp)) config[kv.first.substr(4)] = kv.second;
    ordered_json total = cpu_smp_json(r.smp_total);
    total["shootdowns"] = o.shootdowns;
    ordered_json per = ordered_json::array();
    for (const CpuResult& c : r.cpus) {
        ordered_json j = {{"records", c.records}, {"translations", c.translations}, {"shootdowns", c.shootdowns}};
        j.update(cpu_smp_json(c.smp));
        per.push_back(j);
    }
    return {{"cpus", r.cpus.size()},
            {"shootdown", os::to_string(options.os.shootdown)},
            {"config", config},
            {"events",
             {{"unmap", o.unmap_events},
              {"protect", o.protect_events},
              {"drop", o.drop_events},
              {"pages", o.event_pages},
              {"unmapped", {{"4k", o.unmapped[0]}, {"2m", o.unmapped[1]}, {"1g", o.unmapped[2]}}},
              {"protected_entries", o.protected_entries},
              {"protnone_faults", o.protnone_faults}}},
            {"shootdowns", o.shootdowns},
            {"full_flushes", o.full_flushes},
            {"remote_shootdowns", o.remote_shootdowns},
            {"shootdown_cycles", o.shootdown_cycles},
            {"total", total},
            {"per_cpu", per}};
}

ordered_json mmu_config_json(const MmuConfig& config) {
    ordered_json j = ordered_json::object();
    std::istringstream lines(dump_config(config));
    for (std::string line; std::getline(lines, line);) {
        const auto eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        auto trim = [](std::string s) {
            const auto b = s.find_first_not_of(' ');
            return b == std::string::npos ? std::string() : s.substr(b, s.find_last_not_of(' ') - b + 1);
        };
        j[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
    return j;
}

void flatten(const ordered_json& j, const std::string& prefix, std::vector<std::string>& names,
             std::vector<std::string>& values) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (it.key() == "histogram") continue;  // per-bucket counts belong in the JSON, not a row
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), names, values);
        }
        return;
    }
    if (j.is_array()) {
        if (prefix != "traces" && prefix != "formats") return;
        std::string joined;
        for (const auto& v : j) joined += (joined.empty() ? "" : ";") + (v.is_string() ? v.get<std::string>() : v.dump());
        names.push_back(prefix);
        values.push_back(joined);
        return;
    }
    names.push_back(prefix);
    values.push_back(j.is_string() ? j.get<std::string>() : j.is_null() ? "" : j.dump());
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

}  // namespace

std::string result_json(const ReplayResult& r, const ReplayOptions& options, const std::string& format, int indent) {
    ordered_json j;
    j["tlmmu_trace"] = 1;
    j["traces"] = r.traces;
    std::string detected;
    for (const std::string& f : r.formats)
        if (detected.find(f) == std::string::npos) detected += (detected.empty() ? "" : ",") + f;
    j["format"] = format == "auto" ? detected : format;
    j["formats"] = r.formats;
    j["mmu_config"] = mmu_config_json(options.mmu);
    ordered_json os = ordered_json::object();
    for (const auto& kv : os::os_settings(options.os)) os[kv.first] = kv.second;
    j["os"] = os;
    j["interleave"] = trace::to_string(options.interleave);
    j["limit"] = options.limit;
    j["limited"] = r.limited;
    j["records"] = r.records;
    j["accesses"] = r.accesses;
    j["instructions"] = r.instructions;
    j["unfetched_instructions"] = r.reader.unfetched_instructions;
    j["loads"] = r.loads;
    j["stores"] = r.stores;
    j["page_crossings"] = r.page_crossings;
    j["skipped_records"] = {{"markers", r.reader.markers},
                            {"thread_records", r.reader.thread_records},
                            {"other", r.reader.other_skipped}};
    j["seconds"] = r.seconds;
    j["accesses_per_second"] = r.seconds > 0 ? double(r.accesses) / r.seconds : 0.0;
    j["mpki"] = mpki_json(r);
    j["walk_references"] = walk_references_json(r, options.os.levels);
    j["cache"] = cache_json(r, options.cache, options.os.levels);
    j["stats"] = ordered_json::parse(stats_to_json(r.mmu, -1));
    j["os_stats"] = os_stats_json(r);
    if (r.has_smp_section()) j["smp"] = smp_json(r, options);
    return j.dump(indent);
}

std::string result_csv(const std::string& json) {
    std::vector<std::string> names, values;
    ordered_json j = ordered_json::parse(json);
    j.erase("mmu_config");  // dozens of geometry strings; the JSON keeps them
    flatten(j, "", names, values);
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + csv_field(names[i]);
    out += "\n";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + csv_field(values[i]);
    return out + "\n";
}

std::string result_summary(const ReplayResult& r, const ReplayOptions& options) {
    const MmuStats& s = r.mmu;
    const os::OsStats& o = r.os;
    std::ostringstream out;
    char line[512];
    auto pct = [](uint64_t a, uint64_t b) { return b ? 100.0 * double(a) / double(b) : 0.0; };
    auto ull = [](uint64_t v) { return (unsigned long long)v; };
    auto emit = [&](const char* fmt, auto... args) {
        std::snprintf(line, sizeof line, fmt, args...);
        out << line;
    };
    emit("records %llu: %llu accesses (%llu instructions, %llu loads, %llu stores), %llu page-crossing%s\n",
         ull(r.records), ull(r.accesses), ull(r.instructions), ull(r.loads), ull(r.stores), ull(r.page_crossings),
         r.limited ? "; stopped by --limit" : "");
    if (r.reader.unfetched_instructions)
        emit("of the instructions, %llu executed without an instruction fetch (not translated)\n",
             ull(r.reader.unfetched_instructions));
    emit("processes %llu, threads %llu; replayed in %.3f s (%.1f M accesses/s)\n\n", ull(o.processes), ull(r.streams),
         r.seconds, r.seconds > 0 ? double(r.accesses) / r.seconds / 1e6 : 0.0);

    emit("%-10s %12s %12s %12s %8s %9s\n", "tlb", "lookups", "hits", "misses", "hit%", "MPKI");
    auto tlb_row = [&](const char* name, const StructureStats& st) {
        const uint64_t misses = st.total_misses();
        if (r.instructions)
            emit("%-10s %12llu %12llu %12llu %8.2f %9.3f\n", name, ull(st.lookups), ull(st.total_hits()), ull(misses),
                 pct(st.total_hits(), st.lookups), r.per_kilo_instruction(misses));
        else
            emit("%-10s %12llu %12llu %12llu %8.2f %9s\n", name, ull(st.lookups), ull(st.total_hits()), ull(misses),
                 pct(st.total_hits(), st.lookups), "-");
    };
    tlb_row("l1i", s.l1i);
    tlb_row("l1d", s.l1d);
    tlb_row("l2", s.l2);
    char walk_mpki[32] = "-";
    if (r.instructions) std::snprintf(walk_mpki, sizeof walk_mpki, "%.3f", r.per_kilo_instruction(s.walk.walks));
    emit("\nwalks %llu (%s MPKI), %.2f references each, %llu A/D updates\n", ull(s.walk.walks), walk_mpki,
         s.walk.walks ? double(s.walk.pt_reads) / double(s.walk.walks) : 0.0, ull(s.walk.ad_updates));
    out << "walk references by level:";
    for (unsigned l = 5; l >= 1; --l)
        if (o.walk_reads[l] || l <= 4)
            emit(" %s %llu (%.1f%%)", level_name(l), ull(o.walk_reads[l]), pct(o.walk_reads[l], s.walk.pt_reads));
    out << "\npaging-structure caches (hit%):";
    for (unsigned l = 5; l >= 2; --l)
        if (s.psc[l].lookups) emit(" %s %.2f", level_name(l), pct(s.psc[l].hits, s.psc[l].lookups));
    out << "\n";
    const LatencyHistogram& w = s.walk_latency;
    emit("walk latency (cycles): mean %.2f, p50 %llu, p99 %llu, max %llu; %s\n", w.mean(), ull(w.percentile(0.5)),
         ull(w.percentile(0.99)), ull(w.max),
         options.cache.enabled ? "page-table reads through the data caches"
                               : "data caches off: every page-table read costs memory.latency");
    if (options.cache.enabled && w.count)
        emit("  the same walks without the caches (%u cycles a reference): mean %.2f\n", options.os.memory_latency,
             r.flat_walk_latency_mean());
    if (options.cache.enabled && !r.cache.empty()) {
        const std::vector<std::string> names = served_names(options.cache);
        out << "\nwhere walk references hit (% of the level's reads and A/D updates)\n";
        emit("%-8s %12s", "level", "references");
        for (const std::string& n : names) emit(" %7s", n.c_str());
        out << "\n";
        auto served_row = [&](const char* name, const std::vector<uint64_t>& served) {
            uint64_t total = 0;
            for (uint64_t v : served) total += v;
            if (!total) return;
            emit("%-8s %12llu", name, ull(total));
            for (uint64_t v : served) emit(" %7.2f", pct(v, total));
            out << "\n";
        };
        for (unsigned l = options.os.levels; l >= 1; --l)
            served_row(level_name(l), served_by(r, cache::walk_requester(int(l))));
        for (cache::Requester who : {cache::Requester::fetch, cache::Requester::load, cache::Requester::store})
            served_row(cache::requester_name(who), served_by(r, who));
    }
    out << "\n";

    emit("page faults: %llu demand (mapped 4k %llu, 2m %llu, 1g %llu), %llu protection, %llu unresolved; "
         "handler %llu cycles\n",
         ull(o.demand_faults), ull(o.mapped[0]), ull(o.mapped[1]), ull(o.mapped[2]), ull(o.protection_faults),
         ull(o.unresolved_faults), ull(o.fault_cycles));
    emit("page tables: %llu pages; THP fallbacks %llu, 1G fallbacks %llu\n", ull(o.table_pages), ull(o.thp_fallbacks),
         ull(o.gigantic_fallbacks));
    uint64_t invalidated = s.l1i.total_invalidations() + s.l1d.total_invalidations() + s.l2.total_invalidations();
    emit("flushes: MOV CR3 %llu (%llu with no-flush), INVLPG %llu, INVPCID %llu; TLB entries invalidated %llu\n",
         ull(s.ops[unsigned(Operation::mov_cr3)].count), ull(o.cr3_noflush), ull(s.ops[unsigned(Operation::invlpg)].count),
         ull(s.ops[unsigned(Operation::invpcid)].count), ull(invalidated));
    emit("scheduler: %llu timer ticks, %llu address-space switches, %llu thread switches, %llu kernel entries",
         ull(o.timer_ticks), ull(o.mm_switches), ull(o.thread_switches), ull(o.kernel_entries));
    if (o.asid_reuses || o.asid_allocations)
        emit("; ASIDs reused %llu, allocated %llu", ull(o.asid_reuses), ull(o.asid_allocations));
    out << "\n";
    const LatencyHistogram& h = s.latency;
    emit("translation latency (cycles): mean %.2f, p50 %llu, p99 %llu, max %llu over %llu translations\n", h.mean(),
         ull(h.percentile(0.5)), ull(h.percentile(0.99)), ull(h.max), ull(h.count));
    if (!r.has_smp_section()) return out.str();

    emit("\nCPUs %llu, shootdowns by %s: events unmap %llu, protect %llu, drop %llu over %llu pages; "
         "%llu entries unmapped, %llu reprotected\n",
         ull(r.cpus.size()), os::to_string(options.os.shootdown), ull(o.unmap_events), ull(o.protect_events),
         ull(o.drop_events), ull(o.event_pages), ull(o.unmapped[0] + o.unmapped[1] + o.unmapped[2]),
         ull(o.protected_entries));
    emit("shootdowns %llu (%llu full flushes above %u pages, %llu with other CPUs in the mask), %llu initiator cycles\n",
         ull(o.shootdowns), ull(o.full_flushes), options.os.flush_ceiling, ull(o.remote_shootdowns),
         ull(o.shootdown_cycles));
    emit("%-6s %12s %10s %9s %9s %12s %12s %12s %9s\n", "cpu", "records", "shootdowns", "IPIs sent", "received",
         "remote drops", "ack wait", "stolen", "INVLPGB");
    auto cpu_row = [&](const std::string& name, uint64_t records, uint64_t shootdowns, const machine::CpuStats& c) {
        emit("%-6s %12llu %10llu %9llu %9llu %12llu %12llu %12llu %9llu\n", name.c_str(), ull(records), ull(shootdowns),
             ull(c.ipis_sent), ull(c.ipis_received), ull(remote_drops(c)), ull(c.ack_wait_cycles),
             ull(c.interrupt_cycles), ull(c.invlpgb_issued));
    };
    for (size_t i = 0; i < r.cpus.size(); ++i)
        cpu_row("cpu" + std::to_string(i), r.cpus[i].records, r.cpus[i].shootdowns, r.cpus[i].smp);
    cpu_row("total", r.records, o.shootdowns, r.smp_total);
    out << "(remote drops: TLB and paging-structure-cache entries dropped by other CPUs' IPIs and by INVLPGB; "
           "ack wait and stolen in cycles)\n";
    return out.str();
}

}  // namespace tlmmu::replay
