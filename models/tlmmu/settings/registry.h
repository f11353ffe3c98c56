// The settings registry: every setting of tlmmu is declared once, as a typed,
// documented field of a plain struct, and everything else follows from that
// declaration: applying `KEY=VALUE` (command line, configuration file, sweep
// axis), checking the value, the nearest valid key for a typo, dumping a run's
// full configuration and the table in docs/configuration.md.
//
// Declaring a group of settings bound to a plain struct (the struct keeps its
// defaults; the group reads them for the docs):
//
//   struct CacheConfig { unsigned sets = 64; bool inclusive = true; Policy policy = Policy::lru; };
//
//   const settings::Group<CacheConfig>& cache_settings() {
//       static const settings::Group<CacheConfig> group = [] {
//           settings::Group<CacheConfig> g("cache", "data caches (docs/caches.md)");
//           g.integer("l1d.sets", &CacheConfig::sets).unit("sets").range(1, 65536).power_of_two()
//               .doc("sets of the L1 data cache");
//           g.boolean("inclusive", &CacheConfig::inclusive).doc("L2 holds every L1 line");
//           g.choice("policy", &CacheConfig::policy, {{"lru", Policy::lru}, {"random", Policy::random}})
//               .doc("replacement policy");
//           g.validator([](const CacheConfig& c) { /* cross-field checks; throw ConfigError("cache.x: why") */ });
//           return g;
//       }();
//       return group;
//   }
//
// Keys are the group name, a dot and the field's name ("cache.l1d.sets");
// the MMU's group has no prefix ("l1d.latency"). A setting that belongs to
// another group but is stored in this struct too is bound with shared()
// (memory.latency lives in OsConfig and PlatformOptions as well): it is
// documented once, where it is declared. A command binds the groups it uses
// to its structs in a Target and hands that to the option layer
// (tools/common/command_line.h); add the group to the catalogue in
// tools/settings/catalogue.cpp so `tlmmu settings` and the docs list it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tlmmu/settings/parse.h"

namespace tlmmu::settings {

enum class Kind : uint8_t { integer, real, boolean, choice, text };
const char* to_string(Kind kind);

// What a setting is, whichever struct stores it.
struct Setting {
    std::string key;           // full key: "os.quantum", "memory.latency", "l1d.arrays"
    Kind kind = Kind::integer;
    std::string unit;          // "cycles", "bytes", "records", "%", or ""
    std::string doc;           // one line
    std::string allowed;       // for the docs: "32..52", "off, on, noflush", a syntax
    std::string default_text;  // the default as `key = value` writes it
    std::vector<std::string> aliases;  // older spellings routed to this setting
    bool shared = false;       // declared (and documented) by another group
    // Integer limits, checked when the value is applied.
    uint64_t min = 0, max = std::numeric_limits<uint64_t>::max(), multiple = 1;
    bool power_of_two = false;
    bool positive_real = false;  // real: must be above 0
};

// A group's settings and how to store them in its struct (type-erased).
class GroupBase {
 public:
    virtual ~GroupBase() = default;
    const std::string& name() const { return m_name; }
    const std::string& title() const { return m_title; }
    const std::vector<Setting>& settings() const { return m_settings; }
    // Index of the setting named `key` (full key or alias, case-insensitive;
    // with `relative`, also the key without the group prefix), or -1.
    int find(const std::string& key, bool relative = false) const;
    // Applies `value` to setting `index` of `object` (a pointer to the group's
    // struct). Throws ConfigError "KEY: reason".
    virtual void set(void* object, size_t index, const std::string& value) const = 0;
    virtual std::string get(const void* object, size_t index) const = 0;
    virtual void validate(const void* object) const = 0;

 protected:
    GroupBase(std::string name, std::string title) : m_name(std::move(name)), m_title(std::move(title)) {}
    std::string full_key(const std::string& name) const { return m_name.empty() || m_name == "mmu" ? name : m_name + "." + name; }
    std::string m_name, m_title;
    std::vector<Setting> m_settings;
};

// Fluent access to the setting just declared.
class Declared {
 public:
    explicit Declared(Setting& s) : m_s(s) {}
    Declared& unit(std::string u) { m_s.unit = std::move(u); return *this; }
    Declared& doc(std::string d) { m_s.doc = std::move(d); return *this; }
    Declared& allowed(std::string a) { m_s.allowed = std::move(a); return *this; }
    Declared& range(uint64_t lo, uint64_t hi) { m_s.min = lo; m_s.max = std::min(hi, m_s.max); return *this; }
    Declared& min(uint64_t lo) { m_s.min = lo; return *this; }
    Declared& multiple_of(uint64_t m) { m_s.multiple = m; return *this; }
    Declared& power_of_two() { m_s.power_of_two = true; return *this; }
    Declared& positive() { m_s.positive_real = true; return *this; }
    Declared& alias(std::string old_key) { m_s.aliases.push_back(std::move(old_key)); return *this; }
    Declared& default_text(std::string d) { m_s.default_text = std::move(d); return *this; }

