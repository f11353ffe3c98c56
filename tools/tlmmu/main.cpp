// The `tlmmu` command line: a dispatcher over subcommands. Each subcommand
// lives in its own library as `int run_X_command(const std::vector<std::string>&)`;
// adding one means adding a row to kCommands.
#include <cstring>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "check_command.h"
#include "convert_command.h"
#include "demo_command.h"
#include "experiments_command.h"
#include "generate_command.h"
#include "plot_command.h"
#include "run_command.h"
#include "scenario_command.h"
#include "settings_command.h"
#include "sweep_command.h"
#include "trace_command.h"

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const std::vector<std::string>& args);
};

// Listed in the order a new user meets them: the execution-driven platform,
// trace studies, then the core model's own tools.
const Command kCommands[] = {
    {"experiments", "the default job: the experiment firmware on the platform (latency, context switch, flush, allocators)",
     tlmmu::experiments::run_experiments_command},
    {"run", "run a bare-metal RISC-V ELF on the platform, every access through the MMU (docs/platform.md)",
     tlmmu::run::run_run_command},
    {"trace", "replay traces (lackey, ChampSim, drmemtrace, native, synth:) through the MMU and an OS model",
     tlmmu::trace_command::run_trace_command},
    {"sweep", "run a configuration sweep over traces on all cores, resumable, one CSV (docs/sweeps.md)",
     tlmmu::sweep::run_sweep_command},
    {"plot", "PNG plots (gnuplot): miss rate against TLB size, latency distribution, walk breakdown",
     tlmmu::plot::run_plot_command},
    {"convert", "convert a trace (lackey, ChampSim, drmemtrace) to the native format or another one",
     tlmmu::convert::run_convert_command},
    {"generate", "write a synthetic trace (synth: spec) to a native trace file",
     tlmmu::generate::run_generate_command},
    {"demo", "latency plateaus, context-switch and flush costs measured on the core model alone",
     tlmmu::demo::run_demo_command},
    {"scenario", "run scenario files (architectural litmus tests, docs/scenarios.md)",
     tlmmu::scenario::run_scenario_command},
    {"check", "compare a run's JSON statistics with a golden file under per-metric tolerances (docs/ci.md)",
     tlmmu::check::run_check_command},
    {"settings", "every setting (--set KEY=VALUE, --config files): default, unit, allowed values, meaning",
     tlmmu::settings_command::run_settings_command},
};

const Command* find_command(const std::string& name) {
    for (const Command& c : kCommands)
        if (name == c.name) return &c;
    return nullptr;
}

void print_usage(std::ostream& out) {
    out << "usage: tlmmu [COMMAND [ARGS...]]   (no command runs 'tlmmu experiments')\n"
           "\n"
           "Commands:\n";
    for (const Command& c : kCommands) out << "  " << c.name << std::string(12 - std::strlen(c.name), ' ') << c.summary << "\n";
    out << "  help        list the commands; 'tlmmu help COMMAND' shows its options\n";
}

}  // namespace

int dispatch(const std::vector<std::string>& args);

// Every command's last line of defence: a host allocation that fails (a
// configuration asking for more memory than the machine has) or any other
// escaped exception is a message and exit status 1, never an abort.
int main(int argc, char** argv) {
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::bad_alloc&) {
        std::cerr << "tlmmu: out of host memory (a structure or memory size too large for this machine?)\n";
    } catch (const std::exception& e) {
        std::cerr << "tlmmu: " << e.what() << "\n";
    }
    return 1;
}

int dispatch(const std::vector<std::string>& args) {
    if (args.empty()) return tlmmu::experiments::run_experiments_command({});  // the default job
    const std::string& name = args[0];
    if (name == "help" || name == "--help" || name == "-h") {
        if (args.size() > 1) {
            if (const Command* c = find_command(args[1])) return c->run({"--help"});
            std::cerr << "tlmmu: unknown command '" << args[1] << "'\n";
            return 2;
        }
        print_usage(std::cout);
        return 0;
    }
    if (const Command* c = find_command(name)) return c->run({args.begin() + 1, args.end()});
    std::cerr << "tlmmu: unknown command '" << name << "'\n";
    print_usage(std::cerr);
    return 2;
}
