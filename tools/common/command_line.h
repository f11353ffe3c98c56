// The option layer every tlmmu command, benchmark and co-simulation program
// shares: declared flags (CLI11), generated --help, one error style, and the
// shared group that reaches the settings registry:
//
//   --config FILE      `key = value` lines (errors name FILE:LINE)
//   --set KEY=VALUE    one setting (errors name the flag and the nearest key)
//   --json FILE        the results as one JSON object
//   --quiet            nothing on stdout but errors
//   --no-checksums     native trace outputs without block checksums
//
// --config and --set apply in the order given, then the bound groups are
// validated once. A command declares what it has:
//
//   tools::CommandLine cli("tlmmu trace", "Replays traces through the MMU model ...");
//   cli.settings(target);                  // --config, --set
//   cli.json(json_path).quiet(quiet);
//   cli.app().add_option("TRACE", traces, "trace file, directory or synth: spec")->required();
//   if (const int status = cli.parse(args); status >= 0) return status;
//
// parse() prints errors as "tlmmu trace: MESSAGE" with a pointer to --help
// and returns the exit status: 2 for a malformed command line (an unknown
// flag, a missing value), 1 for a configuration the registry refuses (an
// unknown key, a value out of range, a bad --config file: the flag or
// FILE:LINE and the key are named); 0 after --help; otherwise -1 (go on).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tlmmu/settings/registry.h"

namespace tlmmu::tools {

// A command's own check after parsing (a missing input, a bad combination of
// flags): report it with CommandLine::usage_error.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class CommandLine {
 public:
    CommandLine(std::string command, std::string description);
    CommandLine(const CommandLine&) = delete;
    CommandLine& operator=(const CommandLine&) = delete;

    CLI::App& app() { return m_app; }
    const std::string& command() const { return m_command; }

    // --config FILE and --set KEY=VALUE over the structs bound in `target`.
    // `config_names` lets a command keep a short form ("-c,--config").
    CommandLine& settings(settings::Target target, const std::string& config_names = "--config");
    // An older spelling for one group's settings: `--os page_size=2m` is
    // `--set os.page_size=2m` (the key relative to the group).
    template <class T>
    CommandLine& group_alias(const std::string& flag, const settings::Group<T>& group, T& object, std::string help) {
        return assignments(flag, [&group, &object](const std::string& key, const std::string& value) {
            group.apply(object, key, value, /*relative=*/true);
        }, std::move(help));
    }
    // A repeatable `FLAG KEY=VALUE` handed to `assign`, whose ConfigError is
    // reported as a refused configuration naming the flag.
    using Assign = std::function<void(const std::string& key, const std::string& value)>;
    CommandLine& assignments(const std::string& flag, Assign assign, std::string help);
    // A flag that is a shortcut for one setting of the bound target:
    // `--max-wall 60` is `--set platform.max_wall_seconds=60`.
    CommandLine& shortcut(const std::string& flag, const std::string& key, std::string help, std::string value_name = "N");
    // Exit statuses for a malformed command line and a refused configuration
    // (defaults 2 and 1), for programs whose statuses mean something else.
    CommandLine& exit_statuses(int usage, int configuration) {
        m_usage_status = usage;
        m_configuration_status = configuration;
        return *this;
    }
    CommandLine& json(std::string& path, std::string help = "write the results as one JSON object (atomically)");
    CommandLine& junit(std::string& path, std::string help);
    CommandLine& quiet(bool& flag, std::string help = "nothing on stdout but errors");
    // --no-checksums clears `checksums`: native trace outputs in the layout
    // without per-block CRC-32s (trace::NativeOptions, docs/trace-formats.md).
    CommandLine& native_checksums(bool& checksums);

    // An unsigned count read by the one number rule (decimal, 0x hex, k/M/G
    // suffixes: docs/configuration.md, "Values").
    CLI::Option* count(const std::string& flag, uint64_t& value, std::string help);
    CLI::Option* count(const std::string& flag, unsigned& value, std::string help);
    // A real number above 0.
    CLI::Option* positive_real(const std::string& flag, double& value, std::string help);

    // Parses `args` (without the program/command name). Returns -1 to go on,
    // 0 after --help, 1 or 2 after an error (printed).
    int parse(const std::vector<std::string>& args);
    // The same for argc/argv of a program's main.
    int parse(int argc, const char* const* argv);
    // Prints "COMMAND: MESSAGE" and the --help pointer; returns `status`.
    int error(const std::string& message, int status) const;
    int usage_error(const std::string& message) const { return error(message, m_usage_status); }
    int configuration_error(const std::string& message) const { return error(message, m_configuration_status); }
    std::string help() const { return m_app.help(); }

 private:
    std::string m_command;
    CLI::App m_app;
    settings::Target m_target;
    int m_usage_status = 2, m_configuration_status = 1;
};

}  // namespace tlmmu::tools
