#include "tlmmu/machine/machine.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace tlmmu::machine {

const char* to_string(SmpFault f) {
    switch (f) {
        case SmpFault::none: return "none";
        case SmpFault::ud: return "#UD";
        case SmpFault::gp: return "#GP";
    }
    return "?";
}

namespace {

void add(Mmu::DroppedEntries& to, const Mmu::DroppedEntries& after, const Mmu::DroppedEntries& before) {
    to.l1i += after.l1i - before.l1i;
    to.l1d += after.l1d - before.l1d;
    to.l2 += after.l2 - before.l2;
    for (unsigned l = 2; l <= 5; ++l) to.psc[l] += after.psc[l] - before.psc[l];
}

void add(Mmu::DroppedEntries& to, const Mmu::DroppedEntries& from) {
    to.l1i += from.l1i;
    to.l1d += from.l1d;
    to.l2 += from.l2;
    for (unsigned l = 2; l <= 5; ++l) to.psc[l] += from.psc[l];
}

constexpr CpuMask bit(unsigned cpu) { return CpuMask(1) << cpu; }

}  // namespace

CpuStats& CpuStats::operator+=(const CpuStats& o) {
    ipis_sent += o.ipis_sent;
    ipis_received += o.ipis_received;
    ipi_rounds += o.ipi_rounds;
    ack_wait_cycles += o.ack_wait_cycles;
    interrupt_cycles += o.interrupt_cycles;
    invlpgb_issued += o.invlpgb_issued;
    invlpgb_pages += o.invlpgb_pages;
    broadcasts_applied += o.broadcasts_applied;
    tlbsync += o.tlbsync;
    tlbsync_wait_cycles += o.tlbsync_wait_cycles;
    ud_faults += o.ud_faults;
    gp_faults += o.gp_faults;
    add(dropped_by_ipi, o.dropped_by_ipi);
    add(dropped_by_invlpgb, o.dropped_by_invlpgb);
    return *this;
}

Machine::Machine(const MmuConfig& mmu_config, const SmpConfig& smp, PhysicalAccess& memory)
    : m_smp((validate(smp), smp)) {
    validate(mmu_config);
    for (unsigned i = 0; i < smp.cpus; ++i) {
        MmuConfig c = mmu_config;
        c.seed = mmu_config.seed + 7919ull * i;  // random replacement differs per CPU, reproducibly
        m_cpus.push_back(std::make_unique<Cpu>(i, c, memory));
    }
}

void Machine::check_cpu(unsigned i) const {
    if (i >= m_cpus.size())
        throw std::out_of_range("CPU " + std::to_string(i) + " does not exist (the machine has " +
                                std::to_string(m_cpus.size()) + ")");
}

Cpu& Machine::cpu(unsigned i) {
    check_cpu(i);
    return *m_cpus[i];
}

const Cpu& Machine::cpu(unsigned i) const {
    check_cpu(i);
    return *m_cpus[i];
}

bool Machine::boot(unsigned i, uint64_t root, uint64_t extra_cr4, unsigned levels) {
    Mmu& mmu = cpu(i).mmu;
    bool ok = mmu.write_efer(efer::LME | efer::NXE).ok();
    ok &= mmu.write_cr4(cr4::PAE | (levels == 5 ? cr4::LA57 : 0) | extra_cr4).ok();
    ok &= mmu.write_cr3(root).ok();
    ok &= mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP).ok();
    return ok;
}

bool Machine::boot_all(uint64_t root, uint64_t extra_cr4, unsigned levels) {
    bool ok = true;
    for (unsigned i = 0; i < size(); ++i) ok &= boot(i, root, extra_cr4, levels);
    return ok;
}

Translation Machine::translate(unsigned i, const Access& access) {
    Cpu& c = cpu(i);
    settle(i);
    Translation t = c.mmu.translate(access);
    c.now += t.cycles;
    return t;
}

void Machine::advance(unsigned i, uint64_t cycles) {
    cpu(i).now += cycles;
    settle(i);
}

