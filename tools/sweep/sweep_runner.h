// Runs the jobs of a sweep as child processes, N at a time, skipping jobs
// whose result file already exists (a killed sweep resumes where it stopped).
#pragma once

#include <string>
#include <vector>

#include "sweep_spec.h"

namespace tlmmu::sweep {

struct RunOptions {
    std::string program;     // the `tlmmu` executable jobs run
    std::string output;      // output directory: jobs/<id>.json, logs/<id>.log
    unsigned workers = 1;    // parallel child processes
    bool progress = false;   // progress line on stderr
    bool lock = true;        // hold DIR/.lock: one sweep per directory at a time
};

struct RunSummary {
    size_t skipped = 0;   // already finished before this run
    size_t succeeded = 0;
    std::vector<size_t> failed;  // job indices
    bool interrupted = false;    // SIGINT/SIGTERM arrived; running jobs were stopped
    bool locked_out = false;     // another sweep holds the output directory; nothing ran
    std::string unwritable;      // why the output directory cannot be written; nothing ran
};

// DIR/.lock, held while the object lives: one sweep per output directory.
class OutputLock {
 public:
    enum class State { none, held, busy, unwritable };
    OutputLock() = default;
    OutputLock(const OutputLock&) = delete;
    OutputLock& operator=(const OutputLock&) = delete;
    ~OutputLock();
    void acquire(const std::string& output);  // never blocks
    State state() const { return m_state; }
    const std::string& error() const { return m_error; }  // why, when unwritable

 private:
    int m_fd = -1;
    State m_state = State::none;
    std::string m_error;
};

std::string result_path(const std::string& output, const Job& job);
std::string log_path(const std::string& output, const Job& job);

// The full command line of a job (program, arguments, --json RESULT).
std::vector<std::string> job_command(const RunOptions& options, const Job& job);

// True when the job's result exists and is a complete result object.
bool job_finished(const std::string& output, const Job& job);

// Runs `jobs` (those not finished yet). Failing jobs are reported on stderr
// with their log; the others still run.
RunSummary run_jobs(const std::vector<Job>& jobs, const RunOptions& options);

// Quotes a word for a POSIX shell when it needs it.
std::string shell_quote(const std::string& word);

}  // namespace tlmmu::sweep
