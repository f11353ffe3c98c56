// DynamoRIO drmemtrace: a stream of 12-byte trace_entry_t {u16 type; u16 size;
// u64 addr} records (DynamoRIO clients/drcachesim/common/trace_entry.h), one
// thread per file, either raw (possibly compressed) or as the chunk.NNNN
// members of a zip. The mapping of each trace_type_t is in docs/trace-formats.md.
#include <algorithm>
#include <cstring>

#include "byte_source.h"
#include "readers.h"

namespace tlmmu::trace::detail {

namespace {

// trace_type_t values (DynamoRIO trace_entry.h).
enum : uint16_t {
    kRead = 0,
    kWrite = 1,
    kPrefetch = 2,            // 2..9: generic, x86 T0/T1/T2/NTA, ARM read/write/instr prefetches
    kPrefetchLast = 9,
    kInstr = 10,              // 10..16: plain, direct/indirect jump, conditional, direct/indirect call, return
    kInstrReturn = 16,
    kInstrBundle = 17,
    kInstrFlush = 18,         // 18..21: cache flushes (no translation effect)
    kDataFlushEnd = 21,
    kThread = 22,
    kThreadExit = 23,
    kPid = 24,
    kHeader = 25,
    kFooter = 26,
    kHardwarePrefetch = 27,
    kMarker = 28,
    kInstrNoFetch = 29,
    kInstrMaybeFetch = 30,
    kInstrSysenter = 31,
    kPrefetchNtFirst = 32,    // 32..46: read/instr/write prefetches by cache level
    kPrefetchNtLast = 46,
    kEncoding = 47,
    kInstrTakenJump = 48,
    kInstrUntakenJump = 49,
};

constexpr size_t kEntryBytes = 12;
constexpr uint16_t kMarkerFiletype = 9;  // trace_marker_type_t TRACE_MARKER_TYPE_FILETYPE

class DrmemtraceReader : public BatchReader {
 public:
    DrmemtraceReader(std::unique_ptr<ByteSource> source, const std::string& name) : m_in(std::move(source), name) {
        read_thread_header();
    }

    std::string position() const override { return m_in.where(m_in.cur); }
    const char* format() const override { return "drmemtrace"; }
    uint32_t tid() const { return m_tid; }
    uint32_t pid() const { return m_pid; }

 protected:
    size_t fill(Record* out, size_t capacity) override {
        size_t n = 0;
        while (n + 8 <= capacity && !m_footer) {
            if (!next_entry()) break;
            n += decode(m_in.cur, out + n);
            m_in.cur += kEntryBytes;
        }
        if (m_footer && !m_tail_checked) {
            m_tail_checked = true;
            if (m_in.available() || m_in.refill(1))
                throw TraceError(m_in.where(m_in.cur) + ": drmemtrace data after the footer entry");
        }
        return n;
    }

 private:
    // Makes the next entry available; false at a clean end (which needs the footer).
    bool next_entry() {
        if (m_in.available() >= kEntryBytes || m_in.refill(kEntryBytes)) return true;
        if (m_in.available() != 0)
            throw TraceError(m_in.where(m_in.cur) + ": truncated drmemtrace entry (" +
                             std::to_string(m_in.available()) + " of 12 bytes)");
        if (!m_footer)
            throw TraceError(m_in.where(m_in.cur) + ": truncated drmemtrace thread: the data ends without a footer entry");
        return false;
    }

    // Consumes the records that precede the first access (header, version and
    // file-type markers, thread and process ids) so tid()/pid() are known.
    void read_thread_header() {
        for (int i = 0; i < 256 && next_entry(); ++i) {
            const uint16_t type = uint16_t(m_in.cur[0] | m_in.cur[1] << 8);
            if (i == 0 && type != kHeader)
                throw TraceError(m_in.where(m_in.cur) + ": not a drmemtrace thread: the first entry has type " +
                                 std::to_string(type) + ", not the header (25)");
            if (type != kHeader && type != kMarker && type != kThread && type != kPid) break;
            Record unused[8];
            decode(m_in.cur, unused);
            m_in.cur += kEntryBytes;
        }
    }

