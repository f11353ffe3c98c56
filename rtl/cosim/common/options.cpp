#include "options.h"

#include <cerrno>
#include <cstdlib>

namespace tlmmu::cosim {
namespace {

uint64_t parse_count(const std::string& option, const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(option + ": expected a non-negative integer, got '" + text + "'");
    errno = 0;
    const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
    if (errno == ERANGE) throw UsageError(option + ": '" + text + "' is out of range");
    return v;
}

}  // namespace

Options parse_options(const std::vector<std::string>& args) {
    Options o;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw UsageError(a + ": missing value");
            return args[++i];
        };
        if (a == "--seed") o.seed = parse_count(a, value());
        else if (a == "--transactions") o.transactions = parse_count(a, value());
        else if (a == "--config") o.config = value();
        else if (a == "--vcd") o.vcd = value();
        else if (a == "--vcd-window") o.vcd_window = parse_count(a, value());
        else if (a == "--fault") o.fault = true;
        else if (a == "--quiet") o.quiet = true;
        else if (a == "--junit") o.junit = value();
        else throw UsageError("unknown argument '" + a + "'");
    }
    if (o.vcd_window == 0) throw UsageError("--vcd-window: must be at least 1");
    return o;
}

std::string options_help(const std::string& program, const std::string& configs) {
    return "usage: " + program +
           " [--seed N] [--transactions N] [--config NAME] [--fault] [--vcd FILE] [--vcd-window N] [--quiet]\n"
           "       [--junit FILE]\n"
           "  --seed N          stimulus seed (default 1)\n"
           "  --transactions N  transactions to run (default 100000)\n"
           "  --config NAME     RTL configuration: " + configs + "\n"
           "  --fault           use the RTL built with the planted fault (expect a mismatch)\n"
           "  --vcd FILE        on a mismatch, re-run and dump the cycles before it to FILE\n"
           "  --vcd-window N    transactions dumped before the mismatching one (default 1000)\n"
           "  --quiet           no coverage table\n"
           "  --junit FILE      write the run as JUnit XML (one test case; a mismatch is a failure)\n"
           "exit status: 0 no mismatch, 1 mismatch, 2 usage error\n";
}

}  // namespace tlmmu::cosim
