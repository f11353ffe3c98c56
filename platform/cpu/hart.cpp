#include "cpu/hart.h"

#include <algorithm>
#include <stdexcept>

#include "tlmmu/machine/machine.h"

namespace tlmmu::platform {

namespace {

constexpr uint64_t kMisa = (2ull << 62) | (1ull << ('A' - 'A')) | (1ull << ('I' - 'A')) | (1ull << ('M' - 'A')) |
                           (1ull << ('U' - 'A'));
constexpr uint64_t kMstatusUxl = 2ull << 32;  // user mode is 64-bit (read-only)

int64_t mulh(int64_t a, int64_t b) { return int64_t((__int128(a) * __int128(b)) >> 64); }
uint64_t mulhu(uint64_t a, uint64_t b) { return uint64_t((unsigned __int128)a * b >> 64); }
int64_t mulhsu(int64_t a, uint64_t b) { return int64_t((__int128(a) * (unsigned __int128)b) >> 64); }
int64_t sext32(uint64_t v) { return int64_t(int32_t(uint32_t(v))); }

}  // namespace

HartShared::HartShared(uint64_t ram_bytes, unsigned harts)
    : code_pages(ram_bytes >> 12), page_flags(ram_bytes >> 12, 0), blocks(ram_bytes >> 16, nullptr),
      m_reserved(harts, kNoReservation) {}

void HartShared::update_page_flag(uint64_t granule) {
    const uint64_t page = granule >> (12 - kGranuleShift);
    bool reserved = false;
    for (uint64_t g : m_reserved) reserved |= g != kNoReservation && (g >> (12 - kGranuleShift)) == page;
    if (reserved) page_flags[page] |= kPageReserved;
    else page_flags[page] &= uint8_t(~kPageReserved);
}

void HartShared::reserve(unsigned hart, uint64_t ram_offset) {
    release(hart);
    m_reserved[hart] = ram_offset >> kGranuleShift;
    page_flags[ram_offset >> 12] |= kPageReserved;
}

void HartShared::release(unsigned hart) {
    const uint64_t g = m_reserved[hart];
    if (g == kNoReservation) return;
    m_reserved[hart] = kNoReservation;
    update_page_flag(g);
}

void HartShared::stored(unsigned hart, uint64_t ram_offset, unsigned len) {
    const uint64_t first = ram_offset >> kGranuleShift, last = (ram_offset + len - 1) >> kGranuleShift;
    for (unsigned h = 0; h < m_reserved.size(); ++h)
        if (h != hart && m_reserved[h] >= first && m_reserved[h] <= last) release(h);
}

Hart::Hart(machine::Machine& machine, unsigned id, HartShared& shared, HartBus& bus, const TimerState& timer,
           uint64_t ram_base, uint64_t ram_bytes, const HartTiming& timing)
    : m_machine(machine),
      m_id(id),
      m_shared(shared),
      m_mmu(machine.cpu(id).mmu),
      m_bus(bus),
      m_timer(timer),
      m_ram_base(ram_base),
      m_ram_bytes(ram_bytes),
      m_timing(timing) {
    if (ram_bytes == 0 || ram_bytes % (64 * 1024) != 0)
        throw std::invalid_argument("RAM size must be a non-zero multiple of 64 KiB");
    if (shared.page_flags.size() != ram_bytes >> 12)
        throw std::invalid_argument("the harts' shared tables do not cover RAM");
    if (m_timing.timer_divider == 0) m_timing.timer_divider = 1;
    m_ipi_can_wake = machine.size() > 1;
    m_code_pages = shared.code_pages.data();
    m_page_flags = shared.page_flags.data();
    m_blocks = shared.blocks.data();
    // Never keep a fetch translation across a flush or control-register change.
    m_mmu.on_change([this] { m_fetch_block = kNoBlock; });
}

void Hart::reset(uint64_t pc) {
    for (uint64_t& r : m_x) r = 0;
    m_pc = pc;
    m_priv = Privilege::machine;
    m_mstatus = 0;
    m_mie = 0;
    m_mtvec = 0;
    m_mepc = m_mcause = m_mtval = m_mscratch = 0;
    m_mcounteren = ~0ull;
    m_pferr = 0;
    m_stop = false;
    m_yield = false;
    m_sleeping = false;
    m_tlbsync_waiting = false;
    m_shared.release(m_id);
    m_instret_at_last_trap = ~0ull;
    m_traps_without_progress = 0;
    m_irq_check_at = m_next_event = 0;
    m_fetch_block = kNoBlock;
}

void Hart::invalidate_code() {
    for (size_t page = 0; page < m_shared.code_pages.size(); ++page)
        if (m_code_pages[page]) code_written(page << 12);
}

void Hart::exclude_from_dmi(uint64_t pa) {
    const uint64_t off = pa - m_ram_base;
    if (off < m_ram_bytes) m_page_flags[off >> 12] |= kPageNoDmi;
}

uint8_t* Hart::acquire_block(uint64_t offset) {
    uint8_t* b = m_bus.dmi_block(offset & ~0xffffull);
    m_blocks[offset >> 16] = b;
    return b;
}

// ---------------------------------------------------------------------------
// Traps and interrupts

void Hart::take_trap(uint64_t cause, uint64_t tval) { take_trap_at(m_pc, cause, tval); }

void Hart::take_trap_at(uint64_t pc, uint64_t cause, uint64_t tval) {
    ++m_counters.traps;
    m_shared.release(m_id);  // a trap ends the LR reservation (an SC after it fails)
    m_tlbsync_waiting = false;
    if (m_instret != m_instret_at_last_trap) m_traps_without_progress = 0;
    m_instret_at_last_trap = m_instret;
    if (++m_traps_without_progress >= kTrapStormLimit) stop();
    m_mepc = pc;
    m_mcause = cause;
    m_mtval = tval;
    const bool mie = m_mstatus & mstatus_bits::MIE;
    m_mstatus &= ~(mstatus_bits::MIE | mstatus_bits::MPIE | mstatus_bits::MPP);
    if (mie) m_mstatus |= mstatus_bits::MPIE;
    m_mstatus |= uint64_t(m_priv) << 11;
    m_priv = Privilege::machine;
    const uint64_t base = m_mtvec & ~3ull;
    m_pc = ((m_mtvec & 3) == 1 && (cause & cause::interrupt)) ? base + 4 * (cause & 63) : base;
    m_cycles += m_timing.trap_cycles;
    m_fetch_block = kNoBlock;
}

uint64_t Hart::pending_interrupts() const {
    uint64_t p = 0;
    if (m_timer.msip && m_cycles >= m_timer.msip_at) p |= kMipMsip;
    if (mtime() >= m_timer.mtimecmp) p |= kMipMtip;
    return p;
}

bool Hart::check_interrupts() {
    const bool enabled = m_priv == Privilege::user || (m_mstatus & mstatus_bits::MIE);
    const uint64_t pending = pending_interrupts() & m_mie;
    if (enabled && pending) {
        ++m_counters.interrupts;
        take_trap(pending & kMipMsip ? cause::machine_software_interrupt : cause::machine_timer_interrupt, 0);
        m_irq_check_at = ~0ull;  // MIE is now 0: only a CSR write or mret re-enables
        return true;
    }
    m_irq_check_at = ~0ull;
    if (enabled && (m_mie & kMipMtip) && m_timer.mtimecmp != ~0ull) {
        const uint64_t div = m_timing.timer_divider;
        m_irq_check_at = m_timer.mtimecmp > ~0ull / div ? ~0ull : m_timer.mtimecmp * div;
    }
    if (enabled && (m_mie & kMipMsip) && m_timer.msip && m_timer.msip_at > m_cycles)
        m_irq_check_at = std::min(m_irq_check_at, m_timer.msip_at);  // an IPI still in flight
    return false;
}

uint64_t Hart::wake_time() const {
    uint64_t at = ~0ull;
    if ((m_mie & kMipMtip) && m_timer.mtimecmp != ~0ull) {
        const uint64_t div = m_timing.timer_divider;
        at = m_timer.mtimecmp > ~0ull / div ? ~0ull : m_timer.mtimecmp * div;
    }
    if ((m_mie & kMipMsip) && m_timer.msip) at = std::min(at, m_timer.msip_at);
    return std::max(at, m_cycles);
}

void Hart::wake() {
    const uint64_t at = wake_time();
    if (at != ~0ull) m_cycles = at;
    m_sleeping = false;
    m_irq_check_at = m_next_event = 0;
}

void Hart::jump(uint64_t target) {
    m_pc = target;
    m_fetch_block = kNoBlock;
}

// ---------------------------------------------------------------------------
// Memory

bool Hart::translation_fault(const Translation& t, uint64_t va, AccessType type) {
    switch (t.fault.kind) {
        case FaultKind::pf:
            m_pferr = t.fault.error_code;
            take_trap(type == AccessType::fetch  ? cause::fetch_page_fault
                      : type == AccessType::read ? cause::load_page_fault
                                                 : cause::store_page_fault,
                      t.fault.address);
            break;
        case FaultKind::gp:
            take_trap(cause::general_protection, va);
            break;
        default:  // a page-table read outside memory: an access fault at the linear address
            take_trap(type == AccessType::fetch  ? cause::fetch_access
                      : type == AccessType::read ? cause::load_access
                                                 : cause::store_access,
                      va);
            break;
    }
    return false;
}

bool Hart::io(bool write, uint64_t pa, void* data, unsigned len, uint64_t va) {
    ++m_counters.device_accesses;
    uint64_t latency = 0;
    const bool ok = m_bus.io_access(write, pa, static_cast<uint8_t*>(data), len, m_cycles, latency);
    m_cycles += latency;
    m_irq_check_at = m_next_event = 0;  // the timer may have been reprogrammed
    if (!ok) take_trap(write ? cause::store_access : cause::load_access, va);
    return ok;
}

void Hart::code_written(uint64_t offset) {
    const uint64_t page = offset >> 12;
    if (m_code_pages[page]) m_code_pages[page]->valid = false;
    m_page_flags[page] &= uint8_t(~kPageCode);
    m_fetch_block = kNoBlock;
}

bool Hart::store_flagged(uint64_t pa, const void* in, unsigned len, uint64_t va) {
    const uint64_t off = pa - m_ram_base;
    if (off < m_ram_bytes && (m_page_flags[off >> 12] & kPageReserved)) m_shared.stored(m_id, off, len);
    if (off < m_ram_bytes && !(m_page_flags[off >> 12] & kPageNoDmi)) {
        if (uint8_t* p = host(off)) {
            std::memcpy(p, in, len);
            if (m_page_flags[off >> 12] & kPageCode) code_written(off);
            return true;
        }
    }
    if (!io(true, pa, const_cast<void*>(in), len, va)) return false;
    if (off < m_ram_bytes && (m_page_flags[off >> 12] & kPageCode)) code_written(off);  // a non-DMI RAM page
    return true;
}

// An access that may cross a page (it crosses a 4 KiB boundary): its pages
// are translated (and may fault) before any byte moves, split where each
// translated page ends (bytes_left_in_page); each part then goes where its
// page maps. An access of at most 8 bytes has at most two parts.
bool Hart::translate_parts(uint64_t va, unsigned len, AccessType type, Parts& parts) {
    parts.count = 0;
    for (unsigned done = 0; done < len; ++parts.count) {
        const uint64_t part_va = va + done;
        const Translation t = m_mmu.translate(access(part_va, type));
        m_cycles += t.cycles + data_time(t, type == AccessType::write);
        ++m_counters.data_translations;
        if (t.fault) return translation_fault(t, part_va, type);
        const unsigned n = unsigned(std::min<uint64_t>(len - done, bytes_left_in_page(t, part_va)));
        parts.va[parts.count] = part_va;
        parts.pa[parts.count] = t.pa;
        parts.offset[parts.count] = done;
        parts.length[parts.count] = n;
        done += n;
    }
    return true;
}

bool Hart::load_slow(uint64_t va, void* out, unsigned len) {
    Parts parts;
    if (!translate_parts(va, len, AccessType::read, parts)) return false;
    uint8_t* bytes = static_cast<uint8_t*>(out);
    const uint64_t* const pa = parts.pa;
    const uint64_t* const part_va = parts.va;
    const unsigned* const part_len = parts.length;
    for (unsigned i = 0; i < parts.count; ++i) {
        const uint64_t off = pa[i] - m_ram_base;
        uint8_t* dst = bytes + parts.offset[i];
        if (off < m_ram_bytes && !(m_page_flags[off >> 12] & kPageNoDmi)) {
            if (uint8_t* p = host(off)) {
                std::memcpy(dst, p, part_len[i]);
                continue;
            }
        }
        if (!io(false, pa[i], dst, part_len[i], part_va[i])) return false;
    }
    return true;
}

bool Hart::store_slow(uint64_t va, const void* in, unsigned len) {
    ++m_stores;
    Parts parts;
    if (!translate_parts(va, len, AccessType::write, parts)) return false;
    const uint8_t* bytes = static_cast<const uint8_t*>(in);
    for (unsigned i = 0; i < parts.count; ++i)
        if (!store_flagged(parts.pa[i], bytes + parts.offset[i], parts.length[i], parts.va[i])) return false;
    return true;
}

bool Hart::refetch() {
    const Translation t = m_mmu.translate(access(m_pc, AccessType::fetch));
    ++m_counters.fetch_translations;
    m_cycles += t.cycles;
    if (t.fault) return translation_fault(t, m_pc, AccessType::fetch);
    m_cycles += fetch_time(t);
    const uint64_t off = t.pa - m_ram_base;
    if ((off >> 12) == m_code_page_index && *m_code_page_valid) {  // still on the decoded page in use
        m_fetch_block = m_pc & ~63ull;
        return true;
    }
    uint8_t* page_bytes = off < m_ram_bytes ? host(off & ~0xfffull) : nullptr;
    if (!page_bytes) {
        take_trap(cause::fetch_access, m_pc);
        return false;
    }
    std::unique_ptr<DecodedPage>& page = m_code_pages[off >> 12];
    if (!page) page = std::make_unique<DecodedPage>();
    if (!page->valid) {
        for (unsigned i = 0; i < 1024; ++i) {
            uint32_t raw;
            std::memcpy(&raw, page_bytes + 4 * i, 4);
            page->insns[i] = decode(raw);
        }
        page->valid = true;
        ++m_counters.decoded_pages;
    }
    m_page_flags[off >> 12] |= kPageCode;
    m_code = page->insns;
    m_code_page_index = off >> 12;
    m_code_page_valid = &page->valid;
    m_fetch_block = m_pc & ~63ull;
    return true;
}

// ---------------------------------------------------------------------------
// CSRs

uint64_t Hart::mmu_counter(unsigned n) const {
    const MmuStats& s = m_mmu.stats();
    switch (n) {
        case 3: return s.l1i.total_hits();
        case 4: return s.l1i.total_misses();
        case 5: return s.l1d.total_hits();
        case 6: return s.l1d.total_misses();
        case 7: return s.l2.total_hits();
        case 8: return s.l2.total_misses();
        case 9: return s.walk.walks;
        case 10: return s.walk.pt_reads;
        case 11: {
            uint64_t hits = 0;
            for (unsigned level = 2; level <= 5; ++level) hits += s.psc[level].hits;
            return hits;
        }
        case 12: return s.faults[unsigned(FaultKind::pf)];
        case 13:
            return s.ops[unsigned(Operation::invlpg)].count + s.ops[unsigned(Operation::invpcid)].count +
                   s.ops[unsigned(Operation::mov_cr3)].count + s.ops[unsigned(Operation::mov_cr0)].count +
                   s.ops[unsigned(Operation::mov_cr4)].count;
        case 14: {
            uint64_t dropped = s.l1i.total_invalidations() + s.l1d.total_invalidations() + s.l2.total_invalidations();
            for (unsigned level = 2; level <= 5; ++level) dropped += s.psc[level].total_invalidations();
            return dropped;
        }
        case 15: return s.latency.sum;
        default: return 0;  // hpm counters 16-31 are hard-wired to zero
    }
}

bool Hart::read_csr(unsigned number, uint64_t& value) { return csr_read(number, value); }

bool Hart::csr_read(unsigned n, uint64_t& v) {
    if (n >= csr::cycle && n <= csr::cycle + 31) {
        if (m_priv == Privilege::user && !((m_mcounteren >> (n & 31)) & 1)) return false;
        if (n == csr::cycle) v = m_cycles + uint64_t(m_mcycle_offset);
        else if (n == csr::time) v = mtime();
        else if (n == csr::instret) v = m_instret + uint64_t(m_minstret_offset);
        else v = mmu_counter(n & 31);
        return true;
    }
    if (n >= csr::mcycle + 3 && n <= csr::mcycle + 31) {
        v = mmu_counter(n & 31);
        return true;
    }
    if (n >= 0x323 && n <= 0x33F) {  // mhpmevent3..31: the events are fixed
        v = 0;
        return true;
    }
    const ControlRegs& regs = m_mmu.regs();
    switch (n) {
        case csr::mstatus: v = m_mstatus | kMstatusUxl; return true;
        case csr::misa: v = kMisa; return true;
        case csr::mie: v = m_mie; return true;
        case csr::mtvec: v = m_mtvec; return true;
        case csr::mcounteren: v = m_mcounteren & 0xffffffffull; return true;
        case csr::mscratch: v = m_mscratch; return true;
        case csr::mepc: v = m_mepc; return true;
        case csr::mcause: v = m_mcause; return true;
        case csr::mtval: v = m_mtval; return true;
        case csr::mip: v = pending_interrupts(); return true;
        case csr::mcycle: v = m_cycles + uint64_t(m_mcycle_offset); return true;
        case csr::minstret: v = m_instret + uint64_t(m_minstret_offset); return true;
        case csr::mvendorid: case csr::marchid: case csr::mimpid: v = 0; return true;
        case csr::mhartid: v = m_id; return true;
        case csr::cr0: v = regs.cr0; return true;
        case csr::cr3: v = regs.cr3; return true;
        case csr::cr4: v = regs.cr4; return true;
        case csr::efer: v = regs.efer; return true;
        case csr::pkru: v = regs.pkru; return true;
        case csr::xflags: v = regs.ac ? 1 : 0; return true;
        case csr::pferr: v = m_pferr; return true;
        default: return false;
    }
}

// Adds the operation's cost; 2 when the MMU refused it (#GP), else 0.
static int finish_operation(const OperationResult& r, uint64_t& cycles) {
    cycles += r.cycles;
    return r.fault ? 2 : 0;
}

bool Hart::csr_instruction(const Insn& in) {
    const unsigned n = unsigned(in.imm) & 0xfff;
    const bool immediate = in.op == Op::csrrwi || in.op == Op::csrrsi || in.op == Op::csrrci;
    const uint64_t operand = immediate ? in.rs1 : m_x[in.rs1];
    const bool is_write_op = in.op == Op::csrrw || in.op == Op::csrrwi;
    const bool writes = is_write_op || in.rs1 != 0;
    if (unsigned(m_priv) < ((n >> 8) & 3) || (writes && (n >> 10) == 3)) {
        take_trap(cause::illegal_instruction, in.raw);
        return false;
    }
    uint64_t old = 0;
    if (!csr_read(n, old)) {
        take_trap(cause::illegal_instruction, in.raw);
        return false;
    }
    if (writes) {
        uint64_t value = operand;
        if (in.op == Op::csrrs || in.op == Op::csrrsi) value = old | operand;
        if (in.op == Op::csrrc || in.op == Op::csrrci) value = old & ~operand;
        m_cycles += m_timing.csr_write_cycles;
        int result = 0;
        switch (n) {
            case csr::mstatus: {
                uint64_t s = value & (mstatus_bits::MIE | mstatus_bits::MPIE);
                if (((value >> 11) & 3) == 3) s |= mstatus_bits::MPP;  // MPP holds M or U only
                m_mstatus = s;
                m_irq_check_at = m_next_event = 0;
                break;
            }
            case csr::mie: m_mie = value & (kMipMsip | kMipMtip | (1ull << 11)); m_irq_check_at = m_next_event = 0; break;
            case csr::mtvec: m_mtvec = (value & 3) <= 1 ? value : value & ~3ull; break;
            case csr::mcounteren: m_mcounteren = value & 0xffffffffull; break;
            case csr::mscratch: m_mscratch = value; break;
            case csr::mepc: m_mepc = value & ~3ull; break;
            case csr::mcause: m_mcause = value; break;
            case csr::mtval: m_mtval = value; break;
            case csr::mcycle: m_mcycle_offset = int64_t(value - m_cycles); break;
            // The write takes effect after this instruction retires (instret counts it).
            case csr::minstret: m_minstret_offset = int64_t(value - (m_instret + 1)); break;
            case csr::cr0: result = finish_operation(m_mmu.write_cr0(value), m_cycles); break;
            case csr::cr3: result = finish_operation(m_mmu.write_cr3(value), m_cycles); break;
            case csr::cr4: result = finish_operation(m_mmu.write_cr4(value), m_cycles); break;
            case csr::efer: result = finish_operation(m_mmu.write_efer(value), m_cycles); break;
            case csr::pkru:
                if (value >> 32) result = 2;
                else result = finish_operation(m_mmu.write_pkru(uint32_t(value)), m_cycles);
                break;
            case csr::xflags: m_mmu.set_ac(value & 1); break;
            default: break;  // mip, misa, mhpmcounter/event, ids: writes ignored
        }
        if (result == 2) {
            take_trap(cause::general_protection, 0);
            return false;
        }
    }
    m_x[in.rd] = old;
    return true;
}

// ---------------------------------------------------------------------------
// The A extension and the broadcast invalidation instructions (out of the
// interpreter loop: rare next to loads and stores)

__attribute__((noinline)) bool Hart::atomic_read(uint64_t pa, uint64_t& value, unsigned len, uint64_t va,
                                                 bool store_fault) {
    value = 0;
    const uint64_t off = pa - m_ram_base;
    if (off < m_ram_bytes && !(m_page_flags[off >> 12] & kPageNoDmi)) {
        if (uint8_t* p = host(off)) {
            std::memcpy(&value, p, len);
            return true;
        }
    }
    ++m_counters.device_accesses;
    uint64_t latency = 0;
    const bool ok = m_bus.io_access(false, pa, reinterpret_cast<uint8_t*>(&value), len, m_cycles, latency);
    m_cycles += latency;
    m_irq_check_at = m_next_event = 0;
    if (!ok) take_trap(store_fault ? cause::store_access : cause::load_access, va);
    return ok;
}

// LR, SC and the AMOs: naturally aligned (else an address-misaligned trap);
// an AMO and an SC are translated as stores (write permission, A and D
// updates), LR as a load. One translation and one data access each.
__attribute__((noinline)) bool Hart::atomic(const Insn& in) {
    const bool dw = is_doubleword_atomic(in.op);
    const unsigned len = dw ? 8 : 4;
    const uint64_t va = m_x[in.rs1];
    const uint64_t src = m_x[in.rs2];
    const bool is_lr = in.op == Op::lr_w || in.op == Op::lr_d;
    const bool is_sc = in.op == Op::sc_w || in.op == Op::sc_d;
    if (va & (len - 1)) {
        take_trap(is_lr ? cause::misaligned_load : cause::misaligned_store, va);
        return false;
    }
    const AccessType type = is_lr ? AccessType::read : AccessType::write;
    const Translation t = m_mmu.translate(access(va, type));
    m_cycles += t.cycles + data_time(t, !is_lr);
    ++m_counters.data_translations;
    if (t.fault) return translation_fault(t, va, type);
    const uint64_t off = t.pa - m_ram_base;
    const bool in_ram = off < m_ram_bytes;
    auto extend = [dw](uint64_t v) { return dw ? v : uint64_t(sext32(v)); };
    auto write = [&](uint64_t v) {
        ++m_stores;
        if (in_ram && !m_page_flags[off >> 12]) {
            if (uint8_t* p = host(off)) {
                std::memcpy(p, &v, len);
                return true;
            }
        }
        return store_flagged(t.pa, &v, len, va);
    };
    if (is_lr) {
        uint64_t v;
        if (!atomic_read(t.pa, v, len, va, false)) return false;
        if (in_ram) m_shared.reserve(m_id, off);
        else m_shared.release(m_id);  // nothing to watch outside RAM: the SC fails
        m_x[in.rd] = extend(v);
        return true;
    }
    if (is_sc) {
        const bool reserved = in_ram && m_shared.holds(m_id, off);
        m_shared.release(m_id);  // an SC ends the reservation, whether it succeeds or not
        if (reserved && !write(src)) return false;
        m_x[in.rd] = reserved ? 0 : 1;
        return true;
    }
    uint64_t raw;
    if (!atomic_read(t.pa, raw, len, va, true)) return false;
    const uint64_t old = extend(raw);
    const uint64_t b = extend(src);
    uint64_t result = 0;
    switch (in.op) {
        case Op::amoswap_w: case Op::amoswap_d: result = b; break;
        case Op::amoadd_w: case Op::amoadd_d: result = old + b; break;
        case Op::amoxor_w: case Op::amoxor_d: result = old ^ b; break;
        case Op::amoand_w: case Op::amoand_d: result = old & b; break;
        case Op::amoor_w: case Op::amoor_d: result = old | b; break;
        case Op::amomin_w: case Op::amomin_d: result = int64_t(old) < int64_t(b) ? old : b; break;
        case Op::amomax_w: case Op::amomax_d: result = int64_t(old) > int64_t(b) ? old : b; break;
        // Unsigned compares of the sign-extended words order them as 32-bit unsigned values too.
        case Op::amominu_w: case Op::amominu_d: result = old < b ? old : b; break;
        case Op::amomaxu_w: case Op::amomaxu_d: result = old > b ? old : b; break;
        default: break;
    }
    if (!write(result)) return false;
    m_x[in.rd] = old;
    return true;
}

// INVLPGB / TLBSYNC through the machine (docs/smp.md): the CPU's clock is the
// hart's cycle count for the call; #UD is an illegal instruction, #GP cause 24.
__attribute__((noinline)) bool Hart::broadcast_instruction(const Insn& in, uint64_t a, uint64_t b) {
    if (m_priv == Privilege::user) {
        take_trap(cause::illegal_instruction, in.raw);
        return false;
    }
    machine::Cpu& cpu = m_machine.cpu(m_id);
    if (in.op == Op::tlbsync && m_machine.config().invlpgb) {
        if (!m_tlbsync_waiting) m_tlbsync_start = m_cycles;
        const uint64_t done = m_machine.broadcasts_done_at(m_id);
        if (done > m_cycles) {
            // Wait at the completion time, the instruction not yet retired: the
            // platform runs every other hart up to it (each applies the
            // broadcasts there), then this TLBSYNC executes again.
            m_tlbsync_waiting = true;
            m_cycles = done;
            yield();
            return false;
        }
        if (m_tlbsync_waiting) m_cycles = m_tlbsync_start;
        m_tlbsync_waiting = false;
    }
    cpu.now = m_cycles;
    const machine::BroadcastResult r =
        in.op == Op::invlpgb ? m_machine.invlpgb(m_id, {a, uint32_t(b), uint32_t(b >> 32)}, 0) : m_machine.tlbsync(m_id, 0);
    m_cycles = cpu.now;
    yield();  // the platform bounds the next slice by the broadcast's completion
    if (r.fault == machine::SmpFault::ud) {
        take_trap(cause::illegal_instruction, in.raw);
        return false;
    }
    if (r.fault == machine::SmpFault::gp) {
        take_trap(cause::general_protection, 0);
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------
// The interpreter

// flatten: the MMU's inline L1-hit path and the load/store functions are inlined
// into the loop (the compiler would otherwise call them out of line).
__attribute__((flatten)) void Hart::run(uint64_t instret_limit, uint64_t cycle_limit) {
    uint64_t* const x = m_x;
    m_next_event = 0;
    m_yield = false;
    if (m_sleeping) wake();
    for (;;) {
        // One compare per instruction covers stop(), yield(), the cycle limit
        // and pending-interrupt checks: each of them lowers m_next_event.
        if (m_cycles >= m_next_event || m_instret >= instret_limit) {
            if (m_stop || m_yield || m_instret >= instret_limit || m_cycles >= cycle_limit) break;
            if (m_cycles >= m_irq_check_at && check_interrupts()) continue;
            m_next_event = std::min(cycle_limit, m_irq_check_at);
        }
        if ((m_pc & ~63ull) != m_fetch_block && !refetch()) continue;
        const Insn& in = m_code[(m_pc >> 2) & 1023];
        const uint64_t a = x[in.rs1];
        const uint64_t b = x[in.rs2];
        const int64_t imm = in.imm;
        uint64_t next = m_pc + 4;
        ++m_cycles;
        switch (in.op) {
            case Op::lui: x[in.rd] = uint64_t(imm); break;
            case Op::auipc: x[in.rd] = m_pc + uint64_t(imm); break;
            case Op::jal:
            case Op::jalr: {
                const uint64_t target = in.op == Op::jal ? m_pc + uint64_t(imm) : (a + uint64_t(imm)) & ~1ull;
                if (target & 3) {
                    take_trap(cause::misaligned_fetch, target);
                    continue;
                }
                x[in.rd] = next;
                next = target;
                m_fetch_block = kNoBlock;
                break;
            }
#define TLMMU_BRANCH(cond)                              \
    if (cond) {                                         \
        const uint64_t target = m_pc + uint64_t(imm);   \
        if (target & 3) {                               \
            take_trap(cause::misaligned_fetch, target); \
            continue;                                   \
        }                                               \
        next = target;                                  \
        m_fetch_block = kNoBlock;                       \
    }                                                   \
    break;
            case Op::beq: TLMMU_BRANCH(a == b)
            case Op::bne: TLMMU_BRANCH(a != b)
            case Op::blt: TLMMU_BRANCH(int64_t(a) < int64_t(b))
            case Op::bge: TLMMU_BRANCH(int64_t(a) >= int64_t(b))
            case Op::bltu: TLMMU_BRANCH(a < b)
            case Op::bgeu: TLMMU_BRANCH(a >= b)
#undef TLMMU_BRANCH
#define TLMMU_LOAD(type, extend)                      \
    {                                                 \
        type v;                                       \
        if (!load(a + uint64_t(imm), v)) continue;    \
        x[in.rd] = uint64_t(extend(v));               \
        break;                                        \
    }
            case Op::lb: TLMMU_LOAD(int8_t, int64_t)
            case Op::lh: TLMMU_LOAD(int16_t, int64_t)
            case Op::lw: TLMMU_LOAD(int32_t, int64_t)
            case Op::ld: TLMMU_LOAD(uint64_t, uint64_t)
            case Op::lbu: TLMMU_LOAD(uint8_t, uint64_t)
            case Op::lhu: TLMMU_LOAD(uint16_t, uint64_t)
            case Op::lwu: TLMMU_LOAD(uint32_t, uint64_t)
#undef TLMMU_LOAD
            case Op::sb: if (!store(a + uint64_t(imm), uint8_t(b))) continue; break;
            case Op::sh: if (!store(a + uint64_t(imm), uint16_t(b))) continue; break;
            case Op::sw: if (!store(a + uint64_t(imm), uint32_t(b))) continue; break;
            case Op::sd: if (!store(a + uint64_t(imm), b)) continue; break;
            case Op::addi: x[in.rd] = a + uint64_t(imm); break;
            case Op::slti: x[in.rd] = int64_t(a) < imm; break;
            case Op::sltiu: x[in.rd] = a < uint64_t(imm); break;
            case Op::xori: x[in.rd] = a ^ uint64_t(imm); break;
            case Op::ori: x[in.rd] = a | uint64_t(imm); break;
            case Op::andi: x[in.rd] = a & uint64_t(imm); break;
            case Op::slli: x[in.rd] = a << imm; break;
            case Op::srli: x[in.rd] = a >> imm; break;
            case Op::srai: x[in.rd] = uint64_t(int64_t(a) >> imm); break;
            case Op::add: x[in.rd] = a + b; break;
            case Op::sub: x[in.rd] = a - b; break;
            case Op::sll: x[in.rd] = a << (b & 63); break;
            case Op::slt: x[in.rd] = int64_t(a) < int64_t(b); break;
            case Op::sltu: x[in.rd] = a < b; break;
            case Op::xor_: x[in.rd] = a ^ b; break;
            case Op::srl: x[in.rd] = a >> (b & 63); break;
            case Op::sra: x[in.rd] = uint64_t(int64_t(a) >> (b & 63)); break;
            case Op::or_: x[in.rd] = a | b; break;
            case Op::and_: x[in.rd] = a & b; break;
            case Op::addiw: x[in.rd] = uint64_t(sext32(a + uint64_t(imm))); break;
            case Op::slliw: x[in.rd] = uint64_t(sext32(a << imm)); break;
            case Op::srliw: x[in.rd] = uint64_t(sext32(uint32_t(a) >> imm)); break;
            case Op::sraiw: x[in.rd] = uint64_t(int64_t(int32_t(uint32_t(a)) >> imm)); break;
            case Op::addw: x[in.rd] = uint64_t(sext32(a + b)); break;
            case Op::subw: x[in.rd] = uint64_t(sext32(a - b)); break;
            case Op::sllw: x[in.rd] = uint64_t(sext32(a << (b & 31))); break;
            case Op::srlw: x[in.rd] = uint64_t(sext32(uint32_t(a) >> (b & 31))); break;
            case Op::sraw: x[in.rd] = uint64_t(int64_t(int32_t(uint32_t(a)) >> (b & 31))); break;
            case Op::mul: x[in.rd] = a * b; m_cycles += m_timing.mul_cycles; break;
            case Op::mulh: x[in.rd] = uint64_t(mulh(int64_t(a), int64_t(b))); m_cycles += m_timing.mul_cycles; break;
            case Op::mulhsu: x[in.rd] = uint64_t(mulhsu(int64_t(a), b)); m_cycles += m_timing.mul_cycles; break;
            case Op::mulhu: x[in.rd] = mulhu(a, b); m_cycles += m_timing.mul_cycles; break;
            case Op::mulw: x[in.rd] = uint64_t(sext32(a * b)); m_cycles += m_timing.mul_cycles; break;
            case Op::div:
                x[in.rd] = b == 0                                     ? ~0ull
                           : (int64_t(a) == INT64_MIN && int64_t(b) == -1) ? a
                                                                     : uint64_t(int64_t(a) / int64_t(b));
                m_cycles += m_timing.div_cycles;
                break;
            case Op::divu: x[in.rd] = b == 0 ? ~0ull : a / b; m_cycles += m_timing.div_cycles; break;
            case Op::rem:
                x[in.rd] = b == 0                                     ? a
                           : (int64_t(a) == INT64_MIN && int64_t(b) == -1) ? 0
                                                                     : uint64_t(int64_t(a) % int64_t(b));
                m_cycles += m_timing.div_cycles;
                break;
            case Op::remu: x[in.rd] = b == 0 ? a : a % b; m_cycles += m_timing.div_cycles; break;
            case Op::divw: {
                const int32_t x1 = int32_t(a), y1 = int32_t(b);
                x[in.rd] = uint64_t(int64_t(y1 == 0 ? -1 : (x1 == INT32_MIN && y1 == -1) ? x1 : x1 / y1));
                m_cycles += m_timing.div_cycles;
                break;
            }
            case Op::divuw: {
                const uint32_t x1 = uint32_t(a), y1 = uint32_t(b);
                x[in.rd] = uint64_t(sext32(y1 == 0 ? ~0u : x1 / y1));
                m_cycles += m_timing.div_cycles;
                break;
            }
            case Op::remw: {
                const int32_t x1 = int32_t(a), y1 = int32_t(b);
                x[in.rd] = uint64_t(int64_t(y1 == 0 ? x1 : (x1 == INT32_MIN && y1 == -1) ? 0 : x1 % y1));
                m_cycles += m_timing.div_cycles;
                break;
            }
            case Op::remuw: {
                const uint32_t x1 = uint32_t(a), y1 = uint32_t(b);
                x[in.rd] = uint64_t(sext32(y1 == 0 ? x1 : x1 % y1));
                m_cycles += m_timing.div_cycles;
                break;
            }
            case Op::fence: break;
            case Op::fence_i: m_fetch_block = kNoBlock; break;  // stores already invalidate decoded code
            case Op::csrrw: case Op::csrrs: case Op::csrrc:
            case Op::csrrwi: case Op::csrrsi: case Op::csrrci:
                if (!csr_instruction(in)) continue;
                break;
            case Op::ecall:
                take_trap(m_priv == Privilege::user ? cause::ecall_u : cause::ecall_m, 0);
                continue;
            case Op::ebreak:
                take_trap(cause::breakpoint, m_pc);
                continue;
            case Op::mret: {
                if (m_priv == Privilege::user) {
                    take_trap(cause::illegal_instruction, in.raw);
                    continue;
                }
                m_priv = ((m_mstatus >> 11) & 3) == 3 ? Privilege::machine : Privilege::user;
                const bool mpie = m_mstatus & mstatus_bits::MPIE;
                m_mstatus &= ~(mstatus_bits::MIE | mstatus_bits::MPP);
                m_mstatus |= mstatus_bits::MPIE;
                if (mpie) m_mstatus |= mstatus_bits::MIE;
                next = m_mepc;
                m_fetch_block = kNoBlock;
                m_irq_check_at = m_next_event = 0;
                m_cycles += m_timing.trap_cycles;
                break;
            }
            case Op::wfi: {
                if (m_priv == Privilege::user) {
                    take_trap(cause::illegal_instruction, in.raw);
                    continue;
                }
                if (!(pending_interrupts() & m_mie)) {
                    if (m_ipi_can_wake) {
                        // Another hart may wake this one: sleep and let the platform
                        // run the others until the wake-up (Hart::wake_time).
                        if (m_mie & (kMipMsip | kMipMtip)) {
                            m_sleeping = true;
                            yield();
                        }
                    } else if (const uint64_t at = wake_time(); at != ~0ull) {
                        m_cycles = at;  // alone: jump to the timer interrupt
                    }
                }
                m_irq_check_at = m_next_event = 0;
                break;
            }
            case Op::invlpgb:
            case Op::tlbsync:
                if (!broadcast_instruction(in, a, b)) continue;
                break;
            case Op::lr_w: case Op::lr_d: case Op::sc_w: case Op::sc_d:
            case Op::amoswap_w: case Op::amoswap_d: case Op::amoadd_w: case Op::amoadd_d:
            case Op::amoxor_w: case Op::amoxor_d: case Op::amoand_w: case Op::amoand_d:
            case Op::amoor_w: case Op::amoor_d: case Op::amomin_w: case Op::amomin_d:
            case Op::amomax_w: case Op::amomax_d: case Op::amominu_w: case Op::amominu_d:
            case Op::amomaxu_w: case Op::amomaxu_d:
                if (!atomic(in)) continue;
                break;
            case Op::invlpg:
            case Op::invpcid: {
                if (m_priv == Privilege::user) {
                    take_trap(cause::illegal_instruction, in.raw);
                    continue;
                }
                OperationResult r;
                if (in.op == Op::invlpg) {
                    r = m_mmu.invlpg(a);
                } else {
                    uint64_t descriptor, address;
                    if (!load(b, descriptor) || !load(b + 8, address)) continue;
                    r = m_mmu.invpcid(a, descriptor, address);
                }
                m_cycles += r.cycles;
                if (r.fault) {
                    take_trap(cause::general_protection, 0);
                    continue;
                }
                break;
            }
            case Op::illegal:
            default:
                take_trap(cause::illegal_instruction, in.raw);
                continue;
        }
        x[0] = 0;
        m_pc = next;
        ++m_instret;
        if (m_timing.fetch_every_instruction) m_fetch_block = kNoBlock;
    }
}

}  // namespace tlmmu::platform
