// PNG plots of the experiment results, drawn by gnuplot from data written
// inline into its script. Each image is written to a temporary file and
// installed at the end (tools/common/atomic_file.h), so a failed run never
// leaves a truncated plot behind.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "atomic_file.h"
#include "results.h"

namespace tlmmu::experiments {

namespace {

namespace fs = std::filesystem;

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Runs gnuplot on `script` (which writes a temporary file), then installs
// the image at `out` (tools/common/atomic_file.h).
bool render(const std::string& script, const fs::path& out, std::string& error) {
    const fs::path partial = tools::temporary_output_path(out.string(), &error);
    if (partial.empty()) return false;
    const fs::path script_path = partial.string() + ".gp";
    {
        std::ofstream f(script_path);
        f << "set terminal pngcairo size 900,560 noenhanced font 'sans,10'\n"
          << "set output " << quote(partial.string()) << "\n"
          << script;
        if (!f) {
            error = "cannot write " + script_path.string();
            std::remove(partial.c_str());
            return false;
        }
    }
    const std::string command = "gnuplot " + quote(script_path.string()) + " 2>&1";
    std::string messages;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        error = "cannot run gnuplot";
        std::remove(script_path.c_str());
        std::remove(partial.c_str());
        return false;
    }
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe)) messages += buffer;
    const int status = pclose(pipe);
    std::error_code ec;
    fs::remove(script_path, ec);
    if (status != 0 || fs::file_size(partial, ec) == 0) {
        fs::remove(partial, ec);
        error = "gnuplot failed for " + out.string() + (messages.empty() ? "" : ": " + messages);
        return false;
    }
    return tools::install_output(partial.string(), out.string(), &error);
}

std::string working_set_script(const Results& r) {
    std::map<std::string, std::vector<const WorkingSetPoint*>> series;
    std::vector<std::string> order;
    for (const WorkingSetPoint& p : r.working_set) {
        const std::string name = p.page + " " + p.layout + (p.levels == 5 ? " 5-level" : "");
        if (!series.count(name)) order.push_back(name);
        series[name].push_back(&p);
    }
    std::ostringstream s;
    s << "set title 'Translation latency against working set (measured in the guest)'\n"
         "set xlabel 'working set (pages)'\nset ylabel 'translation cycles per load'\n"
         "set logscale x 2\nset key top left\nset grid\n";
    s << "plot ";
    for (size_t i = 0; i < order.size(); ++i)
        s << (i ? ", " : "") << "'-' using 1:2 with linespoints title " << quote(order[i]);
    s << "\n";
    for (const std::string& name : order) {
        for (const WorkingSetPoint* p : series[name]) s << p->pages << " " << p->xlat_cycles << "\n";
        s << "e\n";
    }
    return s.str();
}

std::string range_flush_script(const Results& r) {
    std::ostringstream s;
    s << "set title 'Range flush: INVLPG per page against a CR3 reload (flush + re-touch)'\n"
         "set xlabel 'pages changed'\nset ylabel 'cycles'\nset logscale x 2\nset key top left\nset grid\n";
    if (r.range_flush_crossover)
        s << "set arrow from " << r.range_flush_crossover << ", graph 0 to " << r.range_flush_crossover
          << ", graph 1 nohead dashtype 2\n";
    s << "plot '-' using 1:2 with linespoints title 'INVLPG each', '-' using 1:2 with linespoints title 'INVPCID each', "
         "'-' using 1:2 with linespoints title 'CR3 reload'\n";
    for (const RangeFlushPoint& p : r.range_flush) s << p.pages << " " << p.invlpg_cycles << "\n";
    s << "e\n";
    for (const RangeFlushPoint& p : r.range_flush) s << p.pages << " " << p.invpcid_cycles << "\n";
    s << "e\n";
    for (const RangeFlushPoint& p : r.range_flush) s << p.pages << " " << p.full_cycles << "\n";
    s << "e\n";
    return s.str();
}

