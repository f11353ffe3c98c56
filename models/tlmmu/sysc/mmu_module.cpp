#include "tlmmu/sysc/mmu_module.h"

#include <cstring>

#include <algorithm>
#include <vector>

namespace tlmmu::sysc {

using sc_core::sc_time;
using tlm::tlm_generic_payload;

namespace {

// The core's view of a transaction. False for a fetch that is not a read.
// TLM_IGNORE_COMMAND is translated as a read (or fetch).
bool describe(const tlm_generic_payload& trans, const TranslationExtension* ext, Access& access) {
    access.va = trans.get_address();
    access.type = trans.is_write() ? AccessType::write : AccessType::read;
    if (!ext) return true;  // explicit supervisor data access
    access.user = ext->user;
    access.implicit = ext->implicit;
    if (ext->fetch) {
        if (trans.is_write()) return false;
        access.type = AccessType::fetch;
    }
    return true;
}

// Reports one translation in the extension. A split access reports the first
// piece's address and page, and the sum of the pieces' work.
void note(TranslationExtension& ext, const Translation& t, bool first_piece) {
    if (first_piece) {
        ext.pa = t.pa;
        ext.page_size = t.size;
        ext.source = t.source;
        ext.psc_level = t.psc_level;
    }
    ext.pt_reads += t.pt_reads;
    ext.ad_updates += t.ad_updates;
    ext.cycles += t.cycles;
    if (!t.ok()) ext.fault = t.fault;
}

// #PF and #GP are the initiator's to handle; a bus fault is the memory's answer.
tlm::tlm_response_status fault_status(const Fault& fault) {
    return fault.kind == FaultKind::bus ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE;
}

}  // namespace

// ---------------------------------------------------------------------------
// The walker's port onto `mem`: every page-table access is an 8-byte TLM
// transaction carrying page_walk (and locked for A/D updates). It is issued at
// the time the walk reaches it (translation start + the step's offset) and
// costs what the memory adds, rounded up to whole cycles; time that passes in
// a wait() inside the memory counts too.

class MmuModule::MemoryPort : public PhysicalAccess {
 public:
    explicit MemoryPort(MmuModule& owner) : m_owner(owner) {}

    bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) override {
        m_owner.note_table_frame(step.pa);
        return transact(tlm::TLM_READ_COMMAND, step, value, step.locked, step.offset, cycles);
    }

    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override {
        m_owner.note_table_frame(step.pa);
        const uint64_t before = cycles;
        if (!transact(tlm::TLM_READ_COMMAND, step, observed, true, step.offset, cycles)) return false;
        // The locked write always happens because it releases the lock: the
        // updated entry if nobody changed it, else what was read, unchanged.
        uint64_t value = observed == expected ? expected | bits : observed;
        return transact(tlm::TLM_WRITE_COMMAND, step, value, true, step.offset + (cycles - before), cycles);
    }

    bool debug_read_entry(uint64_t pa, uint64_t& value) override {
        Lease tx(*this);
        tx->prepare(tlm::TLM_READ_COMMAND, pa, value);
        tx->ext.locked = false;
        tx->ext.debug = true;
        tx->ext.walk_level = 0;
        return m_owner.mem->transport_dbg(tx->trans) == sizeof value;
    }

 private:
    struct WalkTransaction {
        tlm_generic_payload trans;
        TranslationExtension ext;

        WalkTransaction() {
            ext.page_walk = true;
            trans.set_extension(&ext);
        }
        ~WalkTransaction() { trans.clear_extension(&ext); }

        void prepare(tlm::tlm_command command, uint64_t pa, uint64_t& value) {
            trans.set_command(command);
            trans.set_address(pa);
            trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
            trans.set_data_length(sizeof value);
            trans.set_streaming_width(sizeof value);
            trans.set_byte_enable_ptr(nullptr);
            trans.set_byte_enable_length(0);
            trans.set_dmi_allowed(false);
            trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        }
    };

