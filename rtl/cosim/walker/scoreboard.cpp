#include "scoreboard.h"

#include <cstdio>
#include <sstream>

namespace tlmmu::cosim::walker {

namespace {

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

const char* fault_name(WalkFault f) {
    switch (f) {
        case WalkFault::none: return "none";
        case WalkFault::pf: return "#PF";
        case WalkFault::bus: return "bus";
        case WalkFault::gp: return "#GP";
    }
    return "?";
}

std::string rights_text(const Rights& r) {
    std::string s;
    s += r.writable ? 'W' : '-';
    s += r.user ? 'U' : 'S';
    s += r.nx ? 'X' : '-';
    return s;
}

}  // namespace

std::string describe(const MemoryAccess& a) {
    std::string s = a.compare_and_set ? "cas  " : "read ";
    s += hex(a.pa);
    if (a.error) return s + " -> rejected";
    if (a.compare_and_set) s += " expect " + hex(a.expected) + " set " + hex(a.bits) + " found";
    else s += " ->";
    return s + " " + hex(a.value);
}

void interfere(SparseMemory& memory, const Interference& plan, unsigned n, uint64_t pa,
               std::vector<std::pair<uint64_t, uint64_t>>* undo) {
    if (!plan.applies(n)) return;
    uint64_t old = 0;
    if (!memory.read64(pa, old)) return;
    if (undo) undo->emplace_back(pa, old);
    memory.write64(pa, old ^ plan.xor_mask);
}

void RecordingAccess::undo_writes() {
    for (auto it = m_undo.rbegin(); it != m_undo.rend(); ++it) m_memory.write64(it->first, it->second);
    m_undo.clear();
}

bool RecordingAccess::read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) {
    cycles += 1;
    MemoryAccess a;
    a.pa = step.pa;
    a.error = !m_memory.read64(step.pa, value);
    a.value = a.error ? 0 : value;
    m_log.push_back(a);
    return !a.error;
}

bool RecordingAccess::locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                                      uint64_t& cycles) {
    cycles += 2;
    interfere(m_memory, m_plan, m_cas_count++, step.pa, &m_undo);
    MemoryAccess a;
    a.compare_and_set = true;
    a.pa = step.pa;
    a.expected = expected;
    a.bits = bits;
    a.error = !tlmmu::locked_set_bits(m_memory, step.pa, expected, bits, observed);
    if (!a.error) {
        a.value = observed;
        if (observed == expected) m_undo.emplace_back(step.pa, observed);  // the value before the write
    }
    m_log.push_back(a);
    return !a.error;
}

WalkResult from_translation(const Translation& t) {
    WalkResult r;
    switch (t.fault.kind) {
        case FaultKind::none: r.fault = WalkFault::none; break;
        case FaultKind::pf: r.fault = WalkFault::pf; break;
        case FaultKind::bus: r.fault = WalkFault::bus; break;
        case FaultKind::gp: r.fault = WalkFault::gp; break;
    }
    if (t.fault) {
        r.error_code = t.fault.error_code;
        r.fault_address = t.fault.address;
        return r;
    }
    r.pa = t.pa;
    r.size = t.size;
    r.rights = t.rights;
    r.pkey = t.pkey;
    r.global = t.global;
    r.dirty = t.dirty;
    return r;
}

std::string compare(const WalkResult& m, const WalkResult& r) {
    std::ostringstream out;
    auto field = [&](const char* name, const std::string& a, const std::string& b) {
        if (a != b) out << "  " << name << ": model " << a << ", rtl " << b << "\n";
    };
    field("fault", fault_name(m.fault), fault_name(r.fault));
    if (m.fault != WalkFault::none || r.fault != WalkFault::none) {
        field("error code", describe_error_code(m.error_code), describe_error_code(r.error_code));
        field("fault address", hex(m.fault_address), hex(r.fault_address));
        return out.str();
    }
    field("pa", hex(m.pa), hex(r.pa));
    field("page size", to_string(m.size), to_string(r.size));
    field("rights", rights_text(m.rights), rights_text(r.rights));
    field("pkey", std::to_string(m.pkey), std::to_string(r.pkey));
    field("global", m.global ? "1" : "0", r.global ? "1" : "0");
    field("dirty", m.dirty ? "1" : "0", r.dirty ? "1" : "0");
    return out.str();
}

