#include "settings_command.h"

#include <iostream>

#include "catalogue.h"

namespace tlmmu::settings_command {

namespace {

const char* const kUsage =
    "usage: tlmmu settings [--markdown]\n"
    "\n"
    "Lists every setting (--set KEY=VALUE, --config files, sweep axes) with its default and\n"
    "meaning, as `key = default  # meaning` lines; --markdown prints the tables of\n"
    "docs/configuration.md instead.\n";

}  // namespace

int run_settings_command(const std::vector<std::string>& args) {
    bool markdown = false;
    for (const std::string& a : args) {
        if (a == "--markdown") {
            markdown = true;
        } else if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "tlmmu settings: unknown option '" << a << "'\n" << kUsage;
            return 2;
        }
    }
    std::cout << (markdown ? settings::markdown_table(catalogue()) : settings::defaults_listing(catalogue()));
    return 0;
}

}  // namespace tlmmu::settings_command
