#include "command_line.h"

#include <iostream>
#include "tlmmu/settings/parse.h"

namespace tlmmu::tools {

namespace {

// Settings errors found while parsing travel through CLI11 as this, so that
// parse() reports them in the one style with the flag that brought them.
// Their exit status is 1 (the configuration asked for is wrong), not 2 (the
// command line is malformed).
struct SettingError : CLI::ParseError {
    explicit SettingError(const std::string& message) : CLI::ParseError("SettingError", message, 1) {}
};

// Runs `apply` and turns a ConfigError into a SettingError prefixed with
// `where` ("--set l1d.sets=3: ").
template <class F>
void as_setting_error(const std::string& where, F apply) {
    try {
        apply();
    } catch (const ConfigError& e) {
        throw SettingError(where + e.what());
    }
}

// A flag's own value that is not a number: a malformed command line (2).
template <class F>
void as_usage_error(F apply) {
    try {
        apply();
    } catch (const ConfigError& e) {
        throw CLI::ValidationError(e.what());
    }
}

// CLI11's help with the usage line first, then what the command does, then
// the flags; the option column wide enough for `--set KEY=VALUE`.
class Formatter : public CLI::Formatter {
 public:
    Formatter() { column_width(28); }
    std::string make_description(const CLI::App*) const override { return ""; }
    std::string make_usage(const CLI::App* app, std::string name) const override {
        std::string out = CLI::Formatter::make_usage(app, std::move(name));
        if (!app->get_description().empty()) out += "\n" + app->get_description() + "\n";
        return out;
    }
};

}  // namespace

CommandLine::CommandLine(std::string command, std::string description)
    : m_command(std::move(command)), m_app(std::move(description), m_command) {
    m_app.formatter(std::make_shared<Formatter>());
    m_app.option_defaults()->always_capture_default(false);
}

CommandLine& CommandLine::settings(settings::Target target, const std::string& config_names) {
    m_target = std::move(target);
    m_app.add_option_function<std::string>(
             config_names,
             [this](const std::string& path) { as_setting_error("", [&] { m_target.load_file(path); }); },
             "configuration file of `key = value` lines (docs/configuration.md); applied in order with --set")
        ->type_name("FILE")
        ->trigger_on_parse()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    m_app.add_option_function<std::string>(
             "--set",
             [this](const std::string& assignment) {
                 as_setting_error("--set " + assignment + ": ", [&] { m_target.apply_assignment(assignment); });
             },
             "one setting, e.g. --set l2.latency=9 ('tlmmu settings' lists them)")
        ->type_name("KEY=VALUE")
        ->trigger_on_parse()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    return *this;
}

CommandLine& CommandLine::assignments(const std::string& flag, Assign assign, std::string help) {
    m_app.add_option_function<std::string>(
             flag,
             [flag, assign](const std::string& assignment) {
                 as_setting_error(flag + " " + assignment + ": ", [&] {
                     std::string key, value;
                     if (!settings::split_assignment(assignment, key, value)) throw ConfigError("expected KEY=VALUE");
                     assign(key, value);
                 });
             },
             std::move(help))
        ->type_name("KEY=VALUE")
        ->trigger_on_parse()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    return *this;
}

CommandLine& CommandLine::shortcut(const std::string& flag, const std::string& key, std::string help,
                                   std::string value_name) {
    m_app.add_option_function<std::string>(
             flag, [this, flag, key](const std::string& value) {
                 as_setting_error(flag + " " + value + ": ", [&] { m_target.apply(key, value); });
             },
             std::move(help))
        ->type_name(std::move(value_name))
        ->trigger_on_parse();
    return *this;
}

CommandLine& CommandLine::json(std::string& path, std::string help) {
    m_app.add_option("--json", path, std::move(help))->type_name("FILE");
    return *this;
}

CommandLine& CommandLine::junit(std::string& path, std::string help) {
    m_app.add_option("--junit", path, "JUnit XML for a CI server: " + help)->type_name("FILE");
    return *this;
}

CommandLine& CommandLine::quiet(bool& flag, std::string help) {
    m_app.add_flag("--quiet", flag, std::move(help));
    return *this;
}

CommandLine& CommandLine::native_checksums(bool& checksums) {
    m_app.add_flag_callback(
        "--no-checksums", [&checksums] { checksums = false; },
        "native output without the per-block CRC-32s: the older, unchecked layout (docs/trace-formats.md)");
    return *this;
}

namespace {

// A flag whose value `store` parses (throwing ConfigError for bad text).
CLI::Option* add_value(CLI::App& app, const std::string& flag, std::string help, std::string value_name,
                       std::function<void(const std::string&)> store) {
    return app
        .add_option_function<std::string>(
            flag, [store](const std::string& text) { as_usage_error([&] { store(text); }); }, std::move(help))
        ->type_name(std::move(value_name));
}

template <class N>
CLI::Option* add_count(CLI::App& app, const std::string& flag, N& value, std::string help) {
    return add_value(app, flag, std::move(help), "N", [flag, &value](const std::string& text) {
        const uint64_t n = settings::unsigned_value(flag, text);
        if (n > std::numeric_limits<N>::max()) throw ConfigError(flag + ": " + settings::quoted(text) + " is too large");
        value = N(n);
    });
}

}  // namespace

CLI::Option* CommandLine::count(const std::string& flag, uint64_t& value, std::string help) {
    return add_count(m_app, flag, value, std::move(help));
}

CLI::Option* CommandLine::count(const std::string& flag, unsigned& value, std::string help) {
    return add_count(m_app, flag, value, std::move(help));
}

CLI::Option* CommandLine::positive_real(const std::string& flag, double& value, std::string help) {
    return add_value(m_app, flag, std::move(help), "X", [flag, &value](const std::string& text) {
        const double x = settings::real_value(flag, text);
        if (!(x > 0)) throw ConfigError(flag + ": must be above 0, got " + settings::quoted(text));
        value = x;
    });
}

int CommandLine::parse(const std::vector<std::string>& args) {
    try {
        // CLI11 takes the arguments in reverse order.
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        m_app.parse(reversed);
        if (!m_target.empty()) as_setting_error("", [&] { m_target.validate(); });
    } catch (const CLI::CallForHelp&) {
        std::cout << m_app.help();
        return 0;
    } catch (const SettingError& e) {
        return configuration_error(e.what());
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }
    return -1;
}

int CommandLine::parse(int argc, const char* const* argv) {
    return parse(std::vector<std::string>(argv + 1, argv + argc));
}

int CommandLine::error(const std::string& message, int status) const {
    std::cerr << m_command << ": " << message << "\n"
              << "Run '" << m_command << " --help' for the options.\n";
    return status;
}

}  // namespace tlmmu::tools
