#include "plot_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "atomic_file.h"
#include "command_line.h"

namespace tlmmu::plot {
namespace {

// A figure as a title shows it: two decimals, not the shortest exact text of a double.
std::string two_decimals(double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.2f", v);
    return text;
}

namespace fs = std::filesystem;
// Ordered: the bars keep the order of the result (PML4 before PDPT ...).
using json = nlohmann::ordered_json;

// The first executable `gnuplot` on PATH, or "".
std::string find_gnuplot() {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty()) dir = ".";
        const std::string candidate = dir + "/gnuplot";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

std::string quote_gnuplot(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string with_extension(const std::string& png, const std::string& ext) {
    fs::path p(png);
    if (p.extension() == ".png") p.replace_extension(ext);
    else p += ext;
    return p.string();
}

bool is_png(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[8] = {};
    in.read(magic, 8);
    return in.gcount() == 8 && std::memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0;
}

// Writes OUT.gp and OUT.dat, runs gnuplot into a temporary PNG and renames it
// over OUT.png when gnuplot succeeded and produced a PNG.
std::string render(const std::string& png, const std::string& script_body, const std::string& data) {
    const std::string script_path = with_extension(png, ".gp");
    const std::string data_path = with_extension(png, ".dat");
    // The script runs on its own too (`gnuplot OUT.gp`); `outfile` and
    // `datafile` can be overridden with -e.
    std::string script =
        "# Drawn by `tlmmu plot`; rerun with: gnuplot " + fs::path(script_path).filename().string() +
        "\n"
        "if (!exists(\"outfile\")) outfile = " + quote_gnuplot(fs::path(png).filename().string()) + "\n"
        "if (!exists(\"datafile\")) datafile = " + quote_gnuplot(fs::path(data_path).filename().string()) + "\n"
        "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
        "    set terminal pngcairo size 960,600 font \"sans,10\"\n"
        "} else {\n"
        "    set terminal png size 960,600\n"
        "}\n"
        "set termoption noenhanced\n"  // names hold '_' and '.': print them as they are
        "set output outfile\n"
        "set datafile separator \"\\t\"\n"
        "set grid\n"
        "set key outside right top\n" +
        script_body + "unset output\n";
    if (!tools::write_file_atomically(data_path, data)) return "cannot write " + data_path;
    if (!tools::write_file_atomically(script_path, script)) return "cannot write " + script_path;

    const std::string gnuplot = find_gnuplot();
    if (gnuplot.empty())
        return "gnuplot not found on PATH (Debian: apt-get install gnuplot-nox); the script and data are in " +
               script_path + " and " + data_path;

    std::string why;
    const std::string temp_png = tools::temporary_output_path(png, &why);
    if (temp_png.empty()) return why;
    const std::string log_path = png + ".gnuplot.log";
    const pid_t pid = ::fork();
    if (pid < 0) return std::string("cannot start gnuplot: ") + std::strerror(errno);
    if (pid == 0) {
        std::FILE* log = std::fopen(log_path.c_str(), "w");
        if (log) {
            ::dup2(::fileno(log), 1);
            ::dup2(::fileno(log), 2);
        }
        const std::string out_arg = "outfile=" + quote_gnuplot(fs::absolute(temp_png).string());
        const std::string data_arg = "datafile=" + quote_gnuplot(fs::absolute(data_path).string());
        ::execl(gnuplot.c_str(), "gnuplot", "-e", out_arg.c_str(), "-e", data_arg.c_str(),
                fs::absolute(script_path).c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string log_text;
    {
        std::ifstream in(log_path);
        std::ostringstream s;
        s << in.rdbuf();
        log_text = s.str();
    }
    std::remove(log_path.c_str());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !is_png(temp_png)) {
        std::remove(temp_png.c_str());
        while (!log_text.empty() && log_text.back() == '\n') log_text.pop_back();
        return "gnuplot failed on " + script_path + (log_text.empty() ? "" : ":\n" + log_text);
    }
    if (!tools::install_output(temp_png, png, &why)) return why;
    return "";
}

// --- CSV input -------------------------------------------------------------

bool read_csv(const std::string& path, std::vector<std::vector<std::string>>& rows, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = path + ": cannot open";
        return false;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, any = false;
    size_t line = 1;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else if (c == '"') quoted = false;
            else field += c, line += c == '\n';
        } else if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == ',') {
            row.push_back(field), field.clear();
            any = true;
        } else if (c == '\n') {
            row.push_back(field), field.clear();
            rows.push_back(row), row.clear();
            any = false;
            ++line;
        } else if (c != '\r') {
            field += c;
            any = true;
        }
    }
    if (quoted) {
        error = path + ":" + std::to_string(line) + ": unterminated quoted field";
        return false;
    }
    if (any) row.push_back(field), rows.push_back(row);
    if (rows.empty()) {
        error = path + ": empty CSV";
        return false;
    }
    for (size_t r = 1; r < rows.size(); ++r)
        if (rows[r].size() != rows[0].size()) {
            error = path + ":" + std::to_string(r + 1) + ": " + std::to_string(rows[r].size()) + " fields, the header has " +
                    std::to_string(rows[0].size());
            return false;
        }
    return true;
}

bool as_number(const std::string& text, double& out) {
    if (text.empty()) return false;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return end == text.c_str() + text.size() && std::isfinite(out);
}

std::string gnuplot_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\t' || c == '\n') c = ' ';
        out += c;
    }
    return out + "\"";
}