std::string context_switch_script(const Results& r) {
    std::ostringstream s;
    s << "set title 'Context switch: refill translation cycles after each CR3 write'\n"
         "set ylabel 'cycles per switch'\nset style data histograms\nset style histogram clustered gap 1\n"
         "set style fill solid 0.7 border -1\nset boxwidth 0.9\nset grid ytics\nset key top right\n"
         "set yrange [0:*]\n";
    s << "plot '-' using 2:xtic(1) title 'non-global kernel', '-' using 2:xtic(1) title 'global kernel'\n";
    for (bool global : {false, true}) {
        for (const ContextSwitchPoint& p : r.context_switch)
            if (p.global_kernel == global) s << p.mode << " " << p.refill_xlat_cycles << "\n";
        s << "e\n";
    }
    return s.str();
}

std::string allocator_script(const Results& r) {
    std::ostringstream s;
    s << "set title 'Buddy allocator: cycles per operation by order'\n"
         "set xlabel 'order (block = 4 KiB << order)'\nset ylabel 'cycles'\nset key top left\nset grid\n"
         "plot '-' using 1:2 with linespoints title 'warm alloc', '-' using 1:2 with linespoints title 'warm free', "
         "'-' using 1:2 with linespoints title 'cold alloc (from one 4 MiB block)', "
         "'-' using 1:2 with linespoints title 'cold free'\n";
    for (const BuddyPoint& p : r.buddy) s << p.order << " " << p.alloc_cycles << "\n";
    s << "e\n";
    for (const BuddyPoint& p : r.buddy) s << p.order << " " << p.free_cycles << "\n";
    s << "e\n";
    for (const BuddyPoint& p : r.buddy) s << p.order << " " << p.cold_alloc_cycles << "\n";
    s << "e\n";
    for (const BuddyPoint& p : r.buddy) s << p.order << " " << p.cold_free_cycles << "\n";
    s << "e\n";
    return s.str();
}

// One line per word of `series_column`: `y` against `x` of a kernel table.
std::string table_script(const Table& t, const std::string& title, const std::string& series_column,
                         const std::string& x, const std::string& y, const std::string& xlabel,
                         const std::string& ylabel, bool logx) {
    std::vector<std::string> series;
    const size_t sc = t.column(series_column), xc = t.column(x), yc = t.column(y);
    for (size_t i = 0; i < t.rows.size(); ++i)
        if (std::find(series.begin(), series.end(), t.words[i][sc]) == series.end()) series.push_back(t.words[i][sc]);
    std::ostringstream s;
    s << "set title " << quote(title) << "\nset xlabel " << quote(xlabel) << "\nset ylabel " << quote(ylabel)
      << "\nset key top right\nset grid\n" << (logx ? "set logscale x 2\nset format x '%.0b %BB'\n" : "") << "plot ";
    for (size_t k = 0; k < series.size(); ++k)
        s << (k ? ", " : "") << "'-' using 1:2 with linespoints title " << quote(series[k]);
    s << "\n";
    for (const std::string& name : series) {
        for (size_t i = 0; i < t.rows.size(); ++i)
            if (t.words[i][sc] == name) s << t.rows[i][xc] << " " << t.rows[i][yc] << "\n";
        s << "e\n";
    }
    return s.str();
}

// A table with a constant "series" word column for the scripts above.
Table with_series(const Table& t, const std::string& name) {
    Table c = t;
    c.columns.push_back({"series", "series", -1});
    for (size_t i = 0; i < c.rows.size(); ++i) {
        c.rows[i].push_back(0);
        c.words[i].push_back(name);
    }
    return c;
}

// One line per distinct label (label(row)): `y` against `x` of a kernel table.
template <typename Label>
std::string series_script(const Table& t, const std::string& title, Label label, const std::string& x,
                          const std::string& y, const std::string& xlabel, const std::string& ylabel, bool logx,
                          const std::string& extra = "") {
    std::vector<std::string> series;
    for (size_t i = 0; i < t.rows.size(); ++i)
        if (std::find(series.begin(), series.end(), label(i)) == series.end()) series.push_back(label(i));
    const size_t xc = t.column(x), yc = t.column(y);
    std::ostringstream s;
    s << "set title " << quote(title) << "\nset xlabel " << quote(xlabel) << "\nset ylabel " << quote(ylabel)
      << "\nset key top left\nset grid\n" << (logx ? "set logscale x 2\n" : "") << extra << "plot ";
    for (size_t k = 0; k < series.size(); ++k)
        s << (k ? ", " : "") << "'-' using 1:2 with linespoints title " << quote(series[k]);
    s << "\n";
    for (const std::string& name : series) {
        for (size_t i = 0; i < t.rows.size(); ++i)
            if (label(i) == name) s << t.rows[i][xc] << " " << t.rows[i][yc] << "\n";
        s << "e\n";
    }
    return s.str();
}

}  // namespace

