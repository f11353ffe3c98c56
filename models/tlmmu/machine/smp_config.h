// Configuration of the many-CPU machine (tlmmu/machine): how many CPUs, what
// an inter-processor interrupt costs, and the AMD broadcast invalidation
// (INVLPGB/TLBSYNC). All times are in CPU cycles. Settings are the `smp.*`
// keys documented in docs/smp.md.
#pragma once

#include <cstdint>
#include <string>

#include "tlmmu/core/config.h"
#include "tlmmu/settings/registry.h"

namespace tlmmu::machine {

// A set of CPUs, one bit per CPU: the mask bounds the CPU count.
using CpuMask = uint64_t;
constexpr unsigned kMaxCpus = 64;

struct SmpConfig {
    unsigned cpus = 1;  // one CPU unless a run asks for more (platform harts, trace-mode CPUs)
    // Inter-processor interrupts. The initiator writes the interrupt command
    // register once per destination (x2APIC without multicast), the message
    // arrives `ipi_latency` later, the receiver enters its handler, flushes,
    // acknowledges (seen by the initiator `ack_latency` later) and returns.
    unsigned ipi_send = 150;
    unsigned ipi_latency = 1000;
    unsigned irq_entry = 400;
    unsigned irq_exit = 300;
    unsigned ack_latency = 150;
    // AMD INVLPGB/TLBSYNC (APM vol. 3). `invlpgb` is CPUID Fn8000_0008_EBX
    // bit 3; `invlpgb_max_extra` is CPUID Fn8000_0008_EDX[15:0], the largest
    // ECX[15:0] (pages after the first) one INVLPGB accepts.
    bool invlpgb = true;
    unsigned invlpgb_max_extra = 7;
    unsigned invlpgb_cost = 40;       // issuing CPU, per INVLPGB
    unsigned invlpgb_latency = 800;   // issue to done at every CPU
    unsigned invlpgb_page = 4;        // more completion time per page after the first
    unsigned tlbsync_cost = 30;       // TLBSYNC with nothing outstanding
};

// The smp.* settings in the settings registry.
const settings::Group<SmpConfig>& smp_settings();

// Throws tlmmu::ConfigError naming the smp.* key and the reason.
void validate(const SmpConfig& config);

// Applies one `smp.KEY = value` setting (the key with its prefix). Returns
// false for a key outside smp.*; throws ConfigError for an unknown smp key or
// a bad value. Does not validate the whole: call validate() after the last.
bool apply_smp_setting(SmpConfig& config, const std::string& key, const std::string& value);

// The settings as `smp.KEY = value` lines.
std::string dump_smp_config(const SmpConfig& config);

}  // namespace tlmmu::machine
