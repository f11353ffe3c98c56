// `tlmmu plot`: PNG plots made with gnuplot from sweep CSVs (miss rate against
// TLB size) and from `tlmmu trace --json` results (translation-latency
// distribution, walk-reference breakdown). Each plot leaves OUT.png, plus the
// gnuplot script OUT.gp and data OUT.dat that produced it.
#pragma once

#include <string>
#include <vector>

namespace tlmmu::plot {

struct MissRateOptions {
    std::string x;               // column for the x axis ("" = a *.entries column, else the first axis)
    std::vector<std::string> y;  // columns to plot ("" = l1d.miss_rate and l2.miss_rate)
    std::vector<std::string> series;  // columns whose values split lines (empty = every varying sweep parameter but x)
    std::string title;
};

// Each returns "" on success or an error message; the PNG appears atomically.
std::string plot_miss_rate(const std::string& csv_path, const std::string& png_path, const MissRateOptions& options);
std::string plot_latency(const std::string& json_path, const std::string& png_path);
std::string plot_walks(const std::string& json_path, const std::string& png_path);

// args are the words after `tlmmu plot`. 0 success, 1 failure, 2 bad usage.
int run_plot_command(const std::vector<std::string>& args);

}  // namespace tlmmu::plot
