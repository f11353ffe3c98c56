#include "tlmmu/core/paging.h"

namespace tlmmu {

const char* to_string(PageSize s) {
    switch (s) {
        case PageSize::k4: return "4k";
        case PageSize::m2: return "2m";
        case PageSize::g1: return "1g";
    }
    return "?";
}

bool parse_page_size(const std::string& text, PageSize& out) {
    if (text == "4k" || text == "4K") out = PageSize::k4;
    else if (text == "2m" || text == "2M") out = PageSize::m2;
    else if (text == "1g" || text == "1G") out = PageSize::g1;
    else return false;
    return true;
}

const char* to_string(AccessType t) {
    switch (t) {
        case AccessType::read: return "read";
        case AccessType::write: return "write";
        case AccessType::fetch: return "fetch";
    }
    return "?";
}

const char* to_string(FaultKind k) {
    switch (k) {
        case FaultKind::none: return "none";
        case FaultKind::gp: return "gp";
        case FaultKind::pf: return "pf";
        case FaultKind::bus: return "bus";
    }
    return "?";
}

std::string describe_error_code(uint32_t code) {
    static const char* names[] = {"P", "W", "U", "RSVD", "I", "PK"};
    std::string out;
    for (unsigned bit = 0; bit < 6; ++bit) {
        if (!(code & (1u << bit))) continue;
        if (!out.empty()) out += '|';
        out += names[bit];
    }
    return out.empty() ? "0" : out;
}

const char* level_name(unsigned level) {
    static const char* names[] = {"?", "pt", "pd", "pdpt", "pml4", "pml5"};
    return level <= 5 ? names[level] : "?";
}

bool parse_level(const std::string& text, unsigned& level) {
    for (unsigned l = 1; l <= 5; ++l) {
        if (text == level_name(l)) {
            level = l;
            return true;
        }
    }
    if (text == "pte") level = 1;
    else if (text == "pde") level = 2;
    else if (text == "pdpte") level = 3;
    else if (text == "pml4e") level = 4;
    else if (text == "pml5e") level = 5;
    else return false;
    return true;
}

uint64_t reserved_bits(unsigned level, bool large_leaf, unsigned maxphyaddr, bool nxe, bool gb_pages) {
    // Bits 51:MAXPHYADDR are reserved everywhere; 62:52 are ignored (62:59 are the key).
    uint64_t rsvd = 0;
    for (unsigned bit = maxphyaddr; bit < 52; ++bit) rsvd |= 1ull << bit;
    if (!nxe) rsvd |= pte::XD;
    if (level >= 4) rsvd |= pte::PS;                     // no PS=1 in PML4E/PML5E
    if (level == 3 && large_leaf && !gb_pages) rsvd |= pte::PS;  // 1 GiB pages not supported
    if (large_leaf && level == 3) rsvd |= ((1ull << 30) - 1) & ~((1ull << 13) - 1);  // 29:13
    if (large_leaf && level == 2) rsvd |= ((1ull << 21) - 1) & ~((1ull << 13) - 1);  // 20:13
    return rsvd;
}

uint32_t access_error_bits(const Access& access, const ControlRegs& regs) {
    uint32_t code = 0;
    if (access.type == AccessType::write) code |= pf::W;
    if (!access.supervisor()) code |= pf::U;
    if (access.type == AccessType::fetch && (regs.nxe() || regs.smep())) code |= pf::ID;
    return code;
}

// SDM 4.6.1 (access rights) and 4.6.2 (protection keys). The PK bit of the error
// code is computed on its own (SDM 4.7), so a key violation is reported even when
// another right is also violated.
uint32_t check_access(const Access& access, const Rights& rights, unsigned pkey, const ControlRegs& regs) {
    bool allowed = true;
    const bool supervisor = access.supervisor();
    const bool user_page = rights.user;

    switch (access.type) {
        case AccessType::fetch:
            if (regs.nxe() && rights.nx) allowed = false;
            if (supervisor) {
                if (user_page && regs.smep()) allowed = false;
            } else if (!user_page) {
                allowed = false;
            }
            break;
        case AccessType::read:
            if (supervisor) {
                if (user_page && regs.smap() && (access.implicit || !regs.ac)) allowed = false;
            } else if (!user_page) {
                allowed = false;
            }
            break;
        case AccessType::write:
            if (supervisor) {
                if (user_page && regs.smap() && (access.implicit || !regs.ac)) allowed = false;
                else if (regs.wp() && !rights.writable) allowed = false;
            } else if (!user_page || !rights.writable) {
                allowed = false;
            }
            break;
    }

    bool key_violation = false;
    if (regs.pke() && regs.long_mode_active() && user_page && access.type != AccessType::fetch) {
        const bool access_disable = (regs.pkru >> (2 * pkey)) & 1;
        const bool write_disable = (regs.pkru >> (2 * pkey + 1)) & 1;
        if (access_disable) key_violation = true;
        else if (write_disable && access.type == AccessType::write && (!supervisor || regs.wp()))
            key_violation = true;
    }

    if (allowed && !key_violation) return 0;
    uint32_t code = pf::P | access_error_bits(access, regs);
    if (key_violation) code |= pf::PK;
    return code;
}

}  // namespace tlmmu
