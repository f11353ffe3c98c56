#include "scenario_smp.h"

namespace tlmmu::scenario {

namespace {

using Counters = std::vector<std::pair<std::string, uint64_t>>;

void add_dropped(Counters& out, const std::string& prefix, const Mmu::DroppedEntries& d) {
    out.emplace_back(prefix + ".l1i", d.l1i);
    out.emplace_back(prefix + ".l1d", d.l1d);
    out.emplace_back(prefix + ".l2", d.l2);
    out.emplace_back(prefix + ".psc.pd", d.psc[2]);
    out.emplace_back(prefix + ".psc.pdpt", d.psc[3]);
    out.emplace_back(prefix + ".psc.pml4", d.psc[4]);
    out.emplace_back(prefix + ".psc.pml5", d.psc[5]);
    out.emplace_back(prefix + ".total", d.total());
}

Counters flatten(const machine::CpuStats& s, uint64_t clock, uint64_t outstanding) {
    Counters out;
    out.emplace_back("clock", clock);
    out.emplace_back("ipis_sent", s.ipis_sent);
    out.emplace_back("ipis_received", s.ipis_received);
    out.emplace_back("ipi_rounds", s.ipi_rounds);
    out.emplace_back("ack_wait_cycles", s.ack_wait_cycles);
    out.emplace_back("interrupt_cycles", s.interrupt_cycles);
    out.emplace_back("invlpgb_issued", s.invlpgb_issued);
    out.emplace_back("invlpgb_pages", s.invlpgb_pages);
    out.emplace_back("broadcasts_applied", s.broadcasts_applied);
    out.emplace_back("outstanding_broadcasts", outstanding);
    out.emplace_back("tlbsync", s.tlbsync);
    out.emplace_back("tlbsync_wait_cycles", s.tlbsync_wait_cycles);
    out.emplace_back("faults.ud", s.ud_faults);
    out.emplace_back("faults.gp", s.gp_faults);
    add_dropped(out, "dropped_by_ipi", s.dropped_by_ipi);
    add_dropped(out, "dropped_by_invlpgb", s.dropped_by_invlpgb);
    return out;
}

}  // namespace

std::vector<std::pair<std::string, uint64_t>> flatten_smp_stats(const machine::Machine& m, unsigned cpu) {
    return flatten(m.cpu(cpu).stats, m.cpu(cpu).now, m.outstanding_broadcasts(cpu));
}

bool is_smp_stat_path(const std::string& path) {
    for (const auto& [p, v] : flatten(machine::CpuStats(), 0, 0))
        if (p == path) return true;
    return false;
}

std::string smp_stat_path_list() {
    return "clock, ipis_sent, ipis_received, ack_wait_cycles, interrupt_cycles, invlpgb_issued, broadcasts_applied, "
           "outstanding_broadcasts, tlbsync, tlbsync_wait_cycles, faults.ud|gp, "
           "dropped_by_ipi|dropped_by_invlpgb.l1i|l1d|l2|psc.pd|psc.pdpt|psc.pml4|psc.pml5|total, ...";
}

}  // namespace tlmmu::scenario
