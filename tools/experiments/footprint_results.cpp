// The working set's data-footprint axis on the host (`@exp footprint`): walk
// latency against the data touched between translations, and the same
// experiment run again with the caches switched the other way, side by side.
#include <cstdio>
#include <sstream>

#include "results.h"

namespace tlmmu::experiments {

namespace {

const char* const kWalkCycles = "walk_cycles";

Table* footprint_table(Results& r) {
    for (Table& t : r.tables)
        if (t.name == "footprint") return &t;
    return nullptr;
}

std::string footprint_text(uint64_t bytes) {
    if (bytes == 0) return "0";
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + "M";
    return std::to_string(bytes >> 10) + "K";
}

}  // namespace

void footprint_record(Results& r, const Record& rec) {
    if (!footprint_table(r)) {
        Table t;
        t.name = "footprint";
        t.title = "Walk latency against data footprint (cycles per TLB miss, lookups included)";
        t.sentence =
            "2048 pages swept one load each (every load misses the TLBs), with data read between the loads:\n"
            "per pass, every line of a buffer of the given size. The PSCs hold the upper levels, so a walk\n"
            "reads one entry; eight share a line, so the first walk to a line in a pass pays the level the\n"
            "line comes from and the next seven hit L1D. As the buffer outgrows L1D, L2 and the LLC, that\n"
            "first read comes from further away: the cost climbs in steps of (level latency - L1D latency)/8.";
        t.columns = {{"page", "page", -1},          {"footprint", "footprint", -1}, {"footprint_bytes", "bytes", 0},
                     {"walks_per_load", "walks/load", 3}, {"reads_per_walk", "reads/walk", 2},
                     {kWalkCycles, "cycles/walk", 1}};
        r.tables.push_back(std::move(t));
    }
    Table& t = *footprint_table(r);
    const double loads = double(rec.number("accesses")), walks = double(rec.number("walks"));
    if (!walks) throw ParseError("line " + std::to_string(rec.line) + ": @exp footprint: no walks");
    // The TLB misses' translation cycles: fetch lookups and L1 DTLB hits
    // (the buffer's, through one 1 GiB page, and the loop's own) taken out,
    // as calibrated.
    const double xlat = double(rec.number("xlat_cycles")) - r.calibration.l1i_hit_cycles * double(rec.number("l1i_hits")) -
                        r.calibration.l1d_hit_cycles * double(rec.number("l1d_hits"));
    const uint64_t bytes = rec.number("footprint");
    t.add({double(bytes), walks / loads, double(rec.number("walk_refs")) / walks, xlat / walks},
          {rec.word("page"), footprint_text(bytes)});
}

void footprint_with_and_without(Results& main, bool main_caches_on, const Results& other) {
    Table* mine = footprint_table(main);
    const Table* theirs = other.table("footprint");
    if (!mine || !theirs) return;
    Table& t = *mine;
    if (theirs->rows.size() != t.rows.size())
        throw ParseError("the comparison run measured " + std::to_string(theirs->rows.size()) + " footprint points, not " +
                         std::to_string(t.rows.size()));
    const size_t c = t.column(kWalkCycles);
    t.columns[c] = main_caches_on ? Column{"walk_cycles_caches_on", "cycles/walk caches on", 1}
                                  : Column{"walk_cycles_caches_off", "cycles/walk caches off", 1};
    t.columns.push_back(main_caches_on ? Column{"walk_cycles_caches_off", "caches off", 1}
                                       : Column{"walk_cycles_caches_on", "caches on", 1});
    const size_t o = theirs->column(kWalkCycles);
    for (size_t i = 0; i < t.rows.size(); ++i) {
        t.rows[i].push_back(theirs->rows[i][o]);
        t.words[i].push_back("");
    }
    t.title = "With and without the caches: walk latency against data footprint (cycles per TLB miss)";
    t.sentence +=
        "\nWithout the caches (cache.enabled=off, a second run of this experiment) every page-table read costs\n"
        "memory.latency whatever the footprint: the flat figure is too high while the lines are cached and\n"
        "too low once they come from DRAM.";
}

std::string footprint_script(const Results& r) {
    const Table* t = r.table("footprint");
    if (!t) return {};
    std::vector<std::pair<size_t, std::string>> series;  // column, "caches on"/"caches off"/""
    for (size_t c = 0; c < t->columns.size(); ++c) {
        const std::string& k = t->columns[c].key;
        if (k == kWalkCycles) series.push_back({c, ""});
        if (k == "walk_cycles_caches_on") series.push_back({c, ", caches on"});
        if (k == "walk_cycles_caches_off") series.push_back({c, ", caches off"});
    }
    std::ostringstream s;
    s << "set title 'Walk latency against data footprint (measured in the guest)'\n"
         "set xlabel 'data read between translations, per pass (bytes)'\nset ylabel 'cycles per TLB miss'\n"
         "set key top left\nset grid\nset logscale y\n";
    s << "plot ";
    bool first = true;
    for (const char* page : {"4k", "2m"})
        for (const auto& [column, suffix] : series) {
            s << (first ? "" : ", ") << "'-' using 0:2:xtic(1) with linespoints title '"
              << (std::string(page) == "4k" ? "4 KiB pages" : "2 MiB pages") << suffix << "'"
              << (suffix == ", caches off" ? " dashtype 2" : "");
            first = false;
        }
    s << "\n";
    const size_t page = t->column("page"), label = t->column("footprint");
    for (const char* p : {"4k", "2m"})
        for (const auto& [column, suffix] : series) {
            for (size_t i = 0; i < t->rows.size(); ++i)
                if (t->words[i][page] == p) s << t->words[i][label] << " " << t->rows[i][column] << "\n";
            s << "e\n";
        }
    return s.str();
}

}  // namespace tlmmu::experiments
