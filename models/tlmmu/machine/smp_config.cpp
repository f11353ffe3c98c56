#include "tlmmu/machine/smp_config.h"


namespace tlmmu::machine {

namespace {

// Cycle settings stay far below 2^32 so that sums over 64 CPUs and 65536
// pages cannot wrap.
constexpr unsigned kMaxCycles = 100000000;

}  // namespace

const settings::Group<SmpConfig>& smp_settings() {
    static const settings::Group<SmpConfig> group = [] {
        settings::Group<SmpConfig> g("smp", "many CPUs: IPIs and AMD INVLPGB/TLBSYNC (docs/smp.md)");
        g.integer("cpus", &SmpConfig::cpus).range(1, kMaxCpus).doc("CPUs (CPU sets are 64-bit masks)");
        g.integer("ipi_send", &SmpConfig::ipi_send).unit("cycles").range(0, kMaxCycles).doc("initiator cycles per IPI sent");
        g.integer("ipi_latency", &SmpConfig::ipi_latency).unit("cycles").range(0, kMaxCycles).doc("IPI send to arrival");
        g.integer("irq_entry", &SmpConfig::irq_entry).unit("cycles").range(0, kMaxCycles).doc("receiver: interrupt entry");
        g.integer("irq_exit", &SmpConfig::irq_exit).unit("cycles").range(0, kMaxCycles).doc("receiver: interrupt return");
        g.integer("ack_latency", &SmpConfig::ack_latency)
            .unit("cycles")
            .range(0, kMaxCycles)
            .doc("acknowledgement written to seen by the initiator");
        g.boolean("invlpgb", &SmpConfig::invlpgb, "on", "off").doc("INVLPGB/TLBSYNC supported (CPUID Fn8000_0008_EBX[3])");
        g.integer("invlpgb_max_extra", &SmpConfig::invlpgb_max_extra)
            .range(0, 0xffff)
            .doc("largest ECX[15:0] one INVLPGB accepts (CPUID Fn8000_0008_EDX[15:0])");
        g.integer("invlpgb_cost", &SmpConfig::invlpgb_cost).unit("cycles").range(0, kMaxCycles).doc("issuer cycles per INVLPGB");
        g.integer("invlpgb_latency", &SmpConfig::invlpgb_latency)
            .unit("cycles")
            .range(0, kMaxCycles)
            .doc("INVLPGB issue to done at every CPU");
        g.integer("invlpgb_page", &SmpConfig::invlpgb_page)
            .unit("cycles")
            .range(0, kMaxCycles)
            .doc("more completion time per page after the first");
        g.integer("tlbsync_cost", &SmpConfig::tlbsync_cost).unit("cycles").range(0, kMaxCycles).doc("TLBSYNC with nothing outstanding");
        return g;
    }();
    return group;
}

void validate(const SmpConfig& c) {
    if (c.cpus < 1 || c.cpus > kMaxCpus)
        throw ConfigError("smp.cpus = " + std::to_string(c.cpus) + ": must be 1 to " + std::to_string(kMaxCpus) +
                          " (CPU sets are 64-bit masks)");
    // Every other limit is one setting's range: applying each value again
    // checks it (a struct filled in by code rather than by settings).
    const settings::Group<SmpConfig>& group = smp_settings();
    SmpConfig scratch;
    for (const auto& kv : group.values(c)) group.apply(scratch, kv.first, kv.second);
}

bool apply_smp_setting(SmpConfig& c, const std::string& key, const std::string& value) {
    if (key.rfind("smp.", 0) != 0) return false;
    smp_settings().apply(c, key, value);
    return true;
}

std::string dump_smp_config(const SmpConfig& c) {
    std::string out;
    for (const auto& kv : smp_settings().values(c)) out += kv.first + " = " + kv.second + "\n";
    return out;
}

}  // namespace tlmmu::machine
