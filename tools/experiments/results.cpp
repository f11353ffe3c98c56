#include "results.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tlmmu::experiments {

namespace {

[[noreturn]] void fail(unsigned line, const std::string& message) {
    throw ParseError("line " + std::to_string(line) + ": " + message);
}

double ratio(double a, double b) { return b != 0 ? a / b : 0.0; }

}  // namespace

uint64_t Record::number(const std::string& key) const {
    const auto it = fields.find(key);
    if (it == fields.end()) fail(line, "@exp " + kind + ": missing '" + key + "'");
    const std::string& v = it->second;
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 20)
        fail(line, "@exp " + kind + ": '" + key + "' is not an unsigned number: '" + v + "'");
    try {
        return std::stoull(v);
    } catch (const std::exception&) {
        fail(line, "@exp " + kind + ": '" + key + "' is out of range: '" + v + "'");
    }
}

int64_t Record::signed_number(const std::string& key) const {
    const auto it = fields.find(key);
    if (it != fields.end() && !it->second.empty() && it->second[0] == '-') {
        Record positive = *this;
        positive.fields[key] = it->second.substr(1);
        return -int64_t(positive.number(key));
    }
    return int64_t(number(key));
}

const std::string& Record::word(const std::string& key) const {
    const auto it = fields.find(key);
    if (it == fields.end()) fail(line, "@exp " + kind + ": missing '" + key + "'");
    return it->second;
}

std::vector<Record> parse_records(const std::string& text) {
    std::vector<Record> records;
    std::istringstream in(text);
    std::string line;
    unsigned number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] != '@') continue;
        std::istringstream words(line);
        std::string tag;
        words >> tag;
        Record r;
        r.line = number;
        if (tag == "@exp") {
            if (!(words >> r.kind)) fail(number, "@exp without a kind");
        } else if (tag == "@info" || tag == "@done") {
            r.kind = tag.substr(1);
        } else {
            fail(number, "unknown machine line '" + tag + "'");
        }
        std::string item;
        while (words >> item) {
            const auto eq = item.find('=');
            if (eq == std::string::npos || eq == 0) fail(number, "expected key=value, got '" + item + "'");
            r.fields[item.substr(0, eq)] = item.substr(eq + 1);
        }
        records.push_back(std::move(r));
    }
    return records;
}

