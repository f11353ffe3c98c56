#include "sweep_command.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "atomic_file.h"
#include "sweep_results.h"
#include "sweep_runner.h"
#include "sweep_slurm.h"
#include "sweep_spec.h"

namespace tlmmu::sweep {
namespace {

const char* const kUsage =
    "usage: tlmmu sweep [--out DIR] [--jobs N] [--list | --job K | --aggregate] [--program P] SPEC\n"
    "       tlmmu sweep --slurm [--wait] [--partition P] [--time T] [--cpus-per-task N]\n"
    "                   [--mem M] [--array-limit N] [--sbatch-arg ARG]... [--out DIR] SPEC\n"
    "       tlmmu sweep --collect [--wait] [--out DIR] SPEC\n"
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
    "      --local       run here even though the sweep was submitted to Slurm\n"
    "  -h, --help        show this help\n"
    "\n"
    "Slurm (docs/sweeps.md): one array task per job, each `tlmmu sweep --job K`.\n"
    "      --slurm       submit the jobs without a result as a job array (sbatch);\n"
    "                    tasks still queued from an earlier submission are not repeated\n"
    "      --collect     write the CSV from the results present; report tasks still\n"
    "                    queued and tasks that ended without a result (a plain rerun of\n"
    "                    a submitted sweep does the same)\n"
    "      --wait        with --slurm or --collect: follow the tasks to their end first\n"
    "      --partition P, --time T, --cpus-per-task N, --mem M: sbatch's options of\n"
    "                    those names, for every task\n"
    "      --array-limit N  at most N tasks running at once (--array=...%N)\n"
    "      --sbatch-arg ARG  a further sbatch option, passed as given (repeatable)\n"
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

}  // namespace

int run_sweep_command(const std::vector<std::string>& args) {
    std::string spec_path, out_dir, program;
    unsigned long long workers = std::max(1u, std::thread::hardware_concurrency());
    bool list = false, aggregate_only = false, have_job = false;
    bool slurm = false, collect = false, wait = false, local = false, workers_given = false;
    SlurmOptions slurm_options;
    std::string slurm_option_given;  // the first Slurm resource option, for a usage error without --slurm
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
            workers_given = true;
        } else if (a == "--list") {
            list = true;
        } else if (a == "--job") {
            if (!value(v) || !parse_count(v, job_index)) return usage_error("--job needs a job number (0-based)");
            have_job = true;
        } else if (a == "--aggregate") {
            aggregate_only = true;
        } else if (a == "--program") {
            if (!value(program) || program.empty()) return usage_error("--program needs an executable");
        } else if (a == "--slurm") {
            slurm = true;
        } else if (a == "--collect") {
            collect = true;
        } else if (a == "--wait") {
            wait = true;
        } else if (a == "--local") {
            local = true;
        } else if (a == "--partition" || a == "--time" || a == "--mem") {
            std::string& target = a == "--partition" ? slurm_options.partition
                                  : a == "--time"    ? slurm_options.time_limit
                                                     : slurm_options.mem;
            if (!value(target) || target.empty()) return usage_error(a + " needs a value");
            if (slurm_option_given.empty()) slurm_option_given = a;
        } else if (a == "--cpus-per-task" || a == "--array-limit") {
            unsigned long long n = 0;
            if (!value(v) || !parse_count(v, n) || n == 0 || n > 1000000)
                return usage_error(a + " needs a number between 1 and 1000000");
            (a == "--cpus-per-task" ? slurm_options.cpus_per_task : slurm_options.array_limit) = unsigned(n);
            if (slurm_option_given.empty()) slurm_option_given = a;
        } else if (a == "--sbatch-arg") {
            if (!value(v) || v.empty()) return usage_error("--sbatch-arg needs an sbatch option (--sbatch-arg=--qos=long)");
            slurm_options.sbatch_args.push_back(v);
            if (slurm_option_given.empty()) slurm_option_given = a;
        } else if (a.rfind("--sbatch-arg=", 0) == 0) {
            if (a.size() == 13) return usage_error("--sbatch-arg needs an sbatch option (--sbatch-arg=--qos=long)");
            slurm_options.sbatch_args.push_back(a.substr(13));
            if (slurm_option_given.empty()) slurm_option_given = "--sbatch-arg";
        } else if (!a.empty() && a[0] == '-') {
            return usage_error("unknown option '" + a + "'");
        } else if (spec_path.empty()) {
            spec_path = a;
        } else {
            return usage_error("one SPEC file expected, got '" + spec_path + "' and '" + a + "'");
        }
    }
    if (spec_path.empty()) return usage_error("no SPEC file");
    if (int(list) + int(have_job) + int(aggregate_only) + int(slurm) + int(collect) + int(local) > 1)
        return usage_error("--list, --job, --aggregate, --slurm, --collect and --local exclude each other");
    if (wait && !slurm && !collect) return usage_error("--wait goes with --slurm or --collect");
    if (!slurm && !slurm_option_given.empty()) return usage_error(slurm_option_given + " goes with --slurm");
    if (workers_given && (slurm || collect))
        return usage_error("--jobs runs jobs here; with --slurm each array task runs one (see --array-limit)");

    SweepSpec spec;
    try {
        spec = load_spec(spec_path);
        if (!aggregate_only && !collect) check_values_and_traces(spec);  // before any job runs, or is listed
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

    // The Slurm side: submit, gather, or (a plain rerun of a submitted sweep) gather.
    SlurmSweep slurm_sweep;
    slurm_sweep.spec = &spec;
    slurm_sweep.jobs = &jobs;
    slurm_sweep.spec_path = std::filesystem::absolute(spec_path).lexically_normal().string();
    slurm_sweep.output = options.output;
    slurm_sweep.program = self_executable();
    slurm_sweep.job_program = program.empty() ? "" : std::filesystem::absolute(program).lexically_normal().string();
    if (slurm) {
        if (slurm_sweep.program.empty()) {
            std::cerr << "tlmmu sweep: cannot find the tlmmu executable the array tasks are to run\n";
            return 2;
        }
        return submit_to_slurm(slurm_sweep, slurm_options, wait);
    }
    if (collect || (!have_job && !aggregate_only && !local && has_submissions(options.output))) {
        if (!collect)
            std::cerr << "tlmmu sweep: " << options.output
                      << " was submitted to Slurm: gathering (--local runs the rest here instead)\n";
        return collect_from_slurm(slurm_sweep, wait);
    }
    if (local && has_submissions(options.output)) {
        const std::string note = active_tasks_note(slurm_sweep);
        if (!note.empty()) {
            std::cerr << "tlmmu sweep: " << note << "; wait for them (--collect --wait) or scancel them first\n";
            return 1;
        }
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
