#include "sweep_command.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "atomic_file.h"
#include "command_line.h"
#include "sweep_results.h"
#include "sweep_runner.h"
#include "sweep_slurm.h"
#include "sweep_spec.h"

namespace tlmmu::sweep {
namespace {

std::string self_executable() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

}  // namespace

int run_sweep_command(const std::vector<std::string>& args) {
    std::string spec_path, out_dir, program;
    uint64_t workers = std::max(1u, std::thread::hardware_concurrency());
    bool list = false, aggregate_only = false;
    bool slurm = false, collect = false, wait = false, local = false;
    SlurmOptions slurm_options;
    uint64_t job_index = 0;
    tools::CommandLine cli(
        "tlmmu sweep",
        "Runs `tlmmu trace` once per combination of the spec's traces and axes (docs/sweeps.md),\n"
        "N jobs at a time, and writes DIR/results.csv (one row per job, in spec order).\n"
        "Each job writes DIR/jobs/ID.json atomically; a rerun skips finished jobs, so an\n"
        "interrupted sweep resumes. A failing job is reported (DIR/logs/ID.log) and the\n"
        "others still run. With --slurm, one Slurm array task per job, each `tlmmu sweep --job K`.\n"
        "\n"
        "When some jobs have no result the rows present go to DIR/results.partial.csv and\n"
        "DIR/results.csv is removed, so a CSV named results.csv is always complete.\n"
        "One sweep at a time per DIR (DIR/.lock).\n"
        "Exit status: 0 all jobs done, 1 a job failed or the sweep was interrupted, 2 bad\n"
        "usage or spec.");
    CLI::App& app = cli.app();
    app.add_option("-o,--out", out_dir,
                   "output directory (default: the spec's \"output\", else SPEC's name without .json plus '.sweep', in "
                   "the current directory)")
        ->type_name("DIR");
    auto* jobs_flag = cli.count("-j,--jobs", workers, "parallel jobs, 1 to 4096 (default: the number of cores)");
    auto* list_flag = app.add_flag("--list", list, "print each job's command line, one per line, and exit");
    auto* job_flag = cli.count("--job", job_index, "run only job K (0-based: line K+1 of --list); no CSV, no lock");
    job_flag->type_name("K");
    auto* aggregate_flag = app.add_flag("--aggregate", aggregate_only, "run nothing; write the CSV from the results present");
    app.add_option("--program", program, "the tlmmu executable jobs run (default: this one)")->type_name("P");
    auto* local_flag = app.add_flag("--local", local, "run here even though the sweep was submitted to Slurm");
    const char* slurm_group = "Slurm (docs/sweeps.md)";
    auto* slurm_flag = app.add_flag("--slurm", slurm,
                                    "submit the jobs without a result as a job array (sbatch); tasks still queued "
                                    "from an earlier submission are not repeated")
                           ->group(slurm_group);
    auto* collect_flag = app.add_flag("--collect", collect,
                                      "write the CSV from the results present; report tasks still queued and tasks "
                                      "that ended without a result (a plain rerun of a submitted sweep does the same)")
                             ->group(slurm_group);
    auto* wait_flag =
        app.add_flag("--wait", wait, "with --slurm or --collect: follow the tasks to their end first")->group(slurm_group);
    // sbatch's resource options: texts passed on as given, and counts.
    const std::vector<CLI::Option*> resource_texts = {
        app.add_option("--partition", slurm_options.partition, "sbatch --partition for every task")->type_name("P"),
        app.add_option("--time", slurm_options.time_limit, "sbatch --time for every task")->type_name("T"),
        app.add_option("--mem", slurm_options.mem, "sbatch --mem for every task")->type_name("M"),
    };
    const std::vector<std::pair<CLI::Option*, unsigned*>> resource_counts = {
        {cli.count("--cpus-per-task", slurm_options.cpus_per_task, "sbatch --cpus-per-task for every task"),
         &slurm_options.cpus_per_task},
        {cli.count("--array-limit", slurm_options.array_limit, "at most N tasks running at once (--array=...%N)"),
         &slurm_options.array_limit},
    };
    std::vector<CLI::Option*> resources = resource_texts;
    for (const auto& [option, value] : resource_counts) resources.push_back(option);
    resources.push_back(app.add_option("--sbatch-arg", slurm_options.sbatch_args,
                                       "a further sbatch option, passed as given (repeatable; --sbatch-arg=--qos=long)")
                            ->type_name("ARG"));
    for (CLI::Option* o : resources) o->group(slurm_group)->needs(slurm_flag);
    wait_flag->excludes(local_flag)->excludes(list_flag)->excludes(job_flag)->excludes(aggregate_flag);
    const std::vector<CLI::Option*> modes = {list_flag, job_flag, aggregate_flag, slurm_flag, collect_flag, local_flag};
    for (size_t i = 0; i < modes.size(); ++i)
        for (size_t k = i + 1; k < modes.size(); ++k) modes[i]->excludes(modes[k]);
    jobs_flag->excludes(slurm_flag)->excludes(collect_flag);
    app.add_option("SPEC", spec_path, "the sweep spec (JSON, docs/sweeps.md)")->required();
    if (const int status = cli.parse(args); status >= 0) return status;
    const bool have_job = job_flag->count() > 0;
    if (workers == 0 || workers > 4096) return cli.usage_error("--jobs needs a number of jobs between 1 and 4096");
    if (wait && !slurm && !collect) return cli.usage_error("--wait goes with --slurm or --collect");
    for (CLI::Option* o : resource_texts)
        if (o->count() && o->results().back().empty()) return cli.usage_error(o->get_name() + " needs a value");
    for (const std::string& arg : slurm_options.sbatch_args)
        if (arg.empty()) return cli.usage_error("--sbatch-arg needs an sbatch option (--sbatch-arg=--qos=long)");
    for (const auto& [option, value] : resource_counts)
        if (option->count() && (*value == 0 || *value > 1000000))
            return cli.usage_error(option->get_name() + " needs a number between 1 and 1000000");
    if (out_dir.empty() && app.get_option("--out")->count()) return cli.usage_error("--out needs a directory");
    if (program.empty() && app.get_option("--program")->count()) return cli.usage_error("--program needs an executable");

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
            return cli.usage_error("--job " + std::to_string(job_index) + ": the spec has " + std::to_string(jobs.size()) +
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