Results compute_results(const std::vector<Record>& records) {
    Results r;
    const Record *calib = nullptr, *calib_fetch = nullptr;
    bool done = false;
    // The first calibration (the footprint experiment repeats it for runs without the working set).
    for (const Record& rec : records) {
        if (rec.kind == "calib" && !calib) calib = &rec;
        if (rec.kind == "calib_fetch" && !calib_fetch) calib_fetch = &rec;
    }
    const bool working_set = std::any_of(records.begin(), records.end(), [](const Record& x) { return x.kind == "ws"; });
    if (working_set && (!calib || !calib_fetch))
        throw ParseError("no calibration lines (@exp calib, calib_fetch) before the working-set points");
    const bool footprint = std::any_of(records.begin(), records.end(), [](const Record& x) { return x.kind == "footprint"; });
    if (footprint && (!calib || !calib_fetch))
        throw ParseError("no calibration lines (@exp calib, calib_fetch) before the footprint points");
    if (calib && calib_fetch) {
        // Both calibration loops hit the L1 TLBs on every lookup; they differ in
        // the share of fetch and data lookups, which separates the two latencies:
        // xlat = l1i_hits * hi + l1d_hits * hd for each.
        for (const Record* c : {calib, calib_fetch})
            if (c->number("l1i_misses") || c->number("l1d_misses"))
                fail(c->line, "@exp " + c->kind + ": the calibration loop missed the L1 TLBs");
        const double a1 = double(calib_fetch->number("l1i_hits")), b1 = double(calib_fetch->number("l1d_hits"));
        const double t1 = double(calib_fetch->number("xlat_cycles"));
        const double a2 = double(calib->number("l1i_hits")), b2 = double(calib->number("l1d_hits"));
        const double t2 = double(calib->number("xlat_cycles"));
        const double det = a1 * b2 - a2 * b1;
        if (det == 0) fail(calib->line, "@exp calib: the calibration loops cannot separate fetch and data lookups");
        r.calibration.l1i_hit_cycles = (t1 * b2 - t2 * b1) / det;
        r.calibration.l1d_hit_cycles = (a1 * t2 - a2 * t1) / det;
        r.calibration.cycles_per_access = ratio(double(calib->number("cycles")), double(calib->number("accesses")));
    }
    const double h = r.calibration.l1i_hit_cycles;

    for (const Record& rec : records) {
        if (rec.kind == "info") {
            r.ram_bytes = rec.number("ram_bytes");
        } else if (rec.kind == "done") {
            if (rec.word("status") != "ok") fail(rec.line, "the firmware reported status " + rec.word("status"));
            // The shootdown experiment runs on a platform of its own: its cost adds up.
            r.guest_cycles += rec.number("cycles");
            r.guest_instructions += rec.number("instret");
            done = true;
        } else if (rec.kind == "phase") {
            r.phases.push_back({rec.word("name"), rec.number("cycles"), rec.number("instret")});
        } else if (rec.kind == "ws") {
            WorkingSetPoint p;
            p.page = rec.word("page");
            p.layout = rec.word("layout");
            p.levels = rec.has("levels") ? unsigned(rec.number("levels")) : 4;
            p.pages = unsigned(rec.number("pages"));
            p.accesses = rec.number("accesses");
            if (!p.accesses) fail(rec.line, "@exp ws: no accesses");
            const double n = double(p.accesses);
            // Translation cycles of the loads: the fetch lookups' share removed.
            const double data = double(rec.number("xlat_cycles")) - h * double(rec.number("l1i_hits"));
            p.xlat_cycles = data / n;
            p.cycles_per_access = double(rec.number("cycles")) / n;
            p.l1_fraction = std::min(1.0, double(rec.number("l1d_hits")) / n);
            p.l2_fraction = std::min(1.0, double(rec.number("l2_hits")) / n);
            p.walk_fraction = std::min(1.0, double(rec.number("walks")) / n);
            p.reads_per_walk = ratio(double(rec.number("walk_refs")), double(rec.number("walks")));
            p.psc_hits_per_walk = ratio(double(rec.number("psc_hits")), double(rec.number("walks")));
            r.working_set.push_back(p);
        } else if (rec.kind == "cs") {
            ContextSwitchPoint p;
            p.mode = rec.word("mode");
            p.global_kernel = rec.word("kernel") == "global";
            p.procs = unsigned(rec.number("procs"));
            p.user_pages = unsigned(rec.number("user_pages"));
            p.kernel_pages = unsigned(rec.number("kernel_pages"));
            p.switches = rec.number("switches");
            if (!p.switches) fail(rec.line, "@exp cs: no measured switch");
            const double s = double(p.switches);
            p.switch_cycles = double(rec.number("switch_cycles")) / s;
            p.refill_xlat_cycles = double(rec.number("xlat_cycles")) / s;
            p.walks = double(rec.number("walks")) / s;
            p.l2_misses = double(rec.number("l2_misses")) / s;
            p.slice_cycles = double(rec.number("cycles")) / s;
            r.context_switch.push_back(p);
        } else if (rec.kind == "flush") {
            RangeFlushPoint p;
            p.pages = unsigned(rec.number("pages"));
            p.resident = unsigned(rec.number("resident"));
            p.invlpg_cycles = rec.number("invlpg_cycles");
            p.full_cycles = rec.number("full_cycles");
            p.invlpg_walks = rec.number("invlpg_walks");
            p.invpcid_cycles = rec.number("invpcid_cycles");
            p.invpcid_walks = rec.number("invpcid_walks");
            p.full_walks = rec.number("full_walks");
            r.range_flush.push_back(p);
        } else if (rec.kind == "buddy") {
            BuddyPoint p;
            p.order = unsigned(rec.number("order"));
            const double reps = double(rec.number("reps"));
            if (!reps) fail(rec.line, "@exp buddy: no repetitions");
            p.alloc_cycles = rec.number("alloc_cycles") / reps;
            p.free_cycles = rec.number("free_cycles") / reps;
            p.splits_per_alloc = rec.number("splits") / reps;
            p.merges_per_free = rec.number("merges") / reps;
            p.cold_alloc_cycles = rec.number("cold_alloc_cycles");
            p.cold_free_cycles = rec.number("cold_free_cycles");
            p.cold_splits = rec.number("cold_splits");
            p.cold_merges = rec.number("cold_merges");
            r.buddy.push_back(p);
        } else if (rec.kind == "slab") {
            SlabPoint p;
            p.cache = rec.word("cache");
            p.size = unsigned(rec.number("size"));
            const double n = double(rec.number("objects"));
            if (!n) fail(rec.line, "@exp slab: no objects");
            p.alloc_cycles = rec.number("alloc_cycles") / n;
            p.free_cycles = rec.number("free_cycles") / n;
            p.objects_per_slab = unsigned(rec.number("objects_per_slab"));
            p.slabs_created = rec.number("slabs_created");
            r.slab.push_back(p);
        } else if (rec.kind == "fault") {
            FaultResult& f = r.fault;
            r.has_fault = true;
            f.pages = unsigned(rec.number("pages"));
            f.faults = rec.number("faults");
            const double first = double(rec.number("first_touch_cycles")), second = double(rec.number("second_touch_cycles"));
            f.cycles_per_fault = ratio(first - second, double(f.faults));
            f.handler_cycles_per_fault = ratio(double(rec.number("handler_cycles")), double(f.faults));
            f.pages_taken = rec.number("pages_taken");
        } else if (rec.kind == "frag") {
            Fragmentation& f = r.fragmentation;
            r.has_fragmentation = true;
            f.seed = unsigned(rec.number("seed"));
            f.steps = unsigned(rec.number("steps"));
            f.live_blocks = unsigned(rec.number("live_blocks"));
            f.failed_allocs = unsigned(rec.number("failed_allocs"));
            f.pages = unsigned(rec.number("pages"));
            f.free_pages = rec.number("free_pages");
            f.largest_order = int(rec.signed_number("largest_order"));
            f.consistent = rec.signed_number("check") == 0;
        } else if (rec.kind == "fragorder") {
            r.fragmentation.orders.push_back({unsigned(rec.number("order")), rec.number("free_blocks"),
                                              int(rec.signed_number("frag_index")), int(rec.signed_number("unusable"))});
        } else if (rec.kind == "fragfree") {
            r.fragmentation.merged_back = rec.signed_number("largest_order") == 10 && rec.signed_number("check") == 0;
        } else if (rec.kind == "footprint") {
            footprint_record(r, rec);
        } else {
            kernel_record(r, rec);
        }
    }
    if (!done) throw ParseError("the firmware did not finish (no '@done' line)");
    for (const RangeFlushPoint& p : r.range_flush) {
        if (!r.range_flush_crossover && p.full_cycles < p.invlpg_cycles) r.range_flush_crossover = p.pages;
        if (!r.invpcid_crossover && p.full_cycles < p.invpcid_cycles) r.invpcid_crossover = p.pages;
    }
    return r;
}

