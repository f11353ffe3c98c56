#include "sweep_slurm.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "atomic_file.h"
#include "sweep_results.h"
#include "sweep_runner.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::sweep {
namespace {

namespace fs = std::filesystem;

// A finished child process: its exit status (or -1 when killed), its output.
struct CommandResult {
    int status = -1;
    std::string out, err;
};

// `name` on PATH (or as given, when it holds a '/'); "" when absent.
std::string find_on_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate.string();
    }
    return "";
}

// Runs `argv` (argv[0] found on PATH beforehand) and collects stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv) {
    CommandResult result;
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        result.err = std::strerror(errno);
        return result;
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        result.err = std::strerror(errno);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return result;
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        ::execvp(args[0], args.data());
        const std::string why = std::string("cannot run ") + argv[0] + ": " + std::strerror(errno) + "\n";
        (void)!::write(2, why.data(), why.size());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (pid < 0) {
        result.err = std::string("cannot start ") + argv[0] + ": " + std::strerror(errno);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        return result;
    }
    // Both pipes at once: a child filling one while we block on the other would hang.
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_fds = 2;
    char buffer[4096];
    while (open_fds > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, size_t(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (const pollfd& p : fds)
        if (p.fd >= 0) ::close(p.fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// A program's stderr for a one-line report: its lines joined with "; ".
std::string one_line(const std::string& text) {
    std::stringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) {
        line = trim(line);
        if (!line.empty()) out += (out.empty() ? "" : "; ") + line;
    }
    return out;
}

// The line of a task's Slurm log that says why it ended: slurmstepd's
// "*** JOB ... CANCELLED ... ***" (time limit, scancel, memory), else the
// sweep's own failure report, else the last line.
std::string ending_line(const std::string& path) {
    std::ifstream in(path);
    std::string line, slurm, failure, last;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line.rfind("log:", 0) == 0) continue;
        if (line.find("***") != std::string::npos) slurm = line;
        if (line.rfind("tlmmu sweep: job ", 0) == 0) failure = line;
        last = line;
    }
    return !slurm.empty() ? slurm : !failure.empty() ? failure : last;
}

// Slurm expands %A, %a, ... in --output; a literal '%' is "%%".
std::string slurm_filename(const std::string& path) {
    std::string out;
    for (char c : path) out += c == '%' ? std::string("%%") : std::string(1, c);
    return out;
}

std::string slurm_dir(const std::string& output) { return (fs::path(output) / "slurm").string(); }
std::string script_path(const std::string& output) { return (fs::path(slurm_dir(output)) / "sweep.sbatch").string(); }
std::string task_log(const std::string& output, const std::string& job_id, size_t task) {
    return (fs::path(slurm_dir(output)) / "logs" / (job_id + "_" + std::to_string(task) + ".out")).string();
}

// What squeue says about the tasks of one submitted array.
struct QueueAnswer {
    bool answered = false;  // false: Slurm could not be asked (why in `error`)
    std::string error;
    TaskStates states;      // empty when the controller has forgotten the job
};

QueueAnswer ask_queue(const std::string& job_id) {
    QueueAnswer answer;
    if (find_on_path("squeue").empty()) {
        answer.error = "squeue is not on PATH";
        return answer;
    }
    // -r: one line per array task; -t all: finished tasks too, while the
    // controller still remembers them (MinJobAge).
    const CommandResult r = run_command({"squeue", "--noheader", "--array", "--states=all", "--jobs=" + job_id,
                                         "--format=%K %T"});
    if (r.status == 0) {
        answer.answered = true;
        answer.states = parse_task_states(r.out);
    } else if (r.err.find("Invalid job id") != std::string::npos) {
        answer.answered = true;  // purged from the controller: nothing of it is queued
    } else {
        answer.error = "squeue failed: " + one_line(r.err.empty() ? r.out : r.err);
    }
    return answer;
}

// The latest submission of every job index, and Slurm's word on its task.
struct TaskView {
    std::map<size_t, std::string> job_of;  // index -> job id of its latest submission
    std::map<size_t, std::string> state;   // index -> squeue state (absent: unknown)
    std::string unanswered;                // why Slurm could not be asked ("" = it answered)
    std::map<std::string, size_t> base_of;  // job id -> its first job number
};

