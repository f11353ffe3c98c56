#include "settings_command.h"

#include <iostream>

#include "catalogue.h"
#include "command_line.h"

namespace tlmmu::settings_command {

int run_settings_command(const std::vector<std::string>& args) {
    bool markdown = false;
    tools::CommandLine cli("tlmmu settings",
                           "Lists every setting (--set KEY=VALUE, --config files, sweep axes) with its default and\n"
                           "meaning, as `key = default  # meaning` lines.");
    cli.app().add_flag("--markdown", markdown, "print the tables of docs/configuration.md instead");
    if (const int status = cli.parse(args); status >= 0) return status;
    std::cout << (markdown ? settings::markdown_table(catalogue()) : settings::defaults_listing(catalogue()));
    return 0;
}

}  // namespace tlmmu::settings_command
