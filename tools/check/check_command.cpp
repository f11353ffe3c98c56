#include "check_command.h"

#include <iostream>

#include "atomic_file.h"
#include "compare.h"
#include "junit.h"

namespace tlmmu::check {

namespace {

const char* const kUsage =
    "usage: tlmmu check [--tolerances FILE] [--junit FILE] [--markdown FILE] [--all] GOLDEN RUN\n"
    "       tlmmu check --update [--tolerances FILE] GOLDEN RUN\n"
    "\n"
    "Compares the JSON statistics RUN (written by tlmmu trace/run/experiments/scenario --json)\n"
    "with the golden file GOLDEN, metric by metric, under the tolerances of FILE (default:\n"
    "every metric exact). Prints a table of the metrics that moved and by how much.\n"
    "\n"
    "  -t, --tolerances FILE  per-metric tolerances (format: docs/ci.md)\n"
    "      --junit FILE       JUnit XML, one test case per metric\n"
    "      --markdown FILE    a Markdown summary for a CI job to post\n"
    "      --all              list every metric, not only those that moved\n"
    "      --update           rewrite GOLDEN with RUN (after checking both files)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 within tolerance (or GOLDEN updated), 1 a metric regressed, appeared or\n"
    "vanished, 2 bad usage or bad input (unreadable or malformed file, a tolerance naming\n"
    "no metric).\n";

int usage_error(const std::string& message) {
    std::cerr << "tlmmu check: " << message << "\n" << kUsage;
    return 2;
}

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
    std::string tolerance_path, junit_path, markdown_path;
    std::vector<std::string> files;
    bool update = false, all = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else if (a == "-t" || a == "--tolerances") {
            if (!value(tolerance_path)) return usage_error(a + " needs a file");
        } else if (a == "--junit") {
            if (!value(junit_path)) return usage_error("--junit needs a file");
        } else if (a == "--markdown") {
            if (!value(markdown_path)) return usage_error("--markdown needs a file");
        } else if (a == "--update") {
            update = true;
        } else if (a == "--all") {
            all = true;
        } else if (!a.empty() && a[0] == '-' && a != "-") {
            return usage_error("unknown option '" + a + "'");
        } else {
            files.push_back(a);
        }
    }
    if (files.size() != 2) return usage_error("expected GOLDEN and RUN, got " + std::to_string(files.size()) + " files");
    if (update && (!junit_path.empty() || !markdown_path.empty()))
        return usage_error("--update writes the golden file only; --junit and --markdown report a comparison");
    const std::string& golden_path = files[0];
    const std::string& run_path = files[1];

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
