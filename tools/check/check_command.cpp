#include "check_command.h"

#include <iostream>

#include "atomic_file.h"
#include "compare.h"
#include "junit.h"
#include "command_line.h"

namespace tlmmu::check {

namespace {

std::vector<tools::JunitSuite> junit(const Comparison& c, const std::string& golden) {
    tools::JunitSuite suite;
    suite.name = "tlmmu check " + golden;
    for (const Row& r : c.rows) {
        tools::JunitCase tc;
        tc.name = r.path;
        const size_t dot = r.path.find('.');
        tc.classname = "check." + (dot == std::string::npos ? r.path : r.path.substr(0, dot));
        if (r.status == Row::Status::ignored) {
            tc.outcome = tools::JunitCase::Outcome::skipped;
            tc.message = "ignored by the tolerance file";
        } else if (r.failed()) {
            tc.outcome = tools::JunitCase::Outcome::failure;
            tc.message = std::string(to_string(r.status)) + ": golden " + r.golden + ", run " + r.run +
                         (r.change.empty() ? "" : ", change " + r.change) + ", tolerance " + r.rule.describe();
        }
        suite.cases.push_back(tc);
    }
    return {suite};
}

}  // namespace

int run_check_command(const std::vector<std::string>& args) {
    std::string tolerance_path, junit_path, markdown_path, golden_path, run_path;
    bool update = false, all = false;
    tools::CommandLine cli("tlmmu check",
                           "Compares the JSON statistics RUN (written by tlmmu trace/run/experiments/scenario --json)\n"
                           "with the golden file GOLDEN, metric by metric, under the tolerances of FILE (default:\n"
                           "every metric exact). Prints a table of the metrics that moved and by how much.\n"
                           "\n"
                           "Exit status: 0 within tolerance (or GOLDEN updated), 1 a metric regressed, appeared or\n"
                           "vanished, 2 bad usage or bad input (unreadable or malformed file, a tolerance naming\n"
                           "no metric).");
    cli.app().add_option("-t,--tolerances", tolerance_path, "per-metric tolerances (format: docs/ci.md)")->type_name("FILE");
    cli.junit(junit_path, "one test case per metric");
    cli.app().add_option("--markdown", markdown_path, "a Markdown summary for a CI job to post")->type_name("FILE");
    cli.app().add_flag("--all", all, "list every metric, not only those that moved");
    auto* update_flag = cli.app().add_flag("--update", update, "rewrite GOLDEN with RUN (after checking both files)");
    update_flag->excludes(cli.app().get_option("--junit"))->excludes(cli.app().get_option("--markdown"));
    std::vector<std::string> files;
    cli.app().add_option("GOLDEN RUN", files, "the golden statistics and this run's (JSON files)");
    if (const int status = cli.parse(args); status >= 0) return status;
    if (files.size() != 2) return cli.usage_error("expected GOLDEN and RUN, got " + std::to_string(files.size()) + " files");
    golden_path = files[0];
    run_path = files[1];


    Tolerances tolerances;
    tolerances.fallback.pattern_text = "(default)";
    nlohmann::json golden, run;
    try {
        if (!tolerance_path.empty()) tolerances = read_tolerance_file(tolerance_path);
        run = read_json_file(run_path);
        if (update) {
            check_rules_select(tolerances, flatten(run));
            if (!tools::write_file_atomically(golden_path, run.dump(2) + "\n")) {
                std::cerr << "tlmmu check: cannot write " << golden_path << "\n";
                return 2;
            }
            std::cout << "golden file " << golden_path << " rewritten from " << run_path << " (" << flatten(run).size()
                      << " metrics)\n";
            return 0;
        }
        golden = read_json_file(golden_path);
        check_rules_select(tolerances, flatten(golden));
    } catch (const CheckError& e) {
        std::cerr << "tlmmu check: " << e.what() << "\n";
        return 2;
    }

    const Comparison c = compare(golden, run, tolerances);
    if (c.moved() || all) std::cout << table(c, all);
    std::cout << (c.failed() ? "FAIL" : "PASS") << ": " << c.rows.size() << " metrics, " << c.failed()
              << " outside tolerance, " << (c.moved() - c.failed()) << " moved within it\n";
    if (!junit_path.empty() && !tools::write_junit(junit_path, junit(c, golden_path))) {
        std::cerr << "tlmmu check: cannot write " << junit_path << "\n";
        return 2;
    }
    if (!markdown_path.empty() && !tools::write_file_atomically(markdown_path, markdown(c, golden_path, run_path))) {
        std::cerr << "tlmmu check: cannot write " << markdown_path << "\n";
        return 2;
    }
    return c.failed() ? 1 : 0;
}

}  // namespace tlmmu::check