// ---------------------------------------------------------------------------
// Inter-processor interrupts

IpiResult Machine::send_ipis(unsigned from, CpuMask targets, const Handler& handler, bool wait) {
    IpiResult r;
    Cpu& me = cpu(from);
    r.missing = targets & ~all_cpus();
    if (r.missing) {
        r.ok = false;
        return r;
    }
    settle(from);
    const uint64_t start = me.now;
    uint64_t t = me.now;
    uint64_t last_ack = 0;
    const CpuMask others = targets & ~bit(from);
    for (unsigned i = 0; i < size(); ++i) {
        if (!(others & bit(i))) continue;
        Cpu& rx = *m_cpus[i];
        settle(i);
        t += m_smp.ipi_send;
        const uint64_t arrival = t + m_smp.ipi_latency;
        const Mmu::DroppedEntries before = rx.mmu.dropped_entries();
        const uint64_t work = handler(rx);
        const Mmu::DroppedEntries after = rx.mmu.dropped_entries();
        add(rx.stats.dropped_by_ipi, after, before);
        r.dropped += after.total() - before.total();
        const uint64_t stolen = m_smp.irq_entry + work + m_smp.irq_exit;
        rx.now += stolen;
        rx.stats.interrupt_cycles += stolen;
        ++rx.stats.ipis_received;
        // The handler acknowledges when its work is done, before the interrupt return.
        last_ack = std::max(last_ack, arrival + m_smp.irq_entry + work + m_smp.ack_latency);
        ++r.receivers;
    }
    me.now = t;
    me.stats.ipis_sent += r.receivers;
    if (r.receivers) ++me.stats.ipi_rounds;
    if (targets & bit(from)) me.now += handler(me);  // the local part runs while the IPIs fly
    if (wait && last_ack > me.now) {
        r.ack_wait = last_ack - me.now;
        me.stats.ack_wait_cycles += r.ack_wait;
        me.now = last_ack;
    }
    r.cycles = me.now - start;
    settle(from);
    return r;
}

uint64_t Machine::flush_on(Cpu& c, const FlushRequest& q) {
    Mmu& mmu = c.mmu;
    const bool pcide = mmu.regs().pcide();
    const uint16_t pcid = pcide ? q.pcid : 0;  // without PCIDs everything is PCID 0
    uint64_t cycles = 0;
    switch (q.scope) {
        case FlushRequest::Scope::pages:
            for (unsigned p = 0; p < q.pages; ++p) {
                const uint64_t va = q.va + (uint64_t(p) << q.stride_shift);
                cycles += (pcid == mmu.current_pcid() ? mmu.invlpg(va) : mmu.invpcid(0, pcid, va)).cycles;
            }
            break;
        case FlushRequest::Scope::pcid: cycles += mmu.invpcid(1, pcid, 0).cycles; break;
        case FlushRequest::Scope::all: cycles += mmu.invpcid(2, 0, 0).cycles; break;
    }
    return cycles;
}

IpiResult Machine::shootdown(unsigned from, CpuMask targets, const FlushRequest& request) {
    return send_ipis(from, targets, [&](Cpu& c) { return flush_on(c, request); }, true);
}

// ---------------------------------------------------------------------------
// AMD INVLPGB / TLBSYNC