// Asks Slurm about the tasks of the jobs in `wanted` (indices).
TaskView view_tasks(const std::vector<Submission>& submissions, const std::set<size_t>& wanted) {
    TaskView view;
    for (const Submission& s : submissions) {
        view.base_of[s.job_id] = s.base;
        for (size_t i : s.indices)
            if (wanted.count(i)) view.job_of[i] = s.job_id;
    }
    std::set<std::string> asked;
    for (const auto& entry : view.job_of) {
        const std::string& job_id = entry.second;
        if (!asked.insert(job_id).second) continue;
        const QueueAnswer answer = ask_queue(job_id);
        if (!answer.answered) {
            view.unanswered = answer.error;
            continue;
        }
        for (const auto& task : answer.states) {
            const size_t index = task.first + view.base_of[job_id];
            auto it = view.job_of.find(index);
            if (it != view.job_of.end() && it->second == job_id) view.state[index] = task.second;
        }
    }
    return view;
}

std::set<size_t> missing_indices(const SlurmSweep& sweep) {
    std::set<size_t> missing;
    for (const Job& job : *sweep.jobs)
        if (!job_finished(sweep.output, job)) missing.insert(job.index);
    return missing;
}

std::vector<size_t> active_of(const TaskView& view) {
    std::vector<size_t> active;
    for (const auto& s : view.state)
        if (is_active_state(s.second)) active.push_back(s.first);
    return active;
}

std::string plural(size_t n, const std::string& word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

// Polls squeue until no task of the recorded submissions that lacks a result
// is pending or running. Slurm clusters dislike tight polling loops, so the
// interval grows from 1 s to 30 s.
bool wait_for_tasks(const SlurmSweep& sweep, const std::vector<Submission>& submissions) {
    double interval = 1.0;
    auto pause = [&interval] {
        std::this_thread::sleep_for(std::chrono::milliseconds(long(interval * 1000)));
        interval = std::min(30.0, interval * 1.5);
    };
    std::string last_report;
    int unanswered = 0;  // in a row: a busy controller times out now and then
    std::set<size_t> missing = missing_indices(sweep);
    for (;; pause()) {
        // Only the jobs that had no result: a finished result stays finished.
        for (auto it = missing.begin(); it != missing.end();)
            it = job_finished(sweep.output, (*sweep.jobs)[*it]) ? missing.erase(it) : std::next(it);
        const TaskView view = view_tasks(submissions, missing);
        if (!view.unanswered.empty()) {
            if (++unanswered < 5) continue;
            std::cerr << "tlmmu sweep: cannot follow the Slurm jobs: " << view.unanswered
                      << "; they keep running: gather later with --collect\n";
            return false;
        }
        unanswered = 0;
        size_t pending = 0, running = 0;
        for (const auto& s : view.state) {
            if (!is_active_state(s.second)) continue;
            if (s.second == "PENDING") ++pending;
            else ++running;
        }
        if (pending + running == 0) return true;
        const std::string report = std::to_string(pending) + " pending, " + std::to_string(running) + " running";
        if (report != last_report) std::cerr << "tlmmu sweep: waiting for Slurm: " << report << "\n";
        last_report = report;
    }
}

// The cluster's MaxArraySize (task ids must stay below it); Slurm's default
// when scontrol cannot tell.
size_t max_array_size() {
    const size_t slurm_default = 1001;
    if (find_on_path("scontrol").empty()) return slurm_default;
    const CommandResult r = run_command({"scontrol", "show", "config"});
    if (r.status != 0) return slurm_default;
    std::stringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        std::stringstream words(line);
        std::string key, equals, value;
        if (words >> key >> equals >> value && key == "MaxArraySize" && equals == "=" &&
            value.find_first_not_of("0123456789") == std::string::npos && value.size() < 12)
            return std::max<size_t>(1, std::stoull(value));
    }
    return slurm_default;
}