std::string report(const Results& r) {
    std::ostringstream out;
    char line[320];
    auto row = [&](const char* fmt, auto... args) {
        std::snprintf(line, sizeof line, fmt, args...);
        out << line;
    };

    if (!r.working_set.empty()) {
        row("Translation latency against working set, measured in the guest (L1 ITLB hit %.2f, L1 DTLB hit %.2f cycles)\n",
            r.calibration.l1i_hit_cycles, r.calibration.l1d_hit_cycles);
        out << "  A load loop sweeps N pages; the translation cycles per load step from the L1 TLB to the L2 TLB\n"
               "  to page walks, and the walks cost less when the paging-structure caches hold the upper levels.\n";
        out << "  levels  page  layout        pages  xlat cycles/load  loop cycles/load    L1%    L2%  walk%  reads/walk\n";
        for (const WorkingSetPoint& p : r.working_set)
            row("  %6u  %-4s  %-10s %8u %17.2f %17.2f %6.1f %6.1f %6.1f %11.2f\n", p.levels, p.page.c_str(), p.layout.c_str(), p.pages,
                p.xlat_cycles, p.cycles_per_access, 100 * p.l1_fraction, 100 * p.l2_fraction, 100 * p.walk_fraction,
                p.reads_per_walk);
    }

    if (!r.context_switch.empty()) {
        const ContextSwitchPoint& c0 = r.context_switch.front();
        out << "\nContext switch: " << c0.procs << " processes round-robin, each touching " << c0.user_pages
            << " user pages per slice; the kernel touches " << c0.kernel_pages << " pages after each CR3 write\n";
        out << "  The CR3 write itself costs the same in every mode (with non-global kernel pages its figure also\n"
               "  holds the ITLB refill of the next instruction); the refill differs: with the no-flush hint the\n"
               "  incoming PCID's entries survive, global kernel pages survive every switch, and PCIDs without\n"
               "  the hint save nothing, since writing CR3 invalidates the incoming PCID (SDM 4.10.4.1).\n";
        out << "  mode           kernel      switch cycles  refill xlat cycles  walks/switch  slice cycles\n";
        for (const ContextSwitchPoint& p : r.context_switch)
            row("  %-14s %-10s %14.1f %19.1f %13.1f %13.1f\n", p.mode.c_str(), p.global_kernel ? "global" : "non-global",
                p.switch_cycles, p.refill_xlat_cycles, p.walks, p.slice_cycles);
    }

    if (!r.range_flush.empty()) {
        out << "\nRange flush: N of " << r.range_flush.front().resident
            << " resident pages change, flushed page by page or by a CR3 reload, then all are touched again\n";
        out << "  Per-page invalidation costs per page (INVLPG, or INVPCID type 0 for one address); the CR3\n"
               "  reload costs one write plus the refill of every page, so past some number of pages it is cheaper.\n";
        out << "  pages   INVLPG each   INVPCID each   CR3 reload   walks (per page / reload)   cheapest\n";
        for (const RangeFlushPoint& p : r.range_flush) {
            const uint64_t best = std::min({p.invlpg_cycles, p.invpcid_cycles, p.full_cycles});
            const char* cheapest = best == p.full_cycles ? "CR3 reload" : best == p.invpcid_cycles ? "INVPCID" : "INVLPG";
            row("  %5u %13llu %14llu %12llu %13llu / %-10llu %s\n", p.pages, (unsigned long long)p.invlpg_cycles,
                (unsigned long long)p.invpcid_cycles, (unsigned long long)p.full_cycles,
                (unsigned long long)p.invlpg_walks, (unsigned long long)p.full_walks, cheapest);
        }
        if (r.range_flush_crossover)
            out << "  crossover: a full flush is cheaper than INVLPG per page from " << r.range_flush_crossover
                << " pages (Linux switches at 33)";
        else
            out << "  crossover: INVLPG per page stayed cheaper up to " << r.range_flush.back().pages << " pages";
        if (r.invpcid_crossover) out << "; than INVPCID per page from " << r.invpcid_crossover << " pages";
        out << "\n";
    }

    if (!r.buddy.empty()) {
        out << "\nBuddy allocator: cycles per allocation and free by order\n";
        out << "  Warm: 16 blocks from the kernel's allocator, whose free lists already hold blocks of most orders,\n"
               "  so few splits are needed. Cold: one block carved from a single 4 MiB block, which splits\n"
               "  10 - order times and merges as often when freed: the cost grows with the distance in orders.\n";
        out << "  order   block     warm alloc   warm free   splits/alloc   cold alloc   cold free   cold splits\n";
        for (const BuddyPoint& p : r.buddy) {
            const unsigned long long kib = 4ull << p.order;
            char size[32];
            if (kib >= 1024) std::snprintf(size, sizeof size, "%llu MiB", kib / 1024);
            else std::snprintf(size, sizeof size, "%llu KiB", kib);
            row("  %5u   %-8s %11.1f %11.1f %14.2f %12llu %11llu %13llu\n", p.order, size, p.alloc_cycles,
                p.free_cycles, p.splits_per_alloc, (unsigned long long)p.cold_alloc_cycles,
                (unsigned long long)p.cold_free_cycles, (unsigned long long)p.cold_splits);
        }
    }
    if (!r.slab.empty()) {
        out << "\nSlab allocator: cycles per kmalloc/kfree by size class, and a created cache (64 objects each)\n";
        out << "  An allocation pops a slab's free list; the first one of a slab takes 32 KiB from the buddy\n"
               "  allocator and threads its free list, which shows where a slab holds few objects.\n";
        out << "  cache           size   alloc cycles   free cycles   objects/slab   slabs created\n";
        for (const SlabPoint& p : r.slab)
            row("  %-14s %5u %14.1f %13.1f %14u %15llu\n", p.cache.c_str(), p.size, p.alloc_cycles, p.free_cycles,
                p.objects_per_slab, (unsigned long long)p.slabs_created);
    }
    if (r.has_fault) {
        out << "\nDemand paging: a user process stores to " << r.fault.pages << " untouched pages\n";
        out << "  Each first touch traps, takes a zeroed page from the buddy allocator and maps it; the cost is the\n"
               "  difference between the first and the second pass over the same pages.\n";
        row("  faults %llu, %.0f cycles per fault (handler alone %.0f), %llu pages taken from the buddy allocator\n",
            (unsigned long long)r.fault.faults, r.fault.cycles_per_fault, r.fault.handler_cycles_per_fault,
            (unsigned long long)r.fault.pages_taken);
    }

    if (r.has_fragmentation) {
        const Fragmentation& f = r.fragmentation;
        out << "\nFragmentation after " << f.steps << " random allocations (orders 0-3) and frees, seed " << f.seed
            << ", in a " << f.pages * 4 / 1024 << " MiB region\n";
        out << "  Free memory remains but in small blocks: the fragmentation index (Linux's, x1000) is -1000 while a\n"
               "  block of the order exists and approaches 1000 when the failure is due to fragmentation.\n";
        row("  %u blocks live, %llu of %u pages free, largest free order %d, %u allocations failed, invariants %s, "
            "merged back after freeing all: %s\n",
            f.live_blocks, (unsigned long long)f.free_pages, f.pages, f.largest_order, f.failed_allocs,
            f.consistent ? "hold" : "BROKEN", f.merged_back ? "yes" : "NO");
        out << "  order   free blocks   fragmentation index   unusable free space\n";
        for (const FragOrder& o : f.orders)
            row("  %5u %13llu %21d %20.1f%%\n", o.order, (unsigned long long)o.free_blocks, o.frag_index, o.unusable / 10.0);
    }
    for (const Table& t : r.tables) out << "\n" << render_table(t);

    if (!r.phases.empty()) {
        out << "\nGuest cost of each experiment (building page tables included)\n";
        out << "  experiment        M instructions   M cycles\n";
        for (const Phase& p : r.phases)
            row("  %-16s %15.1f %10.1f\n", p.name.c_str(), p.instructions / 1e6, p.cycles / 1e6);
    }
    return out.str();
}