// --- JSON input ------------------------------------------------------------

bool read_stats(const std::string& path, json& root, json& stats, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = path + ": cannot open";
        return false;
    }
    try {
        root = json::parse(in);
    } catch (const json::parse_error& e) {
        error = path + ": not JSON: " + e.what();
        return false;
    }
    // A `tlmmu trace --json` result holds the MMU statistics under "stats";
    // a bare stats_to_json object is accepted too.
    stats = root.is_object() && root.contains("stats") ? root["stats"] : root;
    if (!stats.is_object() || !stats.contains("latency_cycles") || !stats.contains("walks")) {
        error = path + ": no MMU statistics (expected the output of `tlmmu trace --json`)";
        return false;
    }
    return true;
}

}  // namespace

std::string plot_miss_rate(const std::string& csv_path, const std::string& png_path, const MissRateOptions& options) {
    std::vector<std::vector<std::string>> rows;
    std::string error;
    if (!read_csv(csv_path, rows, error)) return error;
    const std::vector<std::string>& header = rows[0];
    if (rows.size() < 2) return csv_path + ": no result rows to plot";
    auto column = [&](const std::string& name) -> int {
        for (size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return int(i);
        return -1;
    };
    // Sweep CSVs start with job, trace, then the axis columns.
    int x = -1;
    if (!options.x.empty()) {
        x = column(options.x);
        if (x < 0) return csv_path + ": no column '" + options.x + "'";
    } else {
        for (size_t i = 0; i < header.size() && x < 0; ++i)
            if (header[i].size() > 8 && header[i].compare(header[i].size() - 8, 8, ".entries") == 0) x = int(i);
        if (x < 0 && header.size() > 2 && column("trace") == 1 && header[2].find("miss_rate") == std::string::npos) x = 2;
        if (x < 0) return csv_path + ": cannot tell which column is the TLB size; give --x COLUMN";
    }
    std::vector<int> ys;
    std::vector<std::string> y_names = options.y;
    if (y_names.empty()) {
        for (const char* d : {"l1d.miss_rate", "l2.miss_rate"})
            if (column(d) >= 0) y_names.push_back(d);
        if (y_names.empty()) return csv_path + ": no miss_rate columns; give --y COLUMN";
    }
    for (const std::string& y : y_names) {
        const int c = column(y);
        if (c < 0) return csv_path + ": no column '" + y + "'";
        ys.push_back(c);
    }
    // Lines: one per combination of the series columns. Default: every sweep
    // parameter that varies (trace and the axis columns, which sit between
    // "trace" and the first derived column) other than the x axis itself.
    std::vector<int> series;
    if (!options.series.empty()) {
        for (const std::string& name : options.series) {
            const int c = column(name);
            if (c < 0) return csv_path + ": no column '" + name + "'";
            series.push_back(c);
        }
    } else if (column("trace") == 1) {
        const std::string x_name = header[size_t(x)];
        for (size_t c = 1; c < header.size() && header[c] != "l1i.miss_rate"; ++c) {
            const std::string& name = header[c];
            if (int(c) == x || name == x_name + ".entries" || name + ".entries" == x_name) continue;
            std::set<std::string> values;
            for (size_t r = 1; r < rows.size(); ++r) values.insert(rows[r][c]);
            if (values.size() > 1) series.push_back(int(c));
        }
    }
    auto series_of = [&](const std::vector<std::string>& row) {
        std::string label;
        for (int c : series)
            label += (label.empty() ? "" : ", ") + (header[size_t(c)] == "trace" ? "" : header[size_t(c)] + "=") + row[size_t(c)];
        return label;
    };

    // Numeric x draws a real axis; anything else becomes ordered categories.
    bool numeric_x = true;
    double lo = 0, hi = 0;
    for (size_t r = 1; r < rows.size(); ++r) {
        double v;
        if (!as_number(rows[r][size_t(x)], v)) numeric_x = false;
        else if (r == 1) lo = hi = v;
        else lo = std::min(lo, v), hi = std::max(hi, v);
    }
    std::vector<std::string> categories;
    if (!numeric_x)
        for (size_t r = 1; r < rows.size(); ++r)
            if (std::find(categories.begin(), categories.end(), rows[r][size_t(x)]) == categories.end())
                categories.push_back(rows[r][size_t(x)]);

    // One data block per (series, y) line, rows sorted by x; blocks split by two blank lines.
    std::vector<std::string> series_values;
    for (size_t r = 1; r < rows.size(); ++r) {
        const std::string s = series_of(rows[r]);
        if (std::find(series_values.begin(), series_values.end(), s) == series_values.end()) series_values.push_back(s);
    }
    // Each line gets its own point type and dash pattern, so a line drawn
    // exactly over another still shows; the key names the line it coincides with.
    struct Line {
        std::string label, points;
    };
    std::vector<Line> lines;
    std::set<double> x_values;
    for (const std::string& s : series_values) {
        for (size_t yi = 0; yi < ys.size(); ++yi) {
            std::vector<std::pair<double, std::string>> points;
            for (size_t r = 1; r < rows.size(); ++r) {
                if (series_of(rows[r]) != s) continue;
                double xv, yv;
                if (!as_number(rows[r][size_t(ys[yi])], yv)) continue;
                if (numeric_x) as_number(rows[r][size_t(x)], xv);
                else xv = double(std::find(categories.begin(), categories.end(), rows[r][size_t(x)]) - categories.begin());
                x_values.insert(xv);
                std::ostringstream line;
                line.precision(10);
                line << xv << "\t" << yv << "\n";
                points.emplace_back(xv, line.str());
            }
            if (points.empty()) continue;
            std::stable_sort(points.begin(), points.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
            Line line{y_names[yi], ""};
            if (!s.empty()) line.label = s + ": " + line.label;
            for (const auto& p : points) line.points += p.second;
            lines.push_back(line);
        }
    }
    if (lines.empty()) return csv_path + ": no numeric values in the plotted columns";
    std::ostringstream data, plot;
    for (size_t block = 0; block < lines.size(); ++block) {
        data << lines[block].points << "\n\n";
        std::string label = lines[block].label;
        for (size_t earlier = 0; earlier < block; ++earlier)
            if (lines[earlier].points == lines[block].points) {
                label += " (same as " + lines[earlier].label + ")";
                break;
            }
        // Point types cycle through filled and open shapes of gnuplot's
        // default set; dash types through solid, dashed, dotted, dash-dot.
        static const int point_types[] = {7, 6, 5, 4, 9, 8, 13, 12, 11, 10, 1, 2, 3};
        const size_t n_points = sizeof point_types / sizeof point_types[0];
        plot << (block ? ", \\\n     " : "plot ") << "datafile index " << block << " using 1:2 with linespoints"
             << " pointtype " << point_types[block % n_points] << " pointsize " << (block % 2 ? "1.6" : "1.0")
             << " dashtype " << block % 5 + 1 << " title " << gnuplot_string(label);
    }

    // Labels follow the columns: "miss rate" only when every y column is one.
    bool all_miss_rates = true;
    std::string y_list;
    for (const std::string& y : y_names) {
        all_miss_rates = all_miss_rates && y.size() >= 9 && y.compare(y.size() - 9, 9, "miss_rate") == 0;
        y_list += (y_list.empty() ? "" : ", ") + y;
    }
    const std::string& x_name = header[size_t(x)];
    const bool x_is_size = x_name.size() > 8 && x_name.compare(x_name.size() - 8, 8, ".entries") == 0;
    std::string title = options.title;
    if (title.empty())
        title = all_miss_rates && options.y.empty()
                    ? std::string("TLB miss rate against ") + (x_is_size ? "TLB size (" + x_name + ")" : x_name)
                    : y_list + " against " + x_name;
    std::ostringstream body;
    body << "set key below\n"
         << "set title " << gnuplot_string(title) << "\n"
         << "set xlabel " << gnuplot_string(x_name) << "\n"
         << "set ylabel " << gnuplot_string(all_miss_rates ? "miss rate (misses / lookups)" : y_list) << "\n"
         << "set yrange [0:*]\n"
         // Room on the right for the last tick label.
         << "set rmargin 6\n";
    if (numeric_x) {
        const bool log_x = lo > 0 && hi / lo >= 16;
        if (log_x) body << "set logscale x 2\n";
        // Ticks at the values the sweep ran, thinned evenly when there are
        // too many to read, the last one always labelled.
        const std::vector<double> values(x_values.begin(), x_values.end());
        const size_t step = (values.size() + 11) / 12;
        body << "set xtics (";
        bool first = true;
        for (size_t i = 0; i < values.size(); ++i) {
            if (i % step != 0 && i + 1 != values.size()) continue;
            std::ostringstream v;
            v.precision(10);
            v << values[i];
            body << (first ? "" : ", ") << gnuplot_string(v.str()) << " " << v.str();
            first = false;
        }
        body << ")\n";
        // A margin around the data so the first and last points (and labels)
        // sit inside the frame.
        std::ostringstream range;
        range.precision(10);
        if (log_x) range << "set xrange [" << lo / 1.25 << ":" << hi * 1.25 << "]\n";
        else if (hi > lo) range << "set xrange [" << lo - (hi - lo) * 0.05 << ":" << hi + (hi - lo) * 0.05 << "]\n";
        else range << "set xrange [" << lo - 1 << ":" << hi + 1 << "]\n";
        body << range.str();
    }
    if (!numeric_x) {
        body << "set xtics (";
        for (size_t i = 0; i < categories.size(); ++i)
            body << (i ? ", " : "") << gnuplot_string(categories[i]) << " " << i;
        body << ") rotate by -20\nset xrange [-0.5:" << categories.size() - 0.5 << "]\n";
    }
    body << plot.str() << "\n";
    return render(png_path, body.str(), data.str());
}

std::string plot_latency(const std::string& json_path, const std::string& png_path) {
    json root, stats;
    std::string error;
    if (!read_stats(json_path, root, stats, error)) return error;
    const json& latency = stats["latency_cycles"];
    if (!latency.contains("histogram") || !latency["histogram"].is_object())
        return json_path + ": no latency histogram in stats.latency_cycles";
    std::vector<std::pair<unsigned long, unsigned long long>> buckets;
    unsigned long long total = 0;
    for (auto it = latency["histogram"].begin(); it != latency["histogram"].end(); ++it) {
        if (!it.value().is_number_unsigned()) return json_path + ": bad histogram bucket '" + it.key() + "'";
        buckets.emplace_back(std::stoul(it.key()), it.value().get<unsigned long long>());
        total += buckets.back().second;
    }
    if (total == 0) return json_path + ": no translations to plot";
    std::sort(buckets.begin(), buckets.end());
    std::ostringstream data;
    for (const auto& b : buckets) data << b.first << "\t" << b.second << "\t" << double(b.second) / double(total) << "\n";
    std::ostringstream body;
    body << "set title " << gnuplot_string("Translation latency (" + std::to_string(total) + " translations, mean " +
                                          (latency.contains("mean") && latency["mean"].is_number() ? two_decimals(latency["mean"].get<double>()) : "?") + " cycles)")
         << "\n"
         << "set xlabel \"cycles\"\nset ylabel \"share of translations\"\n"
         << "set logscale y\nset format y \"%g\"\nset yrange [*:1]\nset style fill solid 0.6\nset boxwidth 0.8\nunset key\n"
         << "plot datafile using 1:3 with boxes linecolor rgb \"#3060a0\"\n";
    return render(png_path, body.str(), data.str());
}

std::string plot_walks(const std::string& json_path, const std::string& png_path) {
    json root, stats;
    std::string error;
    if (!read_stats(json_path, root, stats, error)) return error;
    const json& walks = stats["walks"];
    if (!walks.contains("reads_histogram") || !walks["reads_histogram"].is_array() || !walks.contains("started_from"))
        return json_path + ": no walk breakdown in stats.walks";
    std::ostringstream data;
    // Block 0: page-table references by level (a `tlmmu trace` result has them
    // under walk_references); block 1: walks by reads; block 2: where walks started.
    const json* by_level = nullptr;
    if (root.contains("walk_references") && root["walk_references"].is_object() &&
        root["walk_references"].contains("reads") && root["walk_references"]["reads"].is_object())
        by_level = &root["walk_references"]["reads"];
    size_t i = 0;
    if (by_level)
        for (auto it = by_level->begin(); it != by_level->end(); ++it, ++i)
            data << i << "\t" << gnuplot_string(it.key()) << "\t" << it.value().dump() << "\n";
    else
        data << "0\t\"n/a\"\t0\n";
    data << "\n\n";
    const json& reads = walks["reads_histogram"];
    for (size_t r = 0; r < reads.size(); ++r)
        data << r << "\t" << gnuplot_string(r + 1 == reads.size() ? std::to_string(r) + "+" : std::to_string(r)) << "\t"
             << reads[r].dump() << "\n";
    data << "\n\n";
    i = 0;
    for (auto it = walks["started_from"].begin(); it != walks["started_from"].end(); ++it, ++i)
        data << i << "\t" << gnuplot_string(it.key()) << "\t" << it.value().dump() << "\n";
    std::ostringstream body;
    body << "set multiplot layout 1," << (by_level ? 3 : 2) << " title "
         << gnuplot_string("Page walks: " + walks.value("count", json(0)).dump() + " walks, " +
                           walks.value("pt_reads", json(0)).dump() + " page-table references")
         << "\n"
         << "set style fill solid 0.6\nset boxwidth 0.7\nunset key\nset yrange [0:*]\n";
    if (by_level)
        body << "set title \"references by page-table level\"\nset xlabel \"\"\nset ylabel \"reads\"\n"
             << "plot datafile index 0 using 1:3:xtic(2) with boxes linecolor rgb \"#308040\"\n";
    body << "set title \"page-table reads per walk\"\nset xlabel \"reads\"\nset ylabel \"walks\"\n"
         << "plot datafile index 1 using 1:3:xtic(2) with boxes linecolor rgb \"#3060a0\"\n"
         << "set title \"walk started from\"\nset xlabel \"\"\nset xtics rotate by -35\n"
         << "plot datafile index 2 using 1:3:xtic(2) with boxes linecolor rgb \"#a05030\"\n"
         << "unset multiplot\n";
    return render(png_path, body.str(), data.str());
}

int run_plot_command(const std::vector<std::string>& args) {
    tools::CommandLine cli("tlmmu plot",
                           "Draws a PNG with gnuplot (Debian package gnuplot-nox) and keeps the script and\n"
                           "data beside it (OUT.gp, OUT.dat) so the plot can be restyled and redrawn.\n"
                           "'tlmmu plot KIND --help' shows a kind's options.\n"
                           "\n"
                           "Exit status: 0 plot written, 1 failure (bad input, gnuplot missing or failing),\n"
                           "2 bad usage.");
    CLI::App& app = cli.app();
    app.require_subcommand(1);
    std::string input, output;
    MissRateOptions options;
    auto operands = [&](CLI::App* kind, const std::string& what) {
        kind->add_option("INPUT", input, what)->required();
        kind->add_option("OUT.png", output, "the PNG to write")->required();
    };
    CLI::App* miss_rate = app.add_subcommand("miss-rate", "TLB miss rate against TLB size from a `tlmmu sweep` CSV");
    operands(miss_rate, "RESULTS.csv of a sweep");
    miss_rate->add_option("--x", options.x, "the size column (default: the first *.entries column, else the first axis)")
        ->type_name("COL");
    miss_rate->add_option("--y", options.y, "a rate column, repeatable (default l1d.miss_rate and l2.miss_rate)")
        ->type_name("COL");
    miss_rate->add_option("--series", options.series,
                          "a column that splits lines, repeatable (default: every sweep parameter that varies, other than x)")
        ->type_name("COL");
    miss_rate->add_option("--title", options.title, "the plot's title")->type_name("T");
    CLI::App* latency = app.add_subcommand("latency", "the translation-latency distribution of a `tlmmu trace --json` result");
    operands(latency, "RESULT.json of tlmmu trace");
    CLI::App* walks = app.add_subcommand(
        "walks", "the walk-reference breakdown of a `tlmmu trace --json` result: references by paging level, "
                 "page-table reads per walk, and where walks started (CR3 or a paging-structure-cache hit)");
    operands(walks, "RESULT.json of tlmmu trace");
    const bool known_kind = !args.empty() && (args[0] == "miss-rate" || args[0] == "latency" || args[0] == "walks");
    if (!args.empty() && !args[0].empty() && args[0][0] != '-' && !known_kind)
        return cli.usage_error("unknown plot '" + args[0] + "' (miss-rate, latency, walks)");
    if (const int status = cli.parse(args); status >= 0) return status;

    std::string error;
    if (miss_rate->parsed()) error = plot_miss_rate(input, output, options);
    else if (latency->parsed()) error = plot_latency(input, output);
    else error = plot_walks(input, output);
    if (!error.empty()) {
        std::cerr << "tlmmu plot: " << error << "\n";
        return 1;
    }
    std::cerr << "tlmmu plot: wrote " << output << "\n";
    return 0;
}

}  // namespace tlmmu::plot