bool record_submission(const std::string& output, const Submission& submission, std::string& error) {
    std::string text;
    {
        std::ifstream in(submissions_path(output));
        std::stringstream buffer;
        buffer << in.rdbuf();
        text = buffer.str();
    }
    if (text.empty())
        text = "# Slurm job arrays submitted by tlmmu sweep: job id, job numbers, +first job number when\n"
               "# the array's task ids count from it\n";
    if (text.back() != '\n') text += '\n';
    text += submission.job_id + " " + array_ranges(submission.indices);
    if (submission.base) text += " +" + std::to_string(submission.base);
    text += "\n";
    return tools::write_file_atomically(submissions_path(output), text, &error);
}

}  // namespace

std::string array_ranges(std::vector<size_t> indices) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::string out;
    for (size_t i = 0; i < indices.size();) {
        size_t j = i;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
        out += (out.empty() ? "" : ",") + std::to_string(indices[i]);
        if (j > i) out += "-" + std::to_string(indices[j]);
        i = j + 1;
    }
    return out;
}

std::vector<size_t> parse_array_ranges(const std::string& text) {
    std::vector<size_t> out;
    std::stringstream in(text);
    std::string part;
    auto number = [&](const std::string& s) {
        if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos)
            throw std::invalid_argument(settings::quoted(text) + " is not a list of indices like 0-3,7");
        return size_t(std::stoull(s));
    };
    while (std::getline(in, part, ',')) {
        const auto dash = part.find('-');
        const size_t first = number(part.substr(0, dash));
        const size_t last = dash == std::string::npos ? first : number(part.substr(dash + 1));
        if (last < first || last - first > 1000000)
            throw std::invalid_argument(settings::quoted(text) + " is not a list of indices like 0-3,7");
        for (size_t i = first; i <= last; ++i) out.push_back(i);
    }
    if (out.empty()) throw std::invalid_argument(settings::quoted(text) + " is not a list of indices like 0-3,7");
    return out;
}

std::string submissions_path(const std::string& output) {
    return (fs::path(slurm_dir(output)) / "submissions").string();
}

bool has_submissions(const std::string& output) {
    std::error_code ec;
    return fs::exists(submissions_path(output), ec);
}