 private:
    Setting& m_s;
};

// Checks an integer against the setting's limits; throws ConfigError.
void check_integer(const Setting& s, uint64_t value, const std::string& text);
// The allowed-values text the docs show for an integer setting.
std::string describe_limits(const Setting& s);

template <class T>
class Group final : public GroupBase {
 public:
    using Setter = std::function<void(T&, const std::string& key, const std::string& value)>;
    using Getter = std::function<std::string(const T&)>;

    // `defaults` supplies the default column of the docs.
    Group(std::string name, std::string title, T defaults = T{})
        : GroupBase(std::move(name), std::move(title)), m_defaults(std::move(defaults)) {}

    // An unsigned integer field (any unsigned type; the type's range is the
    // default limit).
    template <class F>
    Declared integer(const std::string& name, F T::*field) {
        return integer_at(name, [field](T& o) -> F& { return o.*field; });
    }
    // The same for a field reached through `access` (a nested struct member):
    // `access` takes T& and returns a reference to the field.
    template <class Access>
    Declared integer_at(const std::string& name, Access access) {
        using F = std::remove_reference_t<decltype(access(std::declval<T&>()))>;
        static_assert(std::is_integral<F>::value && std::is_unsigned<F>::value, "integer settings are unsigned");
        Setting s;
        s.kind = Kind::integer;
        s.max = std::numeric_limits<F>::max();
        return add(name, s,
                   [access](T& o, const Setting& d, const std::string& v) {
                       const uint64_t n = unsigned_value(d.key, v);
                       check_integer(d, n, v);
                       access(o) = F(n);
                   },
                   [access](const T& o) { return std::to_string(access(const_cast<T&>(o))); });
    }
    Declared real(const std::string& name, double T::*field) {
        Setting s;
        s.kind = Kind::real;
        return add(name, s,
                   [field](T& o, const Setting& d, const std::string& v) {
                       const double x = real_value(d.key, v);
                       if (d.positive_real && !(x > 0)) throw ConfigError(d.key + ": must be above 0, got " + settings::quoted(v));
                       o.*field = x;
                   },
                   [field](const T& o) {
                       std::ostringstream out;
                       out << o.*field;
                       return out.str();
                   });
    }
    // A switch, written back as `on`/`off` text of the caller's choice.
    Declared boolean(const std::string& name, bool T::*field, const char* on = "true", const char* off = "false") {
        return boolean_at(name, [field](T& o) -> bool& { return o.*field; }, on, off);
    }
    template <class Access>
    Declared boolean_at(const std::string& name, Access access, const char* on = "true", const char* off = "false") {
        Setting s;
        s.kind = Kind::boolean;
        s.allowed = std::string(on) + ", " + off;
        return add(name, s, [access](T& o, const Setting& d, const std::string& v) { access(o) = switch_value(d.key, v); },
                   [access, on, off](const T& o) { return std::string(access(const_cast<T&>(o)) ? on : off); });
    }
    // One of a fixed list of names (case-insensitive).
    template <class E>
    Declared choice(const std::string& name, E T::*field, std::vector<std::pair<std::string, E>> choices) {
        Setting s;
        s.kind = Kind::choice;
        for (const auto& c : choices) s.allowed += (s.allowed.empty() ? "" : ", ") + c.first;
        return add(name, s,
                   [field, choices](T& o, const Setting& d, const std::string& v) {
                       const std::string l = lower(v);
                       for (const auto& c : choices)
                           if (c.first == l) {
                               o.*field = c.second;
                               return;
                           }
                       std::string list;
                       for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c.first;
                       throw ConfigError(d.key + ": " + settings::quoted(v) + " is not one of " + list);
                   },
                   [field, choices](const T& o) {
                       for (const auto& c : choices)
                           if (c.second == o.*field) return c.first;
                       return std::string("?");
                   });
    }
    // Anything else: the group parses and prints it (`syntax` goes to the docs).
    Declared text(const std::string& name, std::string syntax, Setter set, Getter get) {
        Setting s;
        s.kind = Kind::text;
        s.allowed = std::move(syntax);
        return add(name, s, [set](T& o, const Setting& d, const std::string& v) { set(o, d.key, v); }, std::move(get));
    }
    // A setting declared by `owner` (its key, doc and limits), stored in this
    // struct's `field` too.
    template <class F>
    void shared(const GroupBase& owner, const std::string& key, F T::*field) {
        const int i = owner.find(key);
        if (i < 0) throw std::logic_error("shared setting '" + key + "' is not declared by " + owner.name());
        Setting s = owner.settings()[size_t(i)];
        s.shared = true;
        m_settings.push_back(s);
        m_set.push_back([field](T& o, const Setting& d, const std::string& v) {
            const uint64_t n = unsigned_value(d.key, v);
            check_integer(d, n, v);
            if (n > std::numeric_limits<F>::max()) throw ConfigError(d.key + ": " + settings::quoted(v) + " is too large");
            o.*field = F(n);
        });
        m_get.push_back([field](const T& o) { return std::to_string(o.*field); });
    }
    void validator(std::function<void(const T&)> check) { m_validate = std::move(check); }

