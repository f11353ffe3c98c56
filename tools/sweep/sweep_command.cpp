#include "sweep_command.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "atomic_file.h"
#include "sweep_results.h"
#include "sweep_runner.h"
#include "sweep_spec.h"

namespace tlmmu::sweep {
namespace {

const char* const kUsage =
    "usage: tlmmu sweep [--out DIR] [--jobs N] [--list | --job K | --aggregate] [--program P] SPEC\n"
    "\n"
    "Runs `tlmmu trace` once per combination of the spec's traces and axes (docs/sweeps.md),\n"
    "N jobs at a time, and writes DIR/results.csv (one row per job, in spec order).\n"
    "Each job writes DIR/jobs/ID.json atomically; a rerun skips finished jobs, so an\n"
    "interrupted sweep resumes. A failing job is reported (DIR/logs/ID.log) and the\n"
    "others still run.\n"
    "\n"
    "  -o, --out DIR     output directory (default: the spec's \"output\", else SPEC's\n"
    "                    name without .json plus '.sweep', in the current directory)\n"
    "  -j, --jobs N      parallel jobs (default: the number of cores)\n"
    "      --list        print each job's command line, one per line, and exit\n"
    "      --job K       run only job K (0-based: line K+1 of --list); no CSV, no lock\n"
    "      --aggregate   run nothing; write the CSV from the results present\n"
    "      --program P   the tlmmu executable jobs run (default: this one)\n"
    "  -h, --help        show this help\n"
    "\n"
    "When some jobs have no result the rows present go to DIR/results.partial.csv and\n"
    "DIR/results.csv is removed, so a CSV named results.csv is always complete.\n"
    "One sweep at a time per DIR (DIR/.lock).\n"
    "Exit status: 0 all jobs done, 1 a job failed or the sweep was interrupted, 2 bad\n"
    "usage or spec.\n";

int usage_error(const std::string& message) {
    std::cerr << "tlmmu sweep: " << message << "\n" << kUsage;
    return 2;
}

bool parse_count(const std::string& text, unsigned long long& out) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18) return false;
    out = std::stoull(text);
    return true;
}

std::string self_executable() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

// Writes results.csv when every job has a result, else results.partial.csv.
// Returns false if the file could not be written.
bool write_results(const SweepSpec& spec, const std::vector<Job>& jobs, const std::string& out, bool& complete) {
    const Table table = aggregate(spec, jobs, out);
    const std::string full = (std::filesystem::path(out) / "results.csv").string();
    const std::string partial = (std::filesystem::path(out) / "results.partial.csv").string();
    complete = table.missing == 0;
    const std::string& target = complete ? full : partial;
    if (!tools::write_file_atomically(target, to_csv(table))) {
        std::cerr << "tlmmu sweep: cannot write " << target << "\n";
        return false;
    }
    std::error_code ec;
    std::filesystem::remove(complete ? partial : full, ec);
    if (complete)
        std::cerr << "tlmmu sweep: " << table.rows.size() << " rows written to " << full << "\n";
    else
        std::cerr << "tlmmu sweep: " << table.missing << " of " << jobs.size() << " jobs have no result; "
                  << table.rows.size() << " rows written to " << partial << "\n";
    return true;
}

}  // namespace

int run_sweep_command(const std::vector<std::string>& args) {
    std::string spec_path, out_dir, program;
    unsigned long long workers = std::max(1u, std::thread::hardware_concurrency());
    bool list = false, aggregate_only = false, have_job = false;
    unsigned long long job_index = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        std::string v;
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "-o" || a == "--out") {
            if (!value(out_dir) || out_dir.empty()) return usage_error(a + " needs a directory");
        } else if (a == "-j" || a == "--jobs") {
            if (!value(v) || !parse_count(v, workers) || workers == 0 || workers > 4096)
                return usage_error(a + " needs a number of jobs between 1 and 4096");
        } else if (a == "--list") {
            list = true;
        } else if (a == "--job") {
            if (!value(v) || !parse_count(v, job_index)) return usage_error("--job needs a job number (0-based)");
            have_job = true;
        } else if (a == "--aggregate") {
            aggregate_only = true;
        } else if (a == "--program") {
            if (!value(program) || program.empty()) return usage_error("--program needs an executable");
        } else if (!a.empty() && a[0] == '-') {
            return usage_error("unknown option '" + a + "'");
        } else if (spec_path.empty()) {
            spec_path = a;
        } else {
            return usage_error("one SPEC file expected, got '" + spec_path + "' and '" + a + "'");
        }
    }
    if (spec_path.empty()) return usage_error("no SPEC file");
    if (int(list) + int(have_job) + int(aggregate_only) > 1)
        return usage_error("--list, --job and --aggregate exclude each other");

    SweepSpec spec;
    try {
        spec = load_spec(spec_path);
        if (!aggregate_only) check_values_and_traces(spec);  // before any job runs, or is listed
    } catch (const SpecError& e) {
        std::cerr << "tlmmu sweep: " << e.what() << "\n";
        return 2;
    }
    const std::vector<Job> jobs = expand_jobs(spec);

    if (out_dir.empty()) out_dir = spec.output;
    if (out_dir.empty()) {
        std::filesystem::path stem = std::filesystem::path(spec_path).filename();
        if (stem.extension() == ".json") stem = stem.stem();
        out_dir = stem.string() + ".sweep";
    }
    RunOptions options;
    options.program = program.empty() ? self_executable() : program;
    if (options.program.empty()) {
        std::cerr << "tlmmu sweep: cannot find the tlmmu executable (give --program)\n";
        return 2;
    }
    // Absolute paths keep --list lines valid from any directory.
    options.output = std::filesystem::absolute(out_dir).lexically_normal().string();
    options.workers = unsigned(workers);
    options.progress = ::isatty(2) != 0;

    if (list) {
        for (const Job& job : jobs) {
            std::string line;
            for (const std::string& word : job_command(options, job)) line += (line.empty() ? "" : " ") + shell_quote(word);
            std::cout << line << "\n";
        }
        return 0;
    }

    bool complete = false;
    if (aggregate_only) {
        if (!write_results(spec, jobs, options.output, complete)) return 1;
        return complete ? 0 : 1;
    }

    std::vector<Job> selected;
    if (have_job) {
        if (job_index >= jobs.size())
            return usage_error("--job " + std::to_string(job_index) + ": the spec has " + std::to_string(jobs.size()) +
                               " jobs (0.." + std::to_string(jobs.size() - 1) + ")");
        selected.push_back(jobs[job_index]);
        options.progress = false;
        options.lock = false;
    }
    const RunSummary summary = run_jobs(have_job ? selected : jobs, options);
    if (!summary.unwritable.empty()) {
        std::cerr << "tlmmu sweep: cannot write to the output directory " << options.output << ": "
                  << summary.unwritable << "\n";
        return 1;
    }
    if (summary.locked_out) {
        std::cerr << "tlmmu sweep: another sweep is running in " << options.output << " (" << options.output
                  << "/.lock); wait for it or choose another --out\n";
        return 1;
    }
    if (summary.interrupted) {
        std::cerr << "tlmmu sweep: interrupted; finished results are kept, rerun to resume\n";
        return 1;
    }
    if (have_job) return summary.failed.empty() ? 0 : 1;

    std::cerr << "tlmmu sweep: " << jobs.size() << " jobs: " << summary.succeeded << " ran, " << summary.skipped
              << " already done, " << summary.failed.size() << " failed\n";
    if (!write_results(spec, jobs, options.output, complete)) return 1;
    return summary.failed.empty() && complete ? 0 : 1;
}

}  // namespace tlmmu::sweep