std::vector<Submission> read_submissions(const std::string& output) {
    const std::string path = submissions_path(output);
    std::vector<Submission> out;
    std::ifstream in(path);
    std::string line;
    for (size_t number = 1; std::getline(in, line); ++number) {
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        std::stringstream words(line);
        Submission s;
        std::string indices, base, extra;
        words >> s.job_id >> indices;
        const bool id_ok = !s.job_id.empty() && s.job_id.find_first_not_of("0123456789") == std::string::npos;
        try {
            if (!id_ok || indices.empty()) throw std::invalid_argument("");
            s.indices = parse_array_ranges(indices);
            if (words >> base) {
                if (base.size() < 2 || base.size() > 13 || base[0] != '+' ||
                    base.find_first_not_of("0123456789", 1) != std::string::npos)
                    throw std::invalid_argument("");
                s.base = size_t(std::stoull(base.substr(1)));
                if (s.base > s.indices.front()) throw std::invalid_argument("");
            }
            if (words >> extra) throw std::invalid_argument("");
        } catch (const std::invalid_argument&) {
            throw std::runtime_error(path + ":" + std::to_string(number) +
                                     ": expected 'JOBID INDICES [+BASE]' (like '1234 0-3,7'), got " + settings::quoted(line));
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string parse_job_id(const std::string& sbatch_stdout) {
    std::stringstream in(sbatch_stdout);
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        const std::string id = line.substr(0, line.find(';'));
        if (!id.empty() && id.find_first_not_of("0123456789") == std::string::npos) return id;
    }
    return "";
}

TaskStates parse_task_states(const std::string& squeue_stdout) {
    TaskStates states;
    std::stringstream in(squeue_stdout);
    std::string line;
    while (std::getline(in, line)) {
        std::stringstream words(line);
        std::string index, state;
        if (!(words >> index >> state)) continue;
        if (index.empty() || index.size() > 12 || index.find_first_not_of("0123456789") != std::string::npos) continue;
        states[size_t(std::stoull(index))] = state;
    }
    return states;
}

bool is_active_state(const std::string& state) {
    static const std::set<std::string> ended = {"COMPLETED", "CANCELLED", "FAILED",  "TIMEOUT",
                                                "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
                                                "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"};
    return !ended.count(state);
}

std::vector<std::string> sbatch_command(const SlurmSweep& sweep, const SlurmOptions& options, const Submission& array,
                                        const std::string& script) {
    std::vector<size_t> task_ids;
    for (size_t i : array.indices) task_ids.push_back(i - array.base);
    std::string array_option = "--array=" + array_ranges(task_ids);
    if (options.array_limit) array_option += "%" + std::to_string(options.array_limit);
    std::string name = fs::path(sweep.spec_path).filename().string();
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) name.resize(name.size() - 5);
    std::vector<std::string> command = {"sbatch", "--parsable", array_option, "--job-name=tlmmu-sweep-" + name,
                                        "--output=" + slurm_filename(slurm_dir(sweep.output)) + "/logs/%A_%a.out"};
    if (!options.partition.empty()) command.push_back("--partition=" + options.partition);
    if (!options.time_limit.empty()) command.push_back("--time=" + options.time_limit);
    if (options.cpus_per_task) command.push_back("--cpus-per-task=" + std::to_string(options.cpus_per_task));
    if (!options.mem.empty()) command.push_back("--mem=" + options.mem);
    command.insert(command.end(), options.sbatch_args.begin(), options.sbatch_args.end());
    command.push_back(script);
    if (array.base) command.push_back(std::to_string(array.base));  // the script's $1
    return command;
}

std::vector<Submission> split_into_arrays(const std::vector<size_t>& indices, size_t max_array_size) {
    std::vector<size_t> sorted(indices);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<Submission> arrays;
    if (sorted.empty()) return arrays;
    max_array_size = std::max<size_t>(1, max_array_size);
    if (sorted.back() < max_array_size) return {Submission{"", sorted, 0}};
    for (size_t i : sorted) {
        if (arrays.empty() || i - arrays.back().base >= max_array_size) arrays.push_back(Submission{"", {}, i});
        arrays.back().indices.push_back(i);
    }
    return arrays;
}

std::string batch_script(const SlurmSweep& sweep, const std::vector<std::string>& sbatch) {
    std::string submitted;
    for (const std::string& word : sbatch) submitted += (submitted.empty() ? "" : " ") + shell_quote(word);
    std::string run = shell_quote(sweep.program) + " sweep --job \"$job\" --out " + shell_quote(sweep.output);
    if (!sweep.job_program.empty()) run += " --program " + shell_quote(sweep.job_program);
    run += " " + shell_quote(sweep.spec_path);
    return "#!/bin/sh\n"
           "# A tlmmu sweep as a Slurm job array: array task K runs job BASE+K of the\n"
           "# spec (line BASE+K+1 of `tlmmu sweep --list`; BASE is this script's\n"
           "# argument, 0 if none), which writes its result to jobs/ID.json in the\n"
           "# output directory atomically. The latest submission:\n"
           "#   " + submitted + "\n"
           "# `tlmmu sweep --collect` gathers the results; `tlmmu sweep --slurm` again\n"
           "# resubmits the tasks that ended without one.\n"
           ": \"${SLURM_ARRAY_TASK_ID:?is not set: submit this script as a job array}\"\n"
           "job=$((SLURM_ARRAY_TASK_ID + ${1:-0}))\n"
           "exec " + run + "\n";
}

std::string active_tasks_note(const SlurmSweep& sweep) {
    std::vector<Submission> submissions;
    try {
        submissions = read_submissions(sweep.output);
    } catch (const std::runtime_error&) {
        return "";
    }
    const TaskView view = view_tasks(submissions, missing_indices(sweep));
    const std::vector<size_t> active = active_of(view);
    if (active.empty()) return "";
    std::set<std::string> ids;
    for (size_t i : active) ids.insert(view.job_of.at(i));
    std::string list;
    for (const std::string& id : ids) list += (list.empty() ? "" : ", ") + id;
    return plural(active.size(), "task") + " (jobs " + array_ranges(active) + ") of Slurm job " + list +
           " still pending or running";
}

namespace {

// read_submissions with its error reported; false when the record is unreadable.
bool load_submissions(const std::string& output, std::vector<Submission>& submissions) {
    try {
        submissions = read_submissions(output);
        return true;
    } catch (const std::runtime_error& e) {
        std::cerr << "tlmmu sweep: " << e.what() << "\n";
        return false;
    }
}

}  // namespace

int collect_from_slurm(const SlurmSweep& sweep, bool wait) {
    std::vector<Submission> submissions;
    if (!load_submissions(sweep.output, submissions)) return 2;
    if (wait && !wait_for_tasks(sweep, submissions)) return 1;

    bool complete = false;
    if (!write_results(*sweep.spec, *sweep.jobs, sweep.output, complete)) return 1;
    if (complete) return 0;

    const std::set<size_t> missing = missing_indices(sweep);
    const TaskView view = view_tasks(submissions, missing);
    const std::vector<size_t> active = active_of(view);
    if (!view.unanswered.empty())
        std::cerr << "tlmmu sweep: cannot ask Slurm about the tasks (" << view.unanswered
                  << "); jobs without a result are listed as such\n";
    if (!active.empty())
        std::cerr << "tlmmu sweep: " << plural(active.size(), "task") << " still pending or running in Slurm: jobs "
                  << array_ranges(active) << " (follow with --collect --wait)\n";

    std::vector<size_t> failed;
    for (size_t i : missing)
        if (!std::binary_search(active.begin(), active.end(), i)) failed.push_back(i);
    if (failed.empty()) return 1;
    std::cerr << "tlmmu sweep: " << plural(failed.size(), "job") << " ended without a result: " << array_ranges(failed)
              << "\n";
    const size_t shown = 20;  // a few lines with their logs; the range list above names them all
    for (size_t n = 0; n < failed.size() && n < shown; ++n) {
        const size_t i = failed[n];
        const Job& job = (*sweep.jobs)[i];
        std::cerr << "    job " << i << " (" << job.id << "): ";
        auto submitted = view.job_of.find(i);
        if (submitted == view.job_of.end()) {
            std::cerr << "never submitted to Slurm\n";
            continue;
        }
        auto state = view.state.find(i);
        const size_t task = i - view.base_of.at(submitted->second);
        std::cerr << "Slurm task " << submitted->second << "_" << task << " "
                  << (state == view.state.end() ? "no longer listed by Slurm (cancelled before it started, or ended long ago)"
                                              : state->second);
        const std::string log = task_log(sweep.output, submitted->second, task);
        const std::string detail = ending_line(log);
        std::cerr << (detail.empty() ? "" : ": " + detail) << "\n        log: " << log << "\n";
    }
    if (failed.size() > shown) std::cerr << "    ... and " << failed.size() - shown << " more\n";
    std::cerr << "tlmmu sweep: resubmit them with: tlmmu sweep --slurm " << shell_quote(sweep.spec_path) << " --out "
              << shell_quote(sweep.output) << "\n";
    return 1;
}

int submit_to_slurm(const SlurmSweep& sweep, const SlurmOptions& options, bool wait) {
    std::error_code ec;
    fs::create_directories(fs::path(slurm_dir(sweep.output)) / "logs", ec);
    fs::create_directories(fs::path(sweep.output) / "jobs", ec);
    fs::create_directories(fs::path(sweep.output) / "logs", ec);
    if (ec || ::access(sweep.output.c_str(), W_OK) != 0) {
        std::cerr << "tlmmu sweep: cannot write to the output directory " << sweep.output << ": "
                  << (ec ? ec.message() : std::strerror(errno)) << "\n";
        return 1;
    }
    std::vector<Submission> submissions;
    if (!load_submissions(sweep.output, submissions)) return 2;
    {
        // Submitting is a short step; the lock keeps a local sweep or a second
        // submission from picking the same jobs meanwhile.
        OutputLock lock;
        lock.acquire(sweep.output);
        if (lock.state() == OutputLock::State::busy) {
            std::cerr << "tlmmu sweep: another sweep is running in " << sweep.output << " (" << sweep.output
                      << "/.lock); wait for it or choose another --out\n";
            return 1;
        }
        if (lock.state() != OutputLock::State::held) {
            std::cerr << "tlmmu sweep: cannot write to the output directory " << sweep.output << ": " << lock.error()
                      << "\n";
            return 1;
        }
        if (find_on_path("sbatch").empty()) {
            std::cerr << "tlmmu sweep: sbatch is not on PATH: --slurm needs a machine that submits Slurm jobs; "
                         "nothing was submitted (results present are kept)\n";
            return 1;
        }
        const std::set<size_t> missing = missing_indices(sweep);
        const TaskView view = view_tasks(submissions, missing);
        if (!view.unanswered.empty()) {
            // Resubmitting a task that is still queued would run it twice.
            std::cerr << "tlmmu sweep: cannot tell which earlier Slurm tasks are still queued (" << view.unanswered
                      << "); nothing was submitted\n";
            return 1;
        }
        const std::vector<size_t> active = active_of(view);
        std::vector<size_t> to_submit;
        for (size_t i : missing)
            if (!std::binary_search(active.begin(), active.end(), i)) to_submit.push_back(i);
        const size_t done = sweep.jobs->size() - missing.size();
        if (!active.empty())
            std::cerr << "tlmmu sweep: " << plural(active.size(), "job") << " already pending or running in Slurm ("
                      << array_ranges(active) << "), not submitted again\n";
        if (to_submit.empty()) {
            if (active.empty()) std::cerr << "tlmmu sweep: all " << plural(done, "job") << " have results\n";
        } else {
            const std::string script = script_path(sweep.output);
            std::vector<Submission> arrays = split_into_arrays(to_submit, max_array_size());
            std::string error;
            for (size_t n = 0; n < arrays.size(); ++n) {
                Submission& array = arrays[n];
                const std::vector<std::string> command = sbatch_command(sweep, options, array, script);
                if (!tools::write_file_atomically(script, batch_script(sweep, command), &error)) {
                    std::cerr << "tlmmu sweep: cannot write the batch script: " << error << "\n";
                    return 1;
                }
                const CommandResult r = run_command(command);
                array.job_id = r.status == 0 ? parse_job_id(r.out) : "";
                if (array.job_id.empty()) {
                    std::cerr << "tlmmu sweep: sbatch "
                              << (r.status == 0  ? "printed no job id"
                                  : r.status < 0 ? "was killed"
                                                 : "failed (exit status " + std::to_string(r.status) + ")")
                              << ": " << one_line(r.err.empty() ? r.out : r.err) << "\n    "
                              << (n == 0 ? "nothing was submitted"
                                         : "jobs " + array_ranges(array.indices) + " and later were not submitted")
                              << "; the " << plural(done, "result") << " present are kept. Script: " << script << "\n";
                    return 1;
                }
                if (!record_submission(sweep.output, array, error)) {
                    std::cerr << "tlmmu sweep: submitted Slurm job " << array.job_id << " but cannot record it: "
                              << error << "\n";
                    return 1;
                }
                submissions.push_back(array);
                std::cerr << "tlmmu sweep: submitted " << plural(array.indices.size(), "job") << " as Slurm job array "
                          << array.job_id << " (jobs " << array_ranges(array.indices);
                if (array.base) std::cerr << ", task ids counted from job " << array.base;
                std::cerr << "; " << done << " of " << sweep.jobs->size() << " jobs already have results)\n";
            }
        }
    }
    if (!wait) {
        if (!missing_indices(sweep).empty())
            std::cerr << "tlmmu sweep: gather the results with: tlmmu sweep --collect " << shell_quote(sweep.spec_path)
                      << " --out " << shell_quote(sweep.output) << " (add --wait to wait for the tasks)\n";
        else {
            bool complete = false;
            return write_results(*sweep.spec, *sweep.jobs, sweep.output, complete) && complete ? 0 : 1;
        }
        return 0;
    }
    return collect_from_slurm(sweep, true);
}

}  // namespace tlmmu::sweep