std::string to_json(const Results& r) {
    nlohmann::ordered_json j;
    j["ram_bytes"] = r.ram_bytes;
    j["guest_cycles"] = r.guest_cycles;
    j["guest_instructions"] = r.guest_instructions;
    j["phases"] = nlohmann::ordered_json::array();
    for (const Phase& p : r.phases)
        j["phases"].push_back({{"name", p.name}, {"cycles", p.cycles}, {"instructions", p.instructions}});
    j["calibration"] = {{"l1i_hit_cycles", r.calibration.l1i_hit_cycles},
                        {"l1d_hit_cycles", r.calibration.l1d_hit_cycles},
                        {"cycles_per_access", r.calibration.cycles_per_access}};
    j["working_set"] = nlohmann::ordered_json::array();
    for (const WorkingSetPoint& p : r.working_set)
        j["working_set"].push_back({{"levels", p.levels},
                                    {"page_size", p.page},
                                    {"layout", p.layout},
                                    {"pages", p.pages},
                                    {"accesses", p.accesses},
                                    {"xlat_cycles", p.xlat_cycles},
                                    {"cycles_per_access", p.cycles_per_access},
                                    {"l1_fraction", p.l1_fraction},
                                    {"l2_fraction", p.l2_fraction},
                                    {"walk_fraction", p.walk_fraction},
                                    {"reads_per_walk", p.reads_per_walk},
                                    {"psc_hits_per_walk", p.psc_hits_per_walk}});
    j["context_switch"] = nlohmann::ordered_json::array();
    for (const ContextSwitchPoint& p : r.context_switch)
        j["context_switch"].push_back({{"mode", p.mode},
                                       {"global_kernel", p.global_kernel},
                                       {"procs", p.procs},
                                       {"user_pages", p.user_pages},
                                       {"kernel_pages", p.kernel_pages},
                                       {"switches", p.switches},
                                       {"switch_cycles", p.switch_cycles},
                                       {"refill_xlat_cycles", p.refill_xlat_cycles},
                                       {"walks_per_switch", p.walks},
                                       {"l2_misses_per_switch", p.l2_misses},
                                       {"slice_cycles", p.slice_cycles}});
    j["range_flush"] = nlohmann::ordered_json::array();
    for (const RangeFlushPoint& p : r.range_flush)
        j["range_flush"].push_back({{"pages", p.pages},
                                    {"resident", p.resident},
                                    {"invlpg_cycles", p.invlpg_cycles},
                                    {"invpcid_cycles", p.invpcid_cycles},
                                    {"full_flush_cycles", p.full_cycles},
                                    {"invlpg_walks", p.invlpg_walks},
                                    {"invpcid_walks", p.invpcid_walks},
                                    {"full_flush_walks", p.full_walks}});
    j["range_flush_crossover"] = r.range_flush_crossover;
    j["invpcid_crossover"] = r.invpcid_crossover;
    j["buddy"] = nlohmann::ordered_json::array();
    for (const BuddyPoint& p : r.buddy)
        j["buddy"].push_back({{"order", p.order},
                              {"alloc_cycles", p.alloc_cycles},
                              {"free_cycles", p.free_cycles},
                              {"splits_per_alloc", p.splits_per_alloc},
                              {"merges_per_free", p.merges_per_free},
                              {"cold_alloc_cycles", p.cold_alloc_cycles},
                              {"cold_free_cycles", p.cold_free_cycles},
                              {"cold_splits", p.cold_splits},
                              {"cold_merges", p.cold_merges}});
    j["slab"] = nlohmann::ordered_json::array();
    for (const SlabPoint& p : r.slab)
        j["slab"].push_back({{"cache", p.cache},
                             {"size", p.size},
                             {"alloc_cycles", p.alloc_cycles},
                             {"free_cycles", p.free_cycles},
                             {"objects_per_slab", p.objects_per_slab},
                             {"slabs_created", p.slabs_created}});
    if (r.has_fault) {
        j["page_fault"] = {{"pages", r.fault.pages},
                           {"faults", r.fault.faults},
                           {"cycles_per_fault", r.fault.cycles_per_fault},
                           {"handler_cycles_per_fault", r.fault.handler_cycles_per_fault},
                           {"pages_taken", r.fault.pages_taken}};
    }
    if (r.has_fragmentation) {
        const Fragmentation& f = r.fragmentation;
        nlohmann::ordered_json orders = nlohmann::ordered_json::array();
        for (const FragOrder& o : f.orders)
            orders.push_back({{"order", o.order},
                              {"free_blocks", o.free_blocks},
                              {"fragmentation_index", o.frag_index / 1000.0},
                              {"unusable_free_space", o.unusable / 1000.0}});
        j["fragmentation"] = {{"seed", f.seed},
                              {"steps", f.steps},
                              {"pages", f.pages},
                              {"live_blocks", f.live_blocks},
                              {"failed_allocs", f.failed_allocs},
                              {"free_pages", f.free_pages},
                              {"largest_free_order", f.largest_order},
                              {"invariants_hold", f.consistent},
                              {"merged_back", f.merged_back},
                              {"orders", orders}};
    }
    // Sections of experiments that did not run (--only) are left out.
    if (r.working_set.empty()) j.erase("calibration"), j.erase("working_set");
    if (r.context_switch.empty()) j.erase("context_switch");
    if (r.range_flush.empty()) j.erase("range_flush"), j.erase("range_flush_crossover"), j.erase("invpcid_crossover");
    if (r.buddy.empty()) j.erase("buddy");
    if (r.slab.empty()) j.erase("slab");
    for (const Table& t : r.tables) {
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        for (size_t i = 0; i < t.rows.size(); ++i) {
            nlohmann::ordered_json o;
            for (size_t c = 0; c < t.columns.size(); ++c) {
                if (t.columns[c].decimals < 0) o[t.columns[c].key] = t.words[i][c];
                else if (t.columns[c].decimals == 0) o[t.columns[c].key] = int64_t(std::llround(t.rows[i][c]));
                else o[t.columns[c].key] = t.rows[i][c];
            }
            rows.push_back(o);
        }
        j[t.name] = rows;
    }
    return j.dump(2);
}

}  // namespace tlmmu::experiments
