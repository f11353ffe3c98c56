// A sweep as Slurm job arrays: one array task per job, each running
// `tlmmu sweep --job K`, where K is the task id plus the array's first job
// number (0 unless the sweep is larger than the cluster's MaxArraySize). The submissions made for an output
// directory are recorded in DIR/slurm/submissions, so a later run can tell
// which tasks are still queued and which ended without a result.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sweep_spec.h"

namespace tlmmu::sweep {

// Resources and placement of the array tasks (sbatch options).
struct SlurmOptions {
    std::string partition;                 // --partition ("" = the cluster's default)
    std::string time_limit;                // --time ("" = the partition's default)
    std::string mem;                       // --mem per task ("" = the default)
    unsigned cpus_per_task = 0;            // --cpus-per-task (0 = the default)
    unsigned array_limit = 0;              // at most this many tasks at once (0 = no limit)
    std::vector<std::string> sbatch_args;  // further sbatch options, passed as given
};

// What every Slurm operation of one sweep needs.
struct SlurmSweep {
    const SweepSpec* spec = nullptr;
    const std::vector<Job>* jobs = nullptr;
    std::string spec_path;  // absolute
    std::string output;     // absolute output directory
    std::string program;    // the tlmmu executable the tasks run (absolute)
    std::string job_program;  // --program passed on to the tasks ("" = none)
};

// One sbatch submission: its job id and the job numbers it ran, as array
// task ids counted from `base` (task id = job number - base).
struct Submission {
    std::string job_id;
    std::vector<size_t> indices;  // job numbers
    size_t base = 0;
};

// Groups job numbers into arrays whose task ids (job number - base) stay
// below `max_array_size` (Slurm's MaxArraySize): base 0 when they all fit,
// else each group counts from its first job number.
std::vector<Submission> split_into_arrays(const std::vector<size_t>& indices, size_t max_array_size);

// A task's state as squeue reports it ("PENDING", "RUNNING", "COMPLETED", ...).
using TaskStates = std::map<size_t, std::string>;

// Array indices as sbatch's --array syntax: "0-3,7,9-10" (sorted, unique).
std::string array_ranges(std::vector<size_t> indices);
// The inverse; throws std::invalid_argument on anything else.
std::vector<size_t> parse_array_ranges(const std::string& text);

// DIR/slurm/submissions: "JOBID INDICES" lines, "+BASE" after them when not 0. Throws std::runtime_error
// naming the file and line for a malformed one; an absent file is no submissions.
std::vector<Submission> read_submissions(const std::string& output);
std::string submissions_path(const std::string& output);
bool has_submissions(const std::string& output);

// The job id in `sbatch --parsable` output ("1234" or "1234;cluster"); "" if none.
std::string parse_job_id(const std::string& sbatch_stdout);
// `squeue -h -r -o '%K %T'` lines -> index -> state. Lines that are not
// "INDEX STATE" are ignored.
TaskStates parse_task_states(const std::string& squeue_stdout);
// Whether a task in this state may still run (pending, running, requeued, ...).
bool is_active_state(const std::string& state);

// The batch script for the arrays (without the --array option, which goes on
// the sbatch command line, and with the base as its argument, so that one
// script serves every submission).
std::string batch_script(const SlurmSweep& sweep, const std::vector<std::string>& sbatch_command);
// The sbatch command line for one array with `options`: the script, then its
// base when not 0.
std::vector<std::string> sbatch_command(const SlurmSweep& sweep, const SlurmOptions& options, const Submission& array,
                                        const std::string& script);

// `tlmmu sweep --slurm`: submits the jobs without a result that no earlier
// submission is still running; with `wait`, follows them to the end and
// collects. Returns the command's exit status.
int submit_to_slurm(const SlurmSweep& sweep, const SlurmOptions& options, bool wait);
// `tlmmu sweep --collect` (and a rerun of a submitted sweep): writes the CSV
// from the results present and reports tasks still queued and tasks that
// ended without a result. With `wait`, first waits for the queued ones.
int collect_from_slurm(const SlurmSweep& sweep, bool wait);
// For `--local`: the jobs of recorded submissions Slurm still has queued or
// running; "" when none (or Slurm cannot be asked).
std::string active_tasks_note(const SlurmSweep& sweep);

}  // namespace tlmmu::sweep