BroadcastResult Machine::invlpgb(unsigned i, const InvlpgbOperands& ops, unsigned cpl) {
    Cpu& c = cpu(i);
    settle(i);
    BroadcastResult r;
    r.cycles = m_smp.invlpgb_cost;
    const uint32_t extra = ops.ecx & 0xffff;
    if (!m_smp.invlpgb) r.fault = SmpFault::ud;  // CPUID Fn8000_0008_EBX[INVLPGB] = 0
    else if (cpl != 0 || extra > m_smp.invlpgb_max_extra) r.fault = SmpFault::gp;
    if (!r.ok()) {
        ++(r.fault == SmpFault::ud ? c.stats.ud_faults : c.stats.gp_faults);
        c.now += r.cycles;
        return r;
    }
    Broadcast b;
    b.issuer = i;
    b.selector.by_va = ops.rax & invlpgb_flag::VA;
    b.selector.by_pcid = ops.rax & invlpgb_flag::PCID;
    b.selector.pcid = uint16_t((ops.edx >> 16) & cr3::PCID_MASK);
    b.selector.include_global = ops.rax & invlpgb_flag::GLOBAL;
    b.selector.final_only = ops.rax & invlpgb_flag::FINAL_ONLY;
    // Only host translations (ASID 0) are cached here: another ASID selects none.
    b.matches_nothing = (ops.rax & invlpgb_flag::ASID) && (ops.edx & 0xffff) != 0;
    b.va = ops.rax & ~0xfffull;
    b.pages = b.selector.by_va ? extra + 1 : 1;
    b.stride_shift = (ops.ecx & kInvlpgbStride2M) ? 21 : 12;
    b.pending = all_cpus();
    c.now += r.cycles;
    b.done_at = c.now + m_smp.invlpgb_latency + uint64_t(m_smp.invlpgb_page) * (b.pages - 1);
    ++c.stats.invlpgb_issued;
    if (b.selector.by_va) c.stats.invlpgb_pages += b.pages;
    m_pending.push_back(b);
    settle(i);
    return r;
}

BroadcastResult Machine::tlbsync(unsigned i, unsigned cpl) {
    Cpu& c = cpu(i);
    settle(i);
    BroadcastResult r;
    if (!m_smp.invlpgb) r.fault = SmpFault::ud;
    else if (cpl != 0) r.fault = SmpFault::gp;
    if (!r.ok()) {
        ++(r.fault == SmpFault::ud ? c.stats.ud_faults : c.stats.gp_faults);
        r.cycles = m_smp.tlbsync_cost;
        c.now += r.cycles;
        return r;
    }
    const uint64_t start = c.now;
    uint64_t done = start + m_smp.tlbsync_cost;
    const uint64_t ready = done;
    for (Broadcast& b : m_pending) {
        if (b.issuer != i || !b.pending) continue;
        done = std::max(done, b.done_at);
        for (unsigned k = 0; k < size(); ++k)
            if (b.pending & bit(k)) apply(b, *m_cpus[k]);
    }
    m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(), [](const Broadcast& b) { return !b.pending; }),
                    m_pending.end());
    r.wait = done - ready;
    r.cycles = done - start;
    c.now = done;
    ++c.stats.tlbsync;
    c.stats.tlbsync_wait_cycles += r.wait;
    settle(i);
    return r;
}

unsigned Machine::outstanding_broadcasts(unsigned i) const {
    check_cpu(i);
    unsigned n = 0;
    for (const Broadcast& b : m_pending) n += b.issuer == i && b.pending;
    return n;
}

uint64_t Machine::next_broadcast_due(unsigned i) const {
    check_cpu(i);
    uint64_t due = ~0ull;
    for (const Broadcast& b : m_pending)
        if (b.pending & bit(i)) due = std::min(due, b.done_at);
    return due;
}

uint64_t Machine::broadcasts_done_at(unsigned i) const {
    check_cpu(i);
    uint64_t done = 0;
    for (const Broadcast& b : m_pending)
        if (b.issuer == i && b.pending) done = std::max(done, b.done_at);
    return done;
}

void Machine::apply(Broadcast& b, Cpu& c) {
    b.pending &= ~bit(c.id);
    ++c.stats.broadcasts_applied;
    if (b.matches_nothing) return;
    Mmu& mmu = c.mmu;
    const Mmu::DroppedEntries before = mmu.dropped_entries();
    if (b.selector.by_va) {
        for (unsigned p = 0; p < b.pages; ++p) mmu.drop_broadcast_page(b.va + (uint64_t(p) << b.stride_shift), b.selector);
    } else {
        mmu.drop_broadcast_all(b.selector);
    }
    mmu.drop_broadcast_psc(b.selector);
    add(c.stats.dropped_by_invlpgb, mmu.dropped_entries(), before);
}

