#include "sweep_runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tlmmu::sweep {
namespace {

namespace fs = std::filesystem;

volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int sig) { g_stop_signal = sig; }

// The last non-empty line of a log, for the one-line failure report.
std::string last_line(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    return last;
}

// Starts one job; returns its pid or -1 (errno set).
pid_t spawn(const std::vector<std::string>& command, const std::string& log) {
    std::vector<char*> argv;
    for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) return -1;
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // A sweep killed even by SIGKILL takes its jobs with it; their results
        // are written atomically, so nothing half-written is left behind.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::execv(argv[0], argv.data());
        std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
        ::_exit(127);
    }
    const int saved = errno;
    ::close(log_fd);
    errno = saved;
    return pid;
}

class Progress {
 public:
    Progress(bool enabled, size_t total) : m_enabled(enabled), m_total(total) {}
    void show(size_t done, size_t failed, size_t running) {
        if (!m_enabled) return;
        const int width = 30;
        const int filled = m_total ? int(width * done / m_total) : width;
        std::fprintf(stderr, "\r[%s%s] %zu/%zu jobs, %zu running, %zu failed ", std::string(filled, '#').c_str(),
                     std::string(width - filled, '.').c_str(), done, m_total, running, failed);
        std::fflush(stderr);
        m_shown = true;
    }
    void clear() {
        if (m_shown) std::fprintf(stderr, "\r%*s\r", 78, "");
        m_shown = false;
    }

 private:
    bool m_enabled;
    size_t m_total;
    bool m_shown = false;
};

}  // namespace

OutputLock::~OutputLock() {
    if (m_fd >= 0) ::close(m_fd);
}

void OutputLock::acquire(const std::string& output) {
    const std::string path = (fs::path(output) / ".lock").string();
    m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) {
        m_state = State::unwritable;
        m_error = std::strerror(errno);
    } else if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(m_fd);
        m_fd = -1;
        m_state = State::busy;
    } else {
        m_state = State::held;
    }
}

std::string result_path(const std::string& output, const Job& job) {
    return (fs::path(output) / "jobs" / (job.id + ".json")).string();
}

std::string log_path(const std::string& output, const Job& job) {
    return (fs::path(output) / "logs" / (job.id + ".log")).string();
}

std::vector<std::string> job_command(const RunOptions& options, const Job& job) {
    std::vector<std::string> command{options.program};
    command.insert(command.end(), job.arguments.begin(), job.arguments.end());
    command.insert(command.end(), {"--json", result_path(options.output, job)});
    command.insert(command.end(), job.traces.begin(), job.traces.end());
    return command;
}

bool job_finished(const std::string& output, const Job& job) {
    std::ifstream in(result_path(output, job));
    if (!in) return false;
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        return j.is_object() && j.contains("tlmmu_trace");
    } catch (const std::exception&) {
        return false;  // unreadable: run it again
    }
}

std::string shell_quote(const std::string& word) {
    if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=:,./@%") ==
                             std::string::npos)
        return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

RunSummary run_jobs(const std::vector<Job>& jobs, const RunOptions& options) {
    RunSummary summary;
    std::error_code ec;
    fs::create_directories(fs::path(options.output) / "jobs", ec);
    fs::create_directories(fs::path(options.output) / "logs", ec);

    // Two sweeps over one directory would race on the same result files; jobs
    // of a cluster array (--job) touch one file each and need no lock.
    OutputLock lock;
    if (options.lock) {
        lock.acquire(options.output);
        if (lock.state() == OutputLock::State::unwritable) {  // the directory itself refuses
            summary.unwritable = lock.error();
            return summary;
        }
        if (lock.state() == OutputLock::State::busy) {
            summary.locked_out = true;
            return summary;
        }
    } else if (::access(options.output.c_str(), W_OK) != 0) {
        summary.unwritable = std::strerror(errno);
        return summary;
    }
    // Temporary files of jobs killed mid-write (ID.json.partial-XXXXXX, or
    // ID.json.XXXXXX.partial); never results. Only with the lock, and only old
    // ones: a task of a job array may be writing its own right now.
    if (options.lock) {
        const auto stale_before = fs::file_time_type::clock::now() - std::chrono::minutes(10);
        for (const auto& entry : fs::directory_iterator(fs::path(options.output) / "jobs", ec)) {
            const std::string name = entry.path().filename().string();
            if (name.find(".json.") == std::string::npos || name.find(".partial") == std::string::npos) continue;
            std::error_code time_ec;
            const auto written = fs::last_write_time(entry.path(), time_ec);
            if (!time_ec && written < stale_before) fs::remove(entry.path(), ec);
        }
    }

    std::vector<const Job*> pending;
    for (const Job& job : jobs) {
        if (job_finished(options.output, job)) ++summary.skipped;
        else pending.push_back(&job);
    }

    struct sigaction action {}, old_int {}, old_term {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR so the loop sees the signal
    g_stop_signal = 0;
    ::sigaction(SIGINT, &action, &old_int);
    ::sigaction(SIGTERM, &action, &old_term);

    Progress progress(options.progress, jobs.size());
    std::map<pid_t, const Job*> running;
    size_t next = 0;
    const unsigned workers = options.workers ? options.workers : 1;
    auto report_failure = [&](const Job& job, const std::string& why) {
        summary.failed.push_back(job.index);
        progress.clear();
        const std::string log = log_path(options.output, job);
        const std::string detail = last_line(log);
        std::cerr << "tlmmu sweep: job " << job.index << " (" << job.id << ") failed: " << why
                  << (detail.empty() ? "" : ": " + detail) << "\n    log: " << log << "\n";
    };

    while (!g_stop_signal && (next < pending.size() || !running.empty())) {
        while (!g_stop_signal && next < pending.size() && running.size() < workers) {
            const Job& job = *pending[next++];
            if (job_finished(options.output, job)) {  // done meanwhile by a job-array task
                ++summary.skipped;
                continue;
            }
            const pid_t pid = spawn(job_command(options, job), log_path(options.output, job));
            if (pid < 0) {
                report_failure(job, std::string("cannot start: ") + std::strerror(errno));
                continue;
            }
            running[pid] = &job;
        }
        progress.show(summary.skipped + summary.succeeded + summary.failed.size(), summary.failed.size(),
                      running.size());
        if (running.empty()) continue;
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;  // ECHILD: nothing left (should not happen with a non-empty map)
        }
        auto it = running.find(pid);
        if (it == running.end()) continue;
        const Job& job = *it->second;
        running.erase(it);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            if (job_finished(options.output, job)) ++summary.succeeded;
            else report_failure(job, "exited 0 but wrote no complete result");
        } else if (WIFEXITED(status)) {
            report_failure(job, "exit status " + std::to_string(WEXITSTATUS(status)));
        } else if (WIFSIGNALED(status)) {
            report_failure(job, std::string("killed by signal ") + strsignal(WTERMSIG(status)));
        }
    }

    if (g_stop_signal) {
        summary.interrupted = true;
        for (const auto& r : running) ::kill(r.first, SIGTERM);
        for (const auto& r : running) {
            int status = 0;
            while (::waitpid(r.first, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }
    progress.clear();
    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGTERM, &old_term, nullptr);
    return summary;
}

}  // namespace tlmmu::sweep