    static Record make(RecordKind kind, uint64_t address, unsigned size, uint32_t context) {
        Record r;
        r.address = address;
        r.context = context;
        r.size = uint8_t(std::min(size, 255u));
        r.kind = kind;
        return r;
    }

    // Decodes the entry at `e` into at most 8 records; returns how many.
    size_t decode(const uint8_t* e, Record* out) {
        const uint16_t type = uint16_t(e[0] | e[1] << 8);
        const uint16_t size = uint16_t(e[2] | e[3] << 8);
        uint64_t addr;
        std::memcpy(&addr, e + 4, 8);
        if (m_footer) throw TraceError(m_in.where(e) + ": drmemtrace entry after the footer");
        if (type == kRead) {
            out[0] = make(RecordKind::load, addr, size, m_tid);
            return 1;
        }
        if (type == kWrite) {
            out[0] = make(RecordKind::store, addr, size, m_tid);
            return 1;
        }
        if ((type >= kInstr && type <= kInstrReturn) || type == kInstrSysenter || type == kInstrTakenJump ||
            type == kInstrUntakenJump || type == kInstrNoFetch || type == kInstrMaybeFetch) {
            m_last_pc = addr;
            m_last_length = size;
            out[0] = make(RecordKind::fetch, addr, size, m_tid);
            return 1;
        }
        if ((type >= kPrefetch && type <= kPrefetchLast) || (type >= kPrefetchNtFirst && type <= kPrefetchNtLast)) {
            // A software prefetch looks up the data TLB like a load (and never faults).
            out[0] = make(RecordKind::load, addr, size, m_tid);
            return 1;
        }
        switch (type) {
            case kInstrBundle: {
                // `size` instructions follow the last one back to back; their lengths are the addr bytes.
                if (size > 8) throw TraceError(m_in.where(e) + ": corrupt drmemtrace bundle of " + std::to_string(size) + " instructions");
                for (unsigned i = 0; i < size; ++i) {
                    m_last_pc += m_last_length;
                    m_last_length = e[4 + i];
                    out[i] = make(RecordKind::fetch, m_last_pc, m_last_length, m_tid);
                }
                return size;
            }
            case kThread: m_tid = uint32_t(addr); return 0;
            case kPid: m_pid = uint32_t(addr); return 0;
            case kFooter: m_footer = true; return 0;
            case kMarker:
                // TRACE_MARKER_TYPE_FILETYPE (9): OFFLINE_FILE_TYPE_ARCH_ARM32 (0x10) and _X86_32 (0x20)
                // traces have 4-byte addresses, i.e. 8-byte entries.
                if (size == kMarkerFiletype && (addr & 0x30))
                    throw TraceError(m_in.where(e) + ": 32-bit drmemtrace traces (8-byte entries) are not supported");
                return 0;
            case kHeader:
            case kThreadExit:
            case kEncoding:
            case kHardwarePrefetch:  // added by a cache simulator, not the program
                return 0;
            default:
                if (type >= kInstrFlush && type <= kDataFlushEnd) return 0;  // cache maintenance only
                throw TraceError(m_in.where(e) + ": corrupt drmemtrace entry: unknown type " + std::to_string(type));
        }
    }

    InputBuffer m_in;
    uint64_t m_last_pc = 0;
    unsigned m_last_length = 0;
    uint32_t m_tid = 0;
    uint32_t m_pid = 0;
    bool m_footer = false;
    bool m_tail_checked = false;
};

}  // namespace

std::unique_ptr<Reader> make_drmemtrace_reader(std::unique_ptr<ByteSource> source, const std::string& name,
                                               uint32_t* pid_out, uint32_t* tid_out) {
    auto reader = std::make_unique<DrmemtraceReader>(std::move(source), name);
    if (pid_out) *pid_out = reader->pid();
    if (tid_out) *tid_out = reader->tid();
    return reader;
}

}  // namespace tlmmu::trace::detail