void Machine::apply_due(unsigned i) {
    Cpu& c = *m_cpus[i];
    bool finished = false;
    for (Broadcast& b : m_pending) {
        if ((b.pending & bit(i)) && b.done_at <= c.now) {
            apply(b, c);
            finished |= !b.pending;
        }
    }
    if (finished)
        m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(), [](const Broadcast& b) { return !b.pending; }),
                        m_pending.end());
}

CpuStats Machine::total_stats() const {
    CpuStats t;
    for (const auto& c : m_cpus) t += c->stats;
    return t;
}

void Machine::reset_stats() {
    for (auto& c : m_cpus) {
        c->stats = CpuStats();
        c->mmu.reset_stats();
    }
}

// ---------------------------------------------------------------------------
// Reporting

namespace {

nlohmann::ordered_json dropped_json(const Mmu::DroppedEntries& d) {
    return {{"l1i", d.l1i}, {"l1d", d.l1d}, {"l2", d.l2}, {"psc_pde", d.psc[2]}, {"psc_pdpte", d.psc[3]},
            {"psc_pml4e", d.psc[4]}, {"psc_pml5e", d.psc[5]}, {"total", d.total()}};
}

nlohmann::ordered_json cpu_json(const CpuStats& s) {
    nlohmann::ordered_json j;
    j["ipi"] = {{"sent", s.ipis_sent}, {"received", s.ipis_received}, {"rounds", s.ipi_rounds},
                {"ack_wait_cycles", s.ack_wait_cycles}, {"interrupt_cycles", s.interrupt_cycles},
                {"dropped", dropped_json(s.dropped_by_ipi)}};
    j["invlpgb"] = {{"issued", s.invlpgb_issued}, {"pages", s.invlpgb_pages}, {"applied", s.broadcasts_applied},
                    {"tlbsync", s.tlbsync}, {"tlbsync_wait_cycles", s.tlbsync_wait_cycles},
                    {"dropped", dropped_json(s.dropped_by_invlpgb)}};
    j["faults"] = {{"ud", s.ud_faults}, {"gp", s.gp_faults}};
    return j;
}

}  // namespace

std::string smp_stats_json(const Machine& m, int indent) {
    nlohmann::ordered_json j;
    j["cpus"] = m.size();
    j["total"] = cpu_json(m.total_stats());
    nlohmann::ordered_json per = nlohmann::ordered_json::array();
    for (unsigned i = 0; i < m.size(); ++i) {
        nlohmann::ordered_json c = cpu_json(m.cpu(i).stats);
        c["cycles"] = m.cpu(i).now;
        per.push_back(c);
    }
    j["per_cpu"] = per;
    return j.dump(indent);
}

std::string smp_stats_summary(const Machine& m) {
    std::ostringstream out;
    const CpuStats t = m.total_stats();
    out << "CPUs: " << m.size() << "\n";
    out << "IPIs: " << t.ipis_sent << " sent in " << t.ipi_rounds << " rounds, " << t.ack_wait_cycles
        << " cycles waiting for acknowledgements, " << t.interrupt_cycles << " cycles stolen from receivers, "
        << t.dropped_by_ipi.total() << " entries dropped remotely\n";
    out << "INVLPGB: " << t.invlpgb_issued << " issued (" << t.invlpgb_pages << " pages), " << t.tlbsync
        << " TLBSYNC waiting " << t.tlbsync_wait_cycles << " cycles, " << t.dropped_by_invlpgb.total()
        << " entries dropped\n";
    for (unsigned i = 0; i < m.size(); ++i) {
        const CpuStats& s = m.cpu(i).stats;
        out << "  cpu" << i << ": " << m.cpu(i).now << " cycles, IPIs " << s.ipis_sent << " sent / "
            << s.ipis_received << " received, " << s.interrupt_cycles << " interrupt cycles, dropped "
            << s.dropped_by_ipi.total() << " by IPI / " << s.dropped_by_invlpgb.total() << " by INVLPGB\n";
    }
    return out.str();
}

}  // namespace tlmmu::machine
