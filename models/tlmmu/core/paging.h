// x86-64 (IA-32e) paging architecture: register bits, entry bits, address split,
// access descriptions and fault reports. Pure C++, no SystemC.
//
// Levels are numbered as the SDM's tables are nested: 5 = PML5, 4 = PML4,
// 3 = PDPT, 2 = PD, 1 = PT. 4-level and 5-level paging differ only in the
// number of levels (data, not code paths).
#pragma once

#include <cstdint>
#include <string>

namespace tlmmu {

namespace cr0 {
constexpr uint64_t PE = 1ull << 0;
constexpr uint64_t WP = 1ull << 16;
constexpr uint64_t PG = 1ull << 31;
}  // namespace cr0

namespace cr4 {
constexpr uint64_t PAE = 1ull << 5;
constexpr uint64_t PGE = 1ull << 7;
constexpr uint64_t LA57 = 1ull << 12;
constexpr uint64_t PCIDE = 1ull << 17;
constexpr uint64_t SMEP = 1ull << 20;
constexpr uint64_t SMAP = 1ull << 21;
constexpr uint64_t PKE = 1ull << 22;
}  // namespace cr4

namespace efer {
constexpr uint64_t LME = 1ull << 8;
constexpr uint64_t LMA = 1ull << 10;
constexpr uint64_t NXE = 1ull << 11;
}  // namespace efer

namespace cr3 {
constexpr uint64_t NOFLUSH = 1ull << 63;  // MOV-to-CR3 hint, never stored
constexpr uint64_t PCID_MASK = 0xfff;
constexpr uint64_t PWT = 1ull << 3;
constexpr uint64_t PCD = 1ull << 4;
}  // namespace cr3

// Paging-structure entry bits (SDM vol. 3A, tables 4-15 to 4-20).
namespace pte {
constexpr uint64_t P = 1ull << 0;
constexpr uint64_t RW = 1ull << 1;
constexpr uint64_t US = 1ull << 2;
constexpr uint64_t PWT = 1ull << 3;
constexpr uint64_t PCD = 1ull << 4;
constexpr uint64_t A = 1ull << 5;
constexpr uint64_t D = 1ull << 6;
constexpr uint64_t PS = 1ull << 7;  // PAT in a PTE
constexpr uint64_t G = 1ull << 8;
constexpr uint64_t PAT_LARGE = 1ull << 12;
constexpr uint64_t XD = 1ull << 63;
constexpr unsigned PKEY_SHIFT = 59;
constexpr uint64_t PKEY_MASK = 0xfull << PKEY_SHIFT;
}  // namespace pte

// Page-fault error code bits.
namespace pf {
constexpr uint32_t P = 1u << 0;
constexpr uint32_t W = 1u << 1;
constexpr uint32_t U = 1u << 2;
constexpr uint32_t RSVD = 1u << 3;
constexpr uint32_t ID = 1u << 4;
constexpr uint32_t PK = 1u << 5;
}  // namespace pf

enum class PageSize : uint8_t { k4 = 0, m2 = 1, g1 = 2 };
constexpr unsigned kPageSizes = 3;

constexpr unsigned page_shift(PageSize s) { return 12u + 9u * unsigned(s); }
constexpr uint64_t page_bytes(PageSize s) { return 1ull << page_shift(s); }
// The level whose entry maps a page of this size: PT for 4K, PD for 2M, PDPT for 1G.
constexpr unsigned leaf_level(PageSize s) { return 1u + unsigned(s); }
const char* to_string(PageSize s);
bool parse_page_size(const std::string& text, PageSize& out);

enum class AccessType : uint8_t { read = 0, write = 1, fetch = 2 };
constexpr unsigned kAccessTypes = 3;
const char* to_string(AccessType t);

// One linear-address access as the MMU sees it.
struct Access {
    uint64_t va = 0;
    AccessType type = AccessType::read;
    bool user = false;      // CPL 3 (ignored when implicit is set)
    bool implicit = false;  // implicit supervisor access (GDT/IDT/TSS...), always supervisor
    bool supervisor() const { return implicit || !user; }
};

enum class FaultKind : uint8_t {
    none = 0,
    gp,   // #GP: non-canonical address, illegal control-register value, bad INVPCID
    pf,   // #PF: page fault, error code and CR2 in the fault
    bus,  // a page-table access was rejected by the memory system (address is physical)
};
const char* to_string(FaultKind k);

struct Fault {
    FaultKind kind = FaultKind::none;
    uint32_t error_code = 0;  // #PF error code
    uint64_t address = 0;     // CR2 for #PF, the physical address for bus
    explicit operator bool() const { return kind != FaultKind::none; }
};

std::string describe_error_code(uint32_t code);  // "P|W|U" style

// Names of paging-structure levels ("pml5", "pml4", "pdpt", "pd", "pt").
const char* level_name(unsigned level);
bool parse_level(const std::string& text, unsigned& level);

// Address geometry of one paging mode.
struct PagingGeometry {
    unsigned levels = 4;  // 4 or 5

