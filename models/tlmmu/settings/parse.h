// The text rules every setting, option and spec of tlmmu shares: one trim,
// one number parser, one switch parser, one `key=value` split. Whoever reads a
// number from a user (a configuration file, a command-line flag, a synth:
// spec, a sweep spec) reads it here, so the same text means the same number
// everywhere (docs/configuration.md, "Values").
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlmmu {

// A bad setting, option or configuration: what() names the key (and the file
// and line, or the flag, once the caller knows them).
class ConfigError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

namespace settings {

// `text` without leading and trailing white space.
std::string trim(const std::string& text);
std::string lower(std::string text);

// Unsigned integers, the one rule: decimal digits (leading zeros are still
// decimal) with an optional binary-multiple suffix, case-insensitive: k or KiB
// (2^10), m or MiB (2^20), g or GiB (2^30), t or TiB (2^40); or 0x followed by
// hex digits (no suffix). No sign, no white space inside. Returns false when
// `text` is not such a number or the value does not fit 64 bits.
bool parse_unsigned(const std::string& text, uint64_t& value);
// As parse_unsigned, but throws ConfigError "KEY: 'TEXT' is not a number ...".
uint64_t unsigned_value(const std::string& key, const std::string& text);
// Non-negative decimal real numbers ("2", "2.5", "1e-3"); throws ConfigError.
double real_value(const std::string& key, const std::string& text);
// Switches: 1/true/yes/on and 0/false/no/off, case-insensitive; throws ConfigError.
bool switch_value(const std::string& key, const std::string& text);

// Splits "KEY=VALUE" at the first '=' and trims both sides; false without a
// '=' or with an empty key.
bool split_assignment(const std::string& text, std::string& key, std::string& value);

// The candidate closest to `word` by edit distance, or "" when none is close
// enough to be a plausible typo (distance at most a third of the length, min 2).
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// `text` as an error message quotes it: in single quotes, every byte outside
// printable ASCII written as \xNN (so binary input never reaches a terminal
// raw), and cut after `limit` bytes of input with "..." after the quote.
// Every message that repeats what a user gave goes through this.
std::string quoted(const std::string& text, size_t limit = 60);

// How unsigned_value reads numbers, for usage texts and docs.
extern const char* const kNumberRule;

}  // namespace settings
}  // namespace tlmmu
