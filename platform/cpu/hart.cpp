#include "cpu/hart.h"

#include <algorithm>
#include <stdexcept>

namespace tlmmu::platform {

namespace {

constexpr uint64_t kMisa = (2ull << 62) | (1ull << ('I' - 'A')) | (1ull << ('M' - 'A')) | (1ull << ('U' - 'A'));
constexpr uint64_t kMstatusUxl = 2ull << 32;  // user mode is 64-bit (read-only)

int64_t mulh(int64_t a, int64_t b) { return int64_t((__int128(a) * __int128(b)) >> 64); }
uint64_t mulhu(uint64_t a, uint64_t b) { return uint64_t((unsigned __int128)a * b >> 64); }
int64_t mulhsu(int64_t a, uint64_t b) { return int64_t((__int128(a) * (unsigned __int128)b) >> 64); }
int64_t sext32(uint64_t v) { return int64_t(int32_t(uint32_t(v))); }

}  // namespace

Hart::Hart(Mmu& mmu, HartBus& bus, const TimerState& timer, uint64_t ram_base, uint64_t ram_bytes,
           const HartTiming& timing)
    : m_mmu(mmu), m_bus(bus), m_timer(timer), m_ram_base(ram_base), m_ram_bytes(ram_bytes), m_timing(timing) {
    if (ram_bytes == 0 || ram_bytes % (64 * 1024) != 0)
        throw std::invalid_argument("RAM size must be a non-zero multiple of 64 KiB");
    if (m_timing.timer_divider == 0) m_timing.timer_divider = 1;
    m_code_pages.resize(ram_bytes >> 12);
    m_page_flags.assign(ram_bytes >> 12, 0);
    m_blocks.assign(ram_bytes >> 16, nullptr);
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
    m_instret_at_last_trap = ~0ull;
    m_traps_without_progress = 0;
    m_irq_check_at = m_next_event = 0;
    m_fetch_block = kNoBlock;
}

void Hart::invalidate_code() {
    for (size_t page = 0; page < m_code_pages.size(); ++page)
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
    if (m_timer.msip) p |= kMipMsip;
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
    return false;
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
    std::unique_ptr<CodePage>& page = m_code_pages[off >> 12];
    if (!page) page = std::make_unique<CodePage>();
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
        case csr::mvendorid: case csr::marchid: case csr::mimpid: case csr::mhartid: v = 0; return true;
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
// The interpreter

// flatten: the MMU's inline L1-hit path and the load/store functions are inlined
// into the loop (the compiler would otherwise call them out of line).
__attribute__((flatten)) void Hart::run(uint64_t instret_limit, uint64_t cycle_limit) {
    uint64_t* const x = m_x;
    m_next_event = 0;
    for (;;) {
        // One compare per instruction covers stop(), the cycle limit and
        // pending-interrupt checks: each of them lowers m_next_event.
        if (m_cycles >= m_next_event || m_instret >= instret_limit) {
            if (m_stop || m_instret >= instret_limit || m_cycles >= cycle_limit) break;
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
                // Sleep until the timer interrupt if one is enabled and not yet pending.
                if (!(pending_interrupts() & m_mie) && (m_mie & kMipMtip) && m_timer.mtimecmp != ~0ull) {
                    const uint64_t div = m_timing.timer_divider;
                    const uint64_t at = m_timer.mtimecmp > ~0ull / div ? ~0ull : m_timer.mtimecmp * div;
                    if (at > m_cycles) m_cycles = at;
                }
                m_irq_check_at = m_next_event = 0;
                break;
            }
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
