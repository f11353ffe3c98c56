#include "options.h"

#include "command_line.h"

namespace tlmmu::cosim {

int parse_options(int argc, char** argv, const std::string& program, const std::string& configs, Options& o) {
    tools::CommandLine cli(program, "Co-simulates the Verilated RTL block against the tlmmu model, transaction by\n"
                                    "transaction, and stops at the first mismatch.\n"
                                    "\n"
                                    "Exit status: 0 no mismatch, 1 mismatch, 2 usage error.");
    cli.count("--seed", o.seed, "stimulus seed (default 1)");
    cli.count("--transactions", o.transactions, "transactions to run (default 100000)");
    cli.app().add_option("--config", o.config, "RTL configuration: " + configs)->type_name("NAME");
    cli.app().add_flag("--fault", o.fault, "use the RTL built with the planted fault (expect a mismatch)");
    cli.app().add_option("--vcd", o.vcd, "on a mismatch, re-run and dump the cycles before it to FILE")->type_name("FILE");
    cli.count("--vcd-window", o.vcd_window, "transactions dumped before the mismatching one (default 1000)");
    cli.quiet(o.quiet, "no coverage table");
    cli.junit(o.junit, "one test case; a mismatch is a failure");
    if (const int status = cli.parse(argc, argv); status >= 0) return status;
    if (o.vcd_window == 0) return cli.usage_error("--vcd-window: must be at least 1");
    return -1;
}

}  // namespace tlmmu::cosim
