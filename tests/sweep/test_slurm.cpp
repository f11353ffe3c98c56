// The Slurm side of `tlmmu sweep` as data: array index lists, the submission
// record, what sbatch and squeue print, the batch script and sbatch command.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sweep_slurm.h"

using namespace tlmmu::sweep;

TEST_CASE("array indices are written as sbatch ranges and read back") {
    CHECK(array_ranges({0, 1, 2, 3, 7, 9, 10}) == "0-3,7,9-10");
    CHECK(array_ranges({5}) == "5");
    CHECK(array_ranges({3, 1, 2, 2}) == "1-3");  // sorted, duplicates once
    CHECK(array_ranges({}) == "");
    CHECK(parse_array_ranges("0-3,7,9-10") == std::vector<size_t>{0, 1, 2, 3, 7, 9, 10});
    CHECK(parse_array_ranges("4") == std::vector<size_t>{4});
    for (const char* bad : {"", "3-1", "a", "1,,2", "1-", "-2", "1-2-3", "1 2"})
        CHECK_THROWS_AS(parse_array_ranges(bad), std::invalid_argument);
}

TEST_CASE("the job id of sbatch --parsable, with or without a cluster name") {
    CHECK(parse_job_id("1234\n") == "1234");
    CHECK(parse_job_id("1234;cluster-a\n") == "1234");
    CHECK(parse_job_id("sbatch: warning: something\n77\n") == "77");
    CHECK(parse_job_id("") == "");
    CHECK(parse_job_id("Submitted batch job\n") == "");
}