    unsigned va_bits() const { return 12 + 9 * levels; }  // 48 or 57
    uint64_t va_mask() const { return (1ull << va_bits()) - 1; }
    bool canonical(uint64_t va) const { return is_canonical(va, va_bits()); }
    // Bits 63:width-1 all equal (sign extension of the top translated bit).
    static bool is_canonical(uint64_t va, unsigned width) {
        return uint64_t(int64_t(va << (64 - width)) >> (64 - width)) == va;
    }
    static unsigned index_shift(unsigned level) { return 12 + 9 * (level - 1); }
    static unsigned index(uint64_t va, unsigned level) { return unsigned(va >> index_shift(level)) & 511; }
};

// The control state the translation depends on.
struct ControlRegs {
    uint64_t cr0 = 0;
    uint64_t cr3 = 0;
    uint64_t cr4 = 0;
    uint64_t efer = 0;
    uint32_t pkru = 0;
    bool ac = false;  // EFLAGS.AC

    bool paging() const { return cr0 & cr0::PG; }
    bool long_mode_active() const { return efer & efer::LMA; }
    unsigned levels() const { return (cr4 & cr4::LA57) ? 5 : 4; }
    bool pcide() const { return cr4 & cr4::PCIDE; }
    uint16_t pcid() const { return pcide() ? uint16_t(cr3 & cr3::PCID_MASK) : 0; }
    bool pge() const { return cr4 & cr4::PGE; }
    bool nxe() const { return efer & efer::NXE; }
    bool wp() const { return cr0 & cr0::WP; }
    bool smep() const { return cr4 & cr4::SMEP; }
    bool smap() const { return cr4 & cr4::SMAP; }
    bool pke() const { return cr4 & cr4::PKE; }
};

// Rights combined over every level of a translation, as TLB and PSC entries hold them.
struct Rights {
    bool writable = true;  // AND of R/W
    bool user = true;      // AND of U/S
    bool nx = false;       // OR of XD (only meaningful with EFER.NXE)
};

// Compact keys for the permission table the MMU derives from check_access:
// the rights of an entry (R/W, U/S, XD, protection key) and the kind of access.
constexpr unsigned kRightsClasses = 128;
constexpr unsigned kAccessClasses = 9;
inline uint8_t rights_class(const Rights& r, unsigned pkey) {
    return uint8_t(unsigned(r.writable) | unsigned(r.user) << 1 | unsigned(r.nx) << 2 | (pkey & 15) << 3);
}
// 3 * type + (0 user, 1 explicit supervisor, 2 implicit supervisor), without branches.
inline unsigned access_class(const Access& a) {
    return unsigned(a.type) * 3 + (unsigned(a.implicit) << 1 | unsigned(!a.implicit & !a.user));
}

// Reserved-bit mask of a present entry at `level` (leaf tells PS=1 / PTE).
uint64_t reserved_bits(unsigned level, bool large_leaf, unsigned maxphyaddr, bool nxe, bool gb_pages);

// Physical address of the next table or page frame held in an entry.
inline uint64_t entry_address(uint64_t entry, unsigned maxphyaddr, unsigned low_bit = 12) {
    const uint64_t top = (maxphyaddr >= 64) ? ~0ull : ((1ull << maxphyaddr) - 1);
    return entry & top & ~((1ull << low_bit) - 1);
}

// Permission check of one access against combined rights (SDM 4.6 and 4.6.2).
// Returns 0 when allowed, or the page-fault error code (P=1) when not.
uint32_t check_access(const Access& access, const Rights& rights, unsigned pkey, const ControlRegs& regs);

// Error-code bits that describe the access itself (W, U, I/D).
uint32_t access_error_bits(const Access& access, const ControlRegs& regs);

}  // namespace tlmmu