std::string describe(const WalkResult& r) {
    if (r.fault == WalkFault::pf)
        return std::string("#PF ") + describe_error_code(r.error_code) + " at " + hex(r.fault_address);
    if (r.fault == WalkFault::bus) return "bus fault at " + hex(r.fault_address);
    if (r.fault == WalkFault::gp) return "#GP";
    return "pa " + hex(r.pa) + " " + to_string(r.size) + " " + rights_text(r.rights) + " pkey " +
           std::to_string(r.pkey) + (r.global ? " G" : "") + (r.dirty ? " D" : "");
}

void Coverage::count(const WalkResult& r, const std::vector<MemoryAccess>& accesses, unsigned start_level) {
    ++walks;
    switch (r.fault) {
        case WalkFault::none: ++ok_by_size[unsigned(r.size)]; break;
        case WalkFault::gp: ++gp; break;
        case WalkFault::pf:
            if (!(r.error_code & pf::P)) ++not_present;
            for (unsigned bit = 0; bit < 6; ++bit)
                if (r.error_code & (1u << bit)) ++pf_bits[bit];
            break;
        case WalkFault::bus:
            if (!accesses.empty() && accesses.back().error) ++bus_read;
            else ++bus_restart_limit;
            break;
    }
    if (r.fault != WalkFault::gp) ++started_at[start_level];
    // Replay the walk's levels: a read descends one level, a lost update starts again.
    unsigned level = start_level, entry_level = start_level;
    for (const MemoryAccess& a : accesses) {
        if (!a.compare_and_set) {
            ++read_accesses;
            entry_level = level--;
            continue;
        }
        ++cas_accesses;
        if (a.error) continue;
        if (a.value != a.expected) {
            ++lost_updates;
            level = start_level;
            continue;
        }
        if (a.bits & pte::A) ++a_writes[entry_level];
        if (a.bits & pte::D) ++d_writes;
    }
}

std::string Coverage::report(unsigned levels, bool psc) const {
    std::ostringstream out;
    out << "coverage: " << walks << " walks, " << levels << "-level paging, walks started "
        << (psc ? "from CR3 or a paging-structure-cache hit" : "from CR3") << "\n";
    out << "  translations  4k " << ok_by_size[0] << "  2m " << ok_by_size[1] << "  1g " << ok_by_size[2] << "\n";
    out << "  #PF           not-present " << not_present;
    static const char* names[] = {"P", "W", "U", "RSVD", "I", "PK"};
    for (unsigned bit = 0; bit < 6; ++bit) out << "  " << names[bit] << " " << pf_bits[bit];
    out << "\n";
    out << "  other faults  bus(read rejected) " << bus_read << "  bus(restart limit) " << bus_restart_limit
        << "  #GP(non-canonical) " << gp << "\n";
    out << "  first entry   ";
    for (unsigned l = levels; l >= 1; --l) out << level_name(l) << " " << started_at[l] << "  ";
    out << "\n  A set         ";
    for (unsigned l = levels; l >= 1; --l) out << level_name(l) << " " << a_writes[l] << "  ";
    out << "\n  D set " << d_writes << "  lost updates (restarts) " << lost_updates << "\n";
    out << "  memory        reads " << read_accesses << "  compare-and-sets " << cas_accesses
        << "  request stall cycles " << memory_stalls << "\n";
    return out.str();
}

std::vector<std::string> Coverage::missing(unsigned levels, bool psc, bool gb_pages) const {
    std::vector<std::string> out;
    auto need = [&](uint64_t count, const std::string& name) {
        if (!count) out.push_back(name);
    };
    need(ok_by_size[0], "4k translation");
    need(ok_by_size[1], "2m translation");
    if (gb_pages) need(ok_by_size[2], "1g translation");
    need(not_present, "not-present #PF");
    static const char* names[] = {"P", "W", "U", "RSVD", "I", "PK"};
    for (unsigned bit = 0; bit < 6; ++bit) need(pf_bits[bit], std::string("#PF with ") + names[bit]);
    need(bus_read, "bus fault on a read");
    need(bus_restart_limit, "bus fault at the restart limit");
    need(gp, "#GP");
    need(started_at[levels], std::string("walk from ") + level_name(levels));
    if (psc)
        for (unsigned l = 1; l < levels; ++l) need(started_at[l], std::string("walk from a cached ") + level_name(l + 1) + "E");
    for (unsigned l = 1; l <= levels; ++l) need(a_writes[l], std::string("A set in ") + level_name(l));
    need(d_writes, "D set");
    need(lost_updates, "lost update");
    need(memory_stalls, "memory stall");
    return out;
}

}  // namespace tlmmu::cosim::walker