    // Walker transactions are pooled, not shared: a walk may be suspended in
    // a wait() inside the memory while another process walks.
    class Lease {
     public:
        explicit Lease(MemoryPort& port) : m_port(port) {
            if (port.m_idle.empty()) {
                m_tx = std::make_unique<WalkTransaction>();
            } else {
                m_tx = std::move(port.m_idle.back());
                port.m_idle.pop_back();
            }
        }
        ~Lease() { m_port.m_idle.push_back(std::move(m_tx)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        WalkTransaction* operator->() { return m_tx.get(); }

     private:
        MemoryPort& m_port;
        std::unique_ptr<WalkTransaction> m_tx;
    };

    // One transaction for `step` issued `at` cycles into the translation;
    // adds its cost to `cycles`.
    bool transact(tlm::tlm_command command, const WalkStep& step, uint64_t& value, bool locked, uint64_t at,
                  uint64_t& cycles) {
        Lease tx(*this);
        tx->prepare(command, step.pa, value);
        tx->ext.locked = locked;
        tx->ext.debug = false;
        tx->ext.walk_level = step.level;  // so caches behind `mem` split their statistics by level
        const sc_time now = sc_core::sc_time_stamp();
        const sc_time start = m_owner.translation_start(now);
        const sc_time issue = start + m_owner.to_time(at);
        sc_time delay = issue > now ? issue - now : sc_core::SC_ZERO_TIME;
        const sc_time issued_at = now + delay;
        m_owner.mem->b_transport(tx->trans, delay);
        // Another process may have translated while the memory waited: the
        // core is this walk's again from here on.
        m_owner.resume_translation(start);
        const sc_time done_at = sc_core::sc_time_stamp() + delay;
        cycles += m_owner.to_cycles(done_at > issued_at ? done_at - issued_at : sc_core::SC_ZERO_TIME);
        return tx->trans.is_response_ok();
    }

    MmuModule& m_owner;
    std::vector<std::unique_ptr<WalkTransaction>> m_idle;
};

// ---------------------------------------------------------------------------

MmuModule::MmuModule(sc_core::sc_module_name name, const MmuConfig& config, sc_time clock_period)
    : sc_module(name),
      in("in"),
      mem("mem"),
      m_clock_period(clock_period),
      m_port(std::make_unique<MemoryPort>(*this)),
      m_mmu(config, *m_port) {
    if (clock_period == sc_core::SC_ZERO_TIME)
        SC_REPORT_ERROR("tlmmu/sysc/MmuModule", "clock_period must be greater than zero");
    for (uint64_t c = 0; c < m_short_times.size(); ++c) m_short_times[c] = sc_time::from_value(clock_period.value() * c);
    in.register_b_transport(this, &MmuModule::b_transport);
    in.register_transport_dbg(this, &MmuModule::transport_dbg);
    in.register_get_direct_mem_ptr(this, &MmuModule::get_direct_mem_ptr);
    mem.register_invalidate_direct_mem_ptr(this, &MmuModule::memory_dmi_invalidated);
    // Flushes, control-register writes and page faults can change any
    // translation: no DMI region may outlive them.
    m_mmu.on_change([this] {
        ++m_changes;
        revoke_dmi();
    });
}

MmuModule::~MmuModule() = default;

uint64_t MmuModule::to_cycles(const sc_time& t) const {
    const sc_time::value_type period = m_clock_period.value();
    return (t.value() + period - 1) / period;
}


// ---------------------------------------------------------------------------
// Blocking transport

// Translates at the caller's local time offset `delay` and moves it to the
// end of the translation. If the memory wait()ed during the walk, simulation
// time has already covered part of the latency: `delay` keeps only the rest.
//
// The walker's steps carry their offset into the translation; the port needs
// the translation's absolute start, which most translations (TLB hits) never
// ask for, so it is worked out at the first step (nothing in this translation
// can have waited before it).
// Inlined: on a TLB hit the call and the copies of the Translation cost as
// much as the hit itself (docs/benchmarks.md, "TLM path").
[[gnu::always_inline]] inline Translation MmuModule::translate_at(const Access& access, sc_time& delay) {
    const uint64_t steps_before = m_walk_steps;
    m_caller_offset = delay;
    m_start_known = false;
    const Translation t = m_mmu.translate(access);
    m_caller_offset = sc_core::SC_ZERO_TIME;  // core().translate() called directly starts now
    m_start_known = false;
    if (m_walk_steps == steps_before) {  // no walker transaction, so nothing can have waited
        delay += to_time(t.cycles);
        return t;
    }
    // This translation made the steps (without one, no other process could
    // run), and its last step left its start in m_start.
    const sc_time done = m_start + to_time(t.cycles);
    const sc_time now = sc_core::sc_time_stamp();
    delay = done > now ? done - now : sc_core::SC_ZERO_TIME;
    return t;
}

// The absolute start of the translation running in the core, for a walk
// step issued at `now`. While the step is in the memory the core is free for
// other processes, whose translations (or direct core calls) start afresh.
sc_time MmuModule::translation_start(const sc_time& now) {
    ++m_walk_steps;
    const sc_time start = m_start_known ? m_start : now + m_caller_offset;
    m_caller_offset = sc_core::SC_ZERO_TIME;
    m_start_known = false;
    return start;
}

void MmuModule::resume_translation(const sc_time& start) {
    m_start = start;
    m_start_known = true;
}

[[gnu::always_inline]] inline Translation MmuModule::translate_timed(const Access& access, sc_time& delay,
                                                                    TranslationExtension* ext, bool first_piece) {
    const Translation t = translate_at(access, delay);
    if (ext) note(*ext, t, first_piece);
    return t;
}

void MmuModule::fail(tlm_generic_payload& trans, TranslationExtension* ext, const Translation& t) {
    if (!ext) {
        // The initiator sent no extension but still needs to see the fault.
        // A memory-managed payload drops it on release; any other payload
        // owns it from now on (the payload's destructor frees it).
        ext = new TranslationExtension;
        note(*ext, t, true);
        if (trans.has_mm()) trans.set_auto_extension(ext);
        else trans.set_extension(ext);
    }
    trans.set_response_status(fault_status(t.fault));
}

void MmuModule::b_transport(tlm_generic_payload& trans, sc_time& delay) {
    TranslationExtension* ext = trans.get_extension<TranslationExtension>();
    if (ext) ext->clear_response();
    Access access;
    if (!describe(trans, ext, access)) {
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    const unsigned length = trans.get_data_length();
    if (ext && ext->debug) {  // a debug access has no side effects, whichever interface carries it
        const unsigned done = transport_dbg(trans);
        if (ext->fault) trans.set_response_status(fault_status(ext->fault));
        else if (done == length || trans.get_command() == tlm::TLM_IGNORE_COMMAND)
            trans.set_response_status(tlm::TLM_OK_RESPONSE);
        else trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (trans.get_streaming_width() < length) {  // a streaming burst has no meaning in virtual memory
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }

    const uint64_t va = access.va;
    const Translation first = translate_timed(access, delay, ext, true);
    if (!first.ok()) return fail(trans, ext, first);
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {  // translation only
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    const uint64_t room = bytes_left_in_page(first, va);
    if (length <= room) {
        if (trans.get_command() == tlm::TLM_WRITE_COMMAND) store_to(first.pa, length);
        if (access_through_memory_dmi(trans, first.pa, delay)) return;
        trans.set_address(first.pa);
        mem->b_transport(trans, delay);
        trans.set_address(va);
        if (m_use_memory_dmi && trans.is_dmi_allowed()) acquire_memory_dmi(first.pa);
        return;
    }

    // The access crosses pages. Translate them all before touching memory, so
    // that a fault on a later page leaves memory unchanged, as on the processor.
    struct Piece {
        uint64_t pa;
        unsigned offset, length;
    };
    std::vector<Piece> pieces{{first.pa, 0, unsigned(room)}};
    for (unsigned offset = unsigned(room); offset < length;) {
        access.va = va + offset;
        const Translation t = translate_timed(access, delay, ext, false);
        if (!t.ok()) return fail(trans, ext, t);
        const unsigned n = unsigned(std::min<uint64_t>(length - offset, bytes_left_in_page(t, access.va)));
        pieces.push_back({t.pa, offset, n});
        offset += n;
    }

    unsigned char* const data = trans.get_data_ptr();
    unsigned char* const byte_enable = trans.get_byte_enable_ptr();
    const unsigned byte_enable_length = trans.get_byte_enable_length();
    const unsigned streaming_width = trans.get_streaming_width();
    std::vector<unsigned char> piece_enable;
    for (const Piece& p : pieces) {
        trans.set_address(p.pa);
        trans.set_data_ptr(data + p.offset);
        trans.set_data_length(p.length);
        trans.set_streaming_width(p.length);
        if (byte_enable && byte_enable_length) {  // the pattern repeats over the data: realign it to the piece
            piece_enable.resize(p.length);
            for (unsigned i = 0; i < p.length; ++i) piece_enable[i] = byte_enable[(p.offset + i) % byte_enable_length];
            trans.set_byte_enable_ptr(piece_enable.data());
            trans.set_byte_enable_length(p.length);
        }
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        if (trans.get_command() == tlm::TLM_WRITE_COMMAND) store_to(p.pa, p.length);
        mem->b_transport(trans, delay);
        if (!trans.is_response_ok()) break;
    }
    trans.set_address(va);
    trans.set_data_ptr(data);
    trans.set_data_length(length);
    trans.set_streaming_width(streaming_width);
    trans.set_byte_enable_ptr(byte_enable);
    trans.set_byte_enable_length(byte_enable_length);
}

// ---------------------------------------------------------------------------
// Debug transport: translated from the page tables in memory with debug reads;
// no TLB or PSC lookups or fills, no A/D updates, no counters, no time.

unsigned int MmuModule::transport_dbg(tlm_generic_payload& trans) {
    TranslationExtension* ext = trans.get_extension<TranslationExtension>();
    if (ext) ext->clear_response();
    Access access;
    if (!describe(trans, ext, access)) return 0;
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {  // translation only
        const Translation t = m_mmu.translate_debug(access);
        if (ext) note(*ext, t, true);
        return 0;
    }

    const uint64_t va = access.va;
    const unsigned length = trans.get_data_length();
    unsigned char* const data = trans.get_data_ptr();
    unsigned done = 0;
    while (done < length) {
        access.va = va + done;
        const Translation t = m_mmu.translate_debug(access);
        if (ext) note(*ext, t, done == 0);
        if (!t.ok()) break;
        const unsigned n = unsigned(std::min<uint64_t>(length - done, bytes_left_in_page(t, access.va)));
        trans.set_address(t.pa);
        trans.set_data_ptr(data + done);
        trans.set_data_length(n);
        if (trans.get_command() == tlm::TLM_WRITE_COMMAND) store_to(t.pa, n);  // a debugger editing page tables
        const unsigned copied = mem->transport_dbg(trans);
        done += copied;
        if (copied < n) break;
    }
    trans.set_address(va);
    trans.set_data_ptr(data);
    trans.set_data_length(length);
    return done;
}

// ---------------------------------------------------------------------------
// DMI, per translated page.

// Whether the page just translated for `read_access` may also be written
// through a pointer: the rights must allow the write and the TLB entry must
// already be dirty, otherwise the first write has to come through
// b_transport so that the walker sets D in memory.
bool MmuModule::write_permitted(const Access& read_access, const Translation& t) const {
    if (t.source == Source::none) return true;  // paging off
    Access write_access = read_access;
    write_access.type = AccessType::write;
    return !check_access(write_access, t.rights, t.pkey, m_mmu.regs()) && t.dirty;
}

bool MmuModule::get_direct_mem_ptr(tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const uint64_t va = trans.get_address();
    // A refusal covers the requested byte only: the answer may change with
    // the next access (D set, page mapped).
    dmi.allow_none();
    dmi.set_start_address(va);
    dmi.set_end_address(va);

    const TranslationExtension* ext = trans.get_extension<TranslationExtension>();
    Access access;
    if (!describe(trans, ext, access)) return false;
    if (access.type == AccessType::write) access.type = AccessType::read;  // writes are judged below
    const bool fetch = access.type == AccessType::fetch;

    // A normal translation: it fills the TLBs and sets A like any access.
    // If anything changed meanwhile (a walk suspended in memory while another
    // process flushed or wrote a control register), the result must not be
    // handed out: the revocation for that change has already been sent.
    const uint64_t changes = m_changes;
    sc_time untimed;  // DMI requests carry no time: the walk starts now
    const Translation t = translate_at(access, untimed);
    if (!t.ok() || m_changes != changes) return false;

    // The translated range: the whole page, or all of memory with paging off.
    uint64_t page_va = 0, page_pa = 0, page_last = ~0ull;
    if (t.source != Source::none) {
        const uint64_t size = page_bytes(t.size);
        page_va = va & ~(size - 1);
        page_pa = t.pa - (va - page_va);
        page_last = size - 1;
    }

    tlm::tlm_dmi physical;
    trans.set_address(t.pa);
    const bool granted = mem->get_direct_mem_ptr(trans, physical);
    trans.set_address(va);
    if (!granted || physical.is_none_allowed()) return false;

    // Hand out the part of the page that the memory's region covers.
    const uint64_t first = std::max<uint64_t>(page_pa, physical.get_start_address());
    const uint64_t last = std::min<uint64_t>(page_pa + page_last, physical.get_end_address());
    dmi.set_dmi_ptr(physical.get_dmi_ptr() + (first - physical.get_start_address()));
    dmi.set_start_address(page_va + (first - page_pa));
    dmi.set_end_address(page_va + (last - page_pa));
    // Every access through the pointer stands for an L1 TLB hit.
    const sc_time tlb_hit = to_time((fetch ? m_mmu.config().l1i : m_mmu.config().l1d).latency);
    dmi.set_read_latency(physical.get_read_latency() + tlb_hit);
    dmi.set_write_latency(physical.get_write_latency() + tlb_hit);
    const bool read = physical.is_read_allowed();
    // Stores through the pointer bypass the MMU: none may reach page tables.
    const bool write = !fetch && physical.is_write_allowed() && write_permitted(access, t) &&
                       !holds_tables(first, last);
    if (read && write) dmi.allow_read_write();
    else if (read) dmi.allow_read();
    else if (write) dmi.allow_write();
    else return false;
    m_dmi_granted = true;
    m_dmi_write_granted |= write;
    return true;
}

void MmuModule::revoke_dmi() {
    if (!m_dmi_granted) return;
    m_dmi_granted = false;
    m_dmi_write_granted = false;
    in->invalidate_direct_mem_ptr(0, ~0ull);
}

// The walker reads an entry at `pa`. A frame that holds page tables from now
// on must not stay writable through a DMI pointer handed out before.
void MmuModule::note_table_frame(uint64_t pa) {
    const uint64_t frame = pa >> 12;
    if (frame == m_last_table_frame) return;
    m_last_table_frame = frame;
    if (m_table_frames.insert(frame).second && m_dmi_write_granted) revoke_dmi();
}

// Whether a frame in [first_pa, last_pa] has held paging structures.
bool MmuModule::holds_tables(uint64_t first_pa, uint64_t last_pa) const {
    const uint64_t first = first_pa >> 12, last = last_pa >> 12;
    if (last - first >= m_table_frames.size()) {  // a large range: look at the frames instead
        for (const uint64_t f : m_table_frames)
            if (f >= first && f <= last) return true;
        return false;
    }
    for (uint64_t f = first; f <= last; ++f)
        if (m_table_frames.count(f)) return true;
    return false;
}

// Physical ranges do not map back to virtual ones cheaply: revoke everything.
void MmuModule::memory_dmi_invalidated(sc_dt::uint64 start, sc_dt::uint64 end) {
    for (MemoryDmi& region : m_memory_dmi)
        if (region.start <= end && start <= region.end) region = MemoryDmi();
    revoke_dmi();
}

// The data part of a plain, single-page read or write, through a memory DMI
// region that covers it: what the memory's b_transport would do, without the call.
namespace {
// memcpy with the common access sizes spelled out, so they compile to moves.
void copy_bytes(unsigned char* to, const unsigned char* from, unsigned length) {
    switch (length) {
        case 8: std::memcpy(to, from, 8); break;
        case 4: std::memcpy(to, from, 4); break;
        case 2: std::memcpy(to, from, 2); break;
        case 1: *to = *from; break;
        default: std::memcpy(to, from, length);
    }
}
}  // namespace

[[gnu::always_inline]] inline bool MmuModule::access_through_memory_dmi(tlm_generic_payload& trans, uint64_t pa,
                                                                        sc_time& delay) {
    const unsigned length = trans.get_data_length();
    const tlm::tlm_command command = trans.get_command();
    if (trans.get_byte_enable_ptr() || trans.get_streaming_width() < length || length == 0) return false;
    const uint64_t last = pa + length - 1;
    auto covers = [&](const MemoryDmi& r) { return pa >= r.start && last <= r.end; };
    if (!covers(m_memory_dmi[m_memory_dmi_last])) {  // accesses cluster: try the region used last first
        unsigned i = 0;
        while (i < m_memory_dmi.size() && !covers(m_memory_dmi[i])) ++i;
        if (i == m_memory_dmi.size()) return false;
        m_memory_dmi_last = i;
    }
    const MemoryDmi& region = m_memory_dmi[m_memory_dmi_last];
    unsigned char* host = region.ptr + (pa - region.start);
    if (command == tlm::TLM_READ_COMMAND && region.read) {
        copy_bytes(trans.get_data_ptr(), host, length);
        delay += region.read_latency;
    } else if (command == tlm::TLM_WRITE_COMMAND && region.write) {
        copy_bytes(host, trans.get_data_ptr(), length);
        delay += region.write_latency;
    } else {
        return false;
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    trans.set_dmi_allowed(true);  // as the memory's b_transport says: its region is where this went
    return true;
}

void MmuModule::acquire_memory_dmi(uint64_t pa) {
    for (const MemoryDmi& region : m_memory_dmi)
        if (pa >= region.start && pa <= region.end) return;
    tlm_generic_payload request;
    request.set_address(pa);
    request.set_command(tlm::TLM_READ_COMMAND);
    tlm::tlm_dmi dmi;
    if (!mem->get_direct_mem_ptr(request, dmi) || !dmi.get_dmi_ptr()) return;
    MemoryDmi& region = m_memory_dmi[m_memory_dmi_next];
    m_memory_dmi_next = (m_memory_dmi_next + 1) % m_memory_dmi.size();
    region.start = dmi.get_start_address();
    region.end = dmi.get_end_address();
    region.ptr = dmi.get_dmi_ptr();
    region.read = dmi.is_read_allowed();
    region.write = dmi.is_write_allowed();
    region.read_latency = dmi.get_read_latency();
    region.write_latency = dmi.get_write_latency();
}

// ---------------------------------------------------------------------------
// Control operations

OperationResult MmuModule::charge(const OperationResult& r, sc_time& delay) const {
    delay += to_time(r.cycles);
    return r;
}

OperationResult MmuModule::write_cr0(uint64_t value, sc_time& delay) { return charge(m_mmu.write_cr0(value), delay); }
OperationResult MmuModule::write_cr3(uint64_t value, sc_time& delay) { return charge(m_mmu.write_cr3(value), delay); }
OperationResult MmuModule::write_cr4(uint64_t value, sc_time& delay) { return charge(m_mmu.write_cr4(value), delay); }
OperationResult MmuModule::write_efer(uint64_t value, sc_time& delay) {
    return charge(m_mmu.write_efer(value), delay);
}
OperationResult MmuModule::write_pkru(uint32_t value, sc_time& delay) {
    return charge(m_mmu.write_pkru(value), delay);
}
OperationResult MmuModule::invlpg(uint64_t va, sc_time& delay) { return charge(m_mmu.invlpg(va), delay); }
OperationResult MmuModule::invpcid(uint64_t type, uint64_t descriptor, uint64_t address, sc_time& delay) {
    return charge(m_mmu.invpcid(type, descriptor, address), delay);
}
void MmuModule::set_ac(bool ac) { m_mmu.set_ac(ac); }

}  // namespace tlmmu::sysc