TEST_CASE("squeue lines become task states, and finished states are not active") {
    const TaskStates states = parse_task_states("0 COMPLETED\n3 RUNNING\n 4 PENDING\nN/A RUNNING\ngarbage\n");
    CHECK(states == TaskStates{{0, "COMPLETED"}, {3, "RUNNING"}, {4, "PENDING"}});
    for (const char* s : {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED"})
        CHECK(is_active_state(s));
    for (const char* s : {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"})
        CHECK_FALSE(is_active_state(s));
}

TEST_CASE("the submission record: absent is none, a bad line names the file and line") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("tlmmu-slurm-record-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    CHECK_FALSE(has_submissions(dir.string()));
    CHECK(read_submissions(dir.string()).empty());
    fs::create_directories(dir / "slurm");
    {
        std::ofstream(submissions_path(dir.string())) << "# comment\n12 0-2,5\n\n13 4\n";
    }
    std::vector<Submission> subs = read_submissions(dir.string());
    REQUIRE(subs.size() == 2);
    CHECK(subs[0].base == 0);
    CHECK(subs[0].job_id == "12");
    CHECK(subs[0].indices == std::vector<size_t>{0, 1, 2, 5});
    CHECK(subs[1].job_id == "13");
    std::ofstream(submissions_path(dir.string())) << "14 1000-1002 +1000\n";
    subs = read_submissions(dir.string());
    REQUIRE(subs.size() == 1);
    CHECK(subs[0].base == 1000);
    CHECK(subs[0].indices.size() == 3);
    for (const char* bad : {"12\n", "x1 0-2\n", "12 0-2 extra\n", "12 2-1\n", "12 0-2 1000\n", "12 5 +6\n",
                            "12 5 +\n", "12 5 +1 +1\n"}) {
        std::ofstream(submissions_path(dir.string())) << "# comment\n" << bad;
        try {
            read_submissions(dir.string());
            FAIL("accepted: " << bad);
        } catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()).find(submissions_path(dir.string()) + ":2: expected 'JOBID INDICES [+BASE]'") == 0);
        }
    }
    fs::remove_all(dir);
}

TEST_CASE("the sbatch command and the batch script of a sweep") {
    SweepSpec spec;
    std::vector<Job> jobs(3);
    SlurmSweep sweep;
    sweep.spec = &spec;
    sweep.jobs = &jobs;
    sweep.spec_path = "/home/me/l2 sizes.json";
    sweep.output = "/scratch/run%1";
    sweep.program = "/opt/tlmmu/bin/tlmmu";
    SlurmOptions options;
    options.partition = "short";
    options.time_limit = "0:30:00";
    options.cpus_per_task = 1;
    options.mem = "2G";
    options.array_limit = 8;
    options.sbatch_args = {"--qos=low", "--account=lab"};
    const std::vector<std::string> command =
        sbatch_command(sweep, options, Submission{"", {0, 1, 2, 6}, 0}, "/scratch/run%1/slurm/sweep.sbatch");
    CHECK(command == std::vector<std::string>{"sbatch", "--parsable", "--array=0-2,6%8", "--job-name=tlmmu-sweep-l2 sizes",
                                              "--output=/scratch/run%%1/slurm/logs/%A_%a.out", "--partition=short",
                                              "--time=0:30:00", "--cpus-per-task=1", "--mem=2G", "--qos=low",
                                              "--account=lab", "/scratch/run%1/slurm/sweep.sbatch"});
    // Defaults: only what the sweep itself needs.
    const std::vector<std::string> plain = sbatch_command(sweep, SlurmOptions{}, Submission{"", {4}, 0}, "s");
    CHECK(plain.size() == 6);
    CHECK(plain[2] == "--array=4");
    // An array counting from job 2000: task ids from 0, the base as the script's argument.
    const std::vector<std::string> later = sbatch_command(sweep, SlurmOptions{}, Submission{"", {2000, 2001, 2005}, 2000}, "s");
    CHECK(later[2] == "--array=0-1,5");
    CHECK(later[later.size() - 2] == "s");
    CHECK(later.back() == "2000");

    const std::string script = batch_script(sweep, command);
    CHECK(script.rfind("#!/bin/sh\n", 0) == 0);
    CHECK(script.find("\njob=$((SLURM_ARRAY_TASK_ID + ${1:-0}))\n"
                      "exec /opt/tlmmu/bin/tlmmu sweep --job \"$job\" --out /scratch/run%1 "
                      "'/home/me/l2 sizes.json'\n") != std::string::npos);
    CHECK(script.find("#   sbatch --parsable --array=0-2,6%8 '--job-name=tlmmu-sweep-l2 sizes'") != std::string::npos);
    sweep.job_program = "/opt/wrap.sh";
    CHECK(batch_script(sweep, command).find("--out /scratch/run%1 --program /opt/wrap.sh '/home/me") !=
          std::string::npos);
}

TEST_CASE("a sweep larger than MaxArraySize becomes arrays counting from their first job") {
    CHECK(split_into_arrays({}, 1001).empty());
    // All task ids below the limit: one array, task id = job number.
    std::vector<Submission> a = split_into_arrays({3, 1000, 7}, 1001);
    REQUIRE(a.size() == 1);
    CHECK(a[0].base == 0);
    CHECK(a[0].indices == std::vector<size_t>{3, 7, 1000});
    // Jobs 0..9 with MaxArraySize 4: 0-3, 4-7, 8-9.
    std::vector<size_t> all;
    for (size_t i = 0; i < 10; ++i) all.push_back(i);
    a = split_into_arrays(all, 4);
    REQUIRE(a.size() == 3);
    CHECK(a[1].base == 4);
    CHECK(a[1].indices == std::vector<size_t>{4, 5, 6, 7});
    CHECK(a[2].base == 8);
    CHECK(a[2].indices == std::vector<size_t>{8, 9});
    // A resubmission of scattered jobs: each array starts at its first job.
    a = split_into_arrays({2, 5, 6, 9, 1500}, 4);
    REQUIRE(a.size() == 3);
    CHECK((a[0].base == 2 && a[0].indices == std::vector<size_t>{2, 5}));
    CHECK((a[1].base == 6 && a[1].indices == std::vector<size_t>{6, 9}));
    CHECK((a[2].base == 1500 && a[2].indices == std::vector<size_t>{1500}));
    for (const Submission& s : split_into_arrays({2, 5, 6, 9, 1500}, 4))
        for (size_t i : s.indices) CHECK(i - s.base < 4);
}