std::vector<std::string> write_plots(const Results& r, const std::string& dir, std::string& error) {
    std::vector<std::string> written;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        error = "cannot create " + dir + ": " + ec.message();
        return written;
    }
    const std::pair<const char*, std::string> plots[] = {
        {"experiments-working-set.png", working_set_script(r)},
        {"experiments-context-switch.png", context_switch_script(r)},
        {"experiments-range-flush.png", range_flush_script(r)},
        {"experiments-buddy.png", allocator_script(r)},
    };
    const bool present[] = {!r.working_set.empty(), !r.context_switch.empty(), !r.range_flush.empty(), !r.buddy.empty()};
    size_t index = 0;
    for (const auto& [name, script] : plots) {
        if (!present[index++]) continue;  // the experiment did not run (--only)
        const fs::path out = fs::path(dir) / name;
        if (!render(script, out, error)) return written;
        written.push_back(out.string());
    }
    std::vector<std::pair<std::string, std::string>> kernel_plots;
    if (const Table* t = r.table("reclaim"))
        kernel_plots.emplace_back("experiments-thrashing.png",
                                  table_script(*t, "Thrashing: faults per 1000 accesses against memory size", "policy",
                                               "frames", "faults_per_kilo_access", "memory (frames)",
                                               "faults per 1000 accesses", false));
    if (const Table* t = r.table("vmalloc")) {
        Table k = with_series(*t, "kmalloc (direct map, 2 MiB pages)"), v = with_series(*t, "vmalloc (4 KiB pages)");
        for (auto& row : k.rows) row[k.column("vmalloc_touch_cycles_per_load")] = row[k.column("kmalloc_touch_cycles_per_load")];
        v.rows.insert(v.rows.end(), k.rows.begin(), k.rows.end());
        v.words.insert(v.words.end(), k.words.begin(), k.words.end());
        kernel_plots.emplace_back("experiments-vmalloc.png",
                                  table_script(v, "Touching freshly allocated memory: cycles per load", "series", "bytes",
                                               "vmalloc_touch_cycles_per_load", "allocation (bytes)",
                                               "cycles per load (two passes)", true));
    }
    if (const Table* t = r.table("shootdown")) {
        const size_t mc = t->column("mechanism"), cc = t->column("cpus");
        auto label = [t, mc, cc](size_t i) {
            return (t->words[i][mc] == "ipi" ? std::string("IPI, ") : std::string("INVLPGB, ")) +
                   std::to_string(int(t->rows[i][cc])) + " CPUs";
        };
        kernel_plots.emplace_back(
            "experiments-shootdowns.png",
            series_script(*t, "TLB shootdown: initiator cycles against pages flushed (full PCID flush above the ceiling)",
                          label, "pages", "initiator_cycles", "pages flushed", "initiator cycles per shootdown", true,
                          t->rows.empty() || t->rows[0][t->column("ceiling")] < 1 ? std::string()
                                          : "set arrow from " + std::to_string(t->rows[0][t->column("ceiling")]) +
                                                ", graph 0 to " + std::to_string(t->rows[0][t->column("ceiling")]) +
                                                ", graph 1 nohead dashtype 2\n"));
    }
    if (const Table* t = r.table("munmap_storm")) {
        const size_t mc = t->column("mechanism");
        auto label = [t, mc](size_t i) { return t->words[i][mc] == "ipi" ? std::string("IPIs") : std::string("INVLPGB + TLBSYNC"); };
        kernel_plots.emplace_back("experiments-munmap-storm.png",
                                  series_script(*t, "munmap storm: throughput of the threads of one process",
                                                label, "threads", "munmaps_per_mcycle", "threads (one per CPU)",
                                                "munmaps per million cycles", true));
    }
    if (r.table("footprint")) kernel_plots.emplace_back("experiments-footprint.png", footprint_script(r));
    for (const auto& [name, script] : kernel_plots) {
        const fs::path out = fs::path(dir) / name;
        if (!render(script, out, error)) return written;
        written.push_back(out.string());
    }
    return written;
}

}  // namespace tlmmu::experiments
