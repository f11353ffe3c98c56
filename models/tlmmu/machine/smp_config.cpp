#include "tlmmu/machine/smp_config.h"

#include <sstream>

namespace tlmmu::machine {

namespace {

// Cycle settings stay far below 2^32 so that sums over 64 CPUs and 65536
// pages cannot wrap.
constexpr unsigned kMaxCycles = 100000000;

struct CycleKey {
    const char* name;
    unsigned SmpConfig::*field;
};
const CycleKey kCycleKeys[] = {
    {"smp.ipi_send", &SmpConfig::ipi_send},         {"smp.ipi_latency", &SmpConfig::ipi_latency},
    {"smp.irq_entry", &SmpConfig::irq_entry},       {"smp.irq_exit", &SmpConfig::irq_exit},
    {"smp.ack_latency", &SmpConfig::ack_latency},   {"smp.invlpgb_cost", &SmpConfig::invlpgb_cost},
    {"smp.invlpgb_latency", &SmpConfig::invlpgb_latency}, {"smp.invlpgb_page", &SmpConfig::invlpgb_page},
    {"smp.tlbsync_cost", &SmpConfig::tlbsync_cost},
};

unsigned parse_unsigned(const std::string& key, const std::string& text) {
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(text, &used, 0);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size() || text[0] == '-' || v > 0xffffffffull)
        throw ConfigError(key + ": bad number '" + text + "'");
    return unsigned(v);
}

}  // namespace

void validate(const SmpConfig& c) {
    if (c.cpus < 1 || c.cpus > kMaxCpus)
        throw ConfigError("smp.cpus = " + std::to_string(c.cpus) + ": must be 1 to " + std::to_string(kMaxCpus) +
                          " (CPU sets are 64-bit masks)");
    for (const CycleKey& k : kCycleKeys)
        if (c.*k.field > kMaxCycles)
            throw ConfigError(std::string(k.name) + " = " + std::to_string(c.*k.field) + ": must be at most " +
                              std::to_string(kMaxCycles) + " cycles");
    if (c.invlpgb_max_extra > 0xffff)
        throw ConfigError("smp.invlpgb_max_extra = " + std::to_string(c.invlpgb_max_extra) +
                          ": must fit CPUID Fn8000_0008_EDX[15:0] (at most 65535)");
}

bool apply_smp_setting(SmpConfig& c, const std::string& key, const std::string& value) {
    if (key.rfind("smp.", 0) != 0) return false;
    if (key == "smp.cpus") {
        c.cpus = parse_unsigned(key, value);
        return true;
    }
    if (key == "smp.invlpgb") {
        if (value == "1" || value == "true" || value == "on") c.invlpgb = true;
        else if (value == "0" || value == "false" || value == "off") c.invlpgb = false;
        else throw ConfigError(key + ": expected on or off, got '" + value + "'");
        return true;
    }
    if (key == "smp.invlpgb_max_extra") {
        c.invlpgb_max_extra = parse_unsigned(key, value);
        return true;
    }
    for (const CycleKey& k : kCycleKeys) {
        if (key == k.name) {
            c.*k.field = parse_unsigned(key, value);
            return true;
        }
    }
    throw ConfigError("unknown setting '" + key + "'");
}

std::string dump_smp_config(const SmpConfig& c) {
    std::ostringstream out;
    out << "smp.cpus = " << c.cpus << "\n";
    out << "smp.invlpgb = " << (c.invlpgb ? "on" : "off") << "\n";
    out << "smp.invlpgb_max_extra = " << c.invlpgb_max_extra << "\n";
    for (const CycleKey& k : kCycleKeys) out << k.name << " = " << c.*k.field << "\n";
    return out.str();
}

}  // namespace tlmmu::machine