    // Applies one setting by full key (or, with `relative`, by its name
    // inside the group). Throws ConfigError naming the key.
    void apply(T& object, const std::string& key, const std::string& value, bool relative = false) const {
        const int i = find(trim(key), relative);
        if (i < 0) throw ConfigError(unknown_key_message(trim(key), relative));
        set(&object, size_t(i), trim(value));
    }
    // "unknown setting 'KEY' (did you mean 'K'?)"; with `relative` (a key
    // without the group prefix), "unknown GROUP setting 'KEY' ...".
    std::string unknown_key_message(const std::string& key, bool relative = false) const {
        std::vector<std::string> keys;
        const std::string prefix = m_name + ".";
        for (const Setting& s : m_settings) {
            keys.push_back(s.key);
            if (relative && s.key.compare(0, prefix.size(), prefix) == 0) keys.push_back(s.key.substr(prefix.size()));
        }
        const std::string guess = nearest(key, keys);
        return "unknown " + (relative ? m_name + " " : std::string()) + "setting " + settings::quoted(key) +
               (guess.empty() ? "" : " (did you mean " + settings::quoted(guess) + "?)");
    }
    // Every setting's current value, in declaration order.
    std::vector<std::pair<std::string, std::string>> values(const T& object) const {
        std::vector<std::pair<std::string, std::string>> out;
        for (size_t i = 0; i < m_settings.size(); ++i) out.emplace_back(m_settings[i].key, m_get[i](object));
        return out;
    }
    const T& defaults() const { return m_defaults; }

    void set(void* object, size_t index, const std::string& value) const override {
        m_set.at(index)(*static_cast<T*>(object), m_settings.at(index), value);
    }
    std::string get(const void* object, size_t index) const override { return m_get.at(index)(*static_cast<const T*>(object)); }
    void validate(const void* object) const override {
        if (m_validate) m_validate(*static_cast<const T*>(object));
    }

 private:
    using Store = std::function<void(T&, const Setting&, const std::string& value)>;
    Declared add(const std::string& name, Setting s, Store set, Getter get) {
        s.key = full_key(name);
        s.default_text = get(m_defaults);
        m_settings.push_back(std::move(s));
        m_set.push_back(std::move(set));
        m_get.push_back(std::move(get));
        return Declared(m_settings.back());
    }

    T m_defaults;
    std::vector<Store> m_set;
    std::vector<Getter> m_get;
    std::function<void(const T&)> m_validate;
};

// The structs one run configures, each with its group: what `--set`,
// `--config` and the dump of a command work on.
class Target {
 public:
    template <class T>
    Target& bind(const Group<T>& group, T& object) {
        m_bound.push_back({&group, &object});
        return *this;
    }
    // Applies KEY=VALUE to every bound struct that stores KEY. Throws
    // ConfigError "unknown setting 'KEY' (did you mean 'K'?)" or "KEY: reason".
    void apply(const std::string& key, const std::string& value) const;
    // "KEY=VALUE" as one argument.
    void apply_assignment(const std::string& text) const;
    // A file of `key = value` lines ('#' starts a comment): every error names
    // FILE:LINE. Does not validate (the caller does, once all sources are in),
    // but remembers the line that set each key, for validate()'s messages.
    void load_file(const std::string& path) const;
    // Cross-field checks of every bound group. Throws ConfigError; when the
    // message names keys a configuration file set, it starts with FILE:LINE
    // of the last such line.
    void validate() const;
    // Every bound setting and its value (a shared key once), in binding then
    // declaration order: a run's full configuration.
    std::vector<std::pair<std::string, std::string>> values() const;
    // values() as `key = value` lines that load_file reads back.
    std::string dump() const;
    // Every key a bound group accepts (for typo suggestions and help texts).
    std::vector<std::string> keys() const;
    bool empty() const { return m_bound.empty(); }

 private:
    struct Bound {
        const GroupBase* group;
        void* object;
    };
    std::vector<Bound> m_bound;
    // Where a key's value came from, when a file set it last ("FILE:LINE");
    // `order` tells which of two lines came later.
    struct Origin {
        std::string where;
        uint64_t order = 0;
    };
    mutable std::map<std::string, Origin> m_origins;
    mutable uint64_t m_assignments = 0;
};

// The docs table of `groups` (docs/configuration.md): one Markdown table per group.
std::string markdown_table(const std::vector<const GroupBase*>& groups);
// `key = value` lines of every setting's default, with its doc as a comment.
std::string defaults_listing(const std::vector<const GroupBase*>& groups);

// The page-table memory of the walker: one latency, whichever driver runs the
// MMU (OS model, platform, scenario runner, demo, benchmarks).
struct MemoryConfig {
    unsigned latency = 20;  // cycles per page-table entry read (locked A/D updates cost twice)
};
const Group<MemoryConfig>& memory_settings();

}  // namespace tlmmu::settings
