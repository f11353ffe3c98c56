// DynamoRIO drmemtrace: a stream of 12-byte trace_entry_t {u16 type; u16 size;
// u64 addr} records (DynamoRIO clients/drcachesim/common/trace_entry.h), one
// thread per file, either raw (possibly compressed) or as the chunk.NNNN
// members of a zip. The mapping of each trace_type_t is in docs/trace-formats.md.
#include <algorithm>
#include <cstring>
#include <map>

#include "byte_source.h"
#include "readers.h"
#include "tlmmu/trace/schedule.h"

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

    static constexpr uint64_t kNoLimit = ~uint64_t(0);

    // fill(), stopping before the instruction that would make the thread's
    // instruction count exceed `limit` (the data references and markers of
    // the instruction before it are still read): 0 means the thread is at
    // `limit` or has ended (ended()).
    size_t fill_until(Record* out, size_t capacity, uint64_t limit) {
        return limit == kNoLimit ? fill_entries<false>(out, capacity, limit) : fill_entries<true>(out, capacity, limit);
    }

    bool ended() const { return m_footer; }
    // Instructions read so far: fetched, not fetched and bundled ones, as
    // DynamoRIO counts them (the schedule files' start_instruction).
    uint64_t instructions() const { return m_instructions; }
    ReaderStats stats() const override { return m_stats; }

 protected:
    size_t fill(Record* out, size_t capacity) override { return fill_entries<false>(out, capacity, kNoLimit); }

 private:
    // The decode loop; without kLimited (a whole thread, the common case) it
    // skips the per-entry limit test.
    template <bool kLimited>
    size_t fill_entries(Record* out, size_t capacity, uint64_t limit) {
        size_t n = 0;
        while (n + 8 <= capacity && !m_footer) {
            if (!next_entry()) break;
            const uint16_t type = entry_type(m_in.cur);
            if (kLimited && m_instructions >= limit && is_instruction(type)) break;
            if (type == kInstrBundle) {
                const size_t room = size_t(std::min<uint64_t>(8, limit - m_instructions));
                const size_t got = decode_bundle(m_in.cur, out + n, room);
                n += got;
                if (m_bundle_done) continue;  // the rest of the bundle is past `limit`
            } else {
                n += decode(m_in.cur, out + n);
            }
            m_in.cur += kEntryBytes;
        }
        if (m_footer && !m_tail_checked) {
            m_tail_checked = true;
            if (m_in.available() || m_in.refill(1))
                throw TraceError(m_in.where(m_in.cur) + ": drmemtrace data after the footer entry");
        }
        return n;
    }

    // Makes the next entry available; false at a clean end (which needs the footer).
    __attribute__((always_inline)) bool next_entry() {
        if (__builtin_expect(m_in.available() >= kEntryBytes, 1)) return true;
        return next_entry_refill();
    }
    bool next_entry_refill() {
        if (m_in.refill(kEntryBytes)) return true;
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

    static uint16_t entry_type(const uint8_t* e) { return uint16_t(e[0] | e[1] << 8); }

    // Entries that stand for executed instructions (a bundle for several).
    static bool is_instruction(uint16_t type) {
        return (type >= kInstr && type <= kInstrBundle) || type == kInstrNoFetch || type == kInstrMaybeFetch ||
               type == kInstrSysenter || type == kInstrTakenJump || type == kInstrUntakenJump;
    }

    // The bundle at `e`: `size` instructions following the last one back to
    // back, their lengths in the addr bytes. Emits at most `room` of those not
    // yet emitted; m_bundle_done stays non-zero while some are left.
    size_t decode_bundle(const uint8_t* e, Record* out, size_t room) {
        const uint16_t size = uint16_t(e[2] | e[3] << 8);
        if (size > 8) throw TraceError(m_in.where(e) + ": corrupt drmemtrace bundle of " + std::to_string(size) + " instructions");
        size_t n = 0;
        while (m_bundle_done < size && n < room) {
            m_last_pc += m_last_length;
            m_last_length = e[4 + m_bundle_done];
            out[n++] = make(RecordKind::fetch, m_last_pc, m_last_length, m_tid);
            ++m_bundle_done;
            ++m_instructions;
        }
        if (m_bundle_done == size) m_bundle_done = 0;
        return n;
    }

    // Decodes the entry at `e` (not a bundle) into at most 8 records; returns
    // how many. Inlined into the decode loop: it is the loop's body.
    __attribute__((always_inline)) size_t decode(const uint8_t* e, Record* out) {
        const uint16_t type = entry_type(e);
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
        if (type == kInstrNoFetch) {
            // An instruction that fetched nothing (a rep string instruction's
            // later iterations): counted, never translated.
            m_last_pc = addr;
            m_last_length = size;
            ++m_instructions;
            ++m_stats.unfetched_instructions;
            return 0;
        }
        if ((type >= kInstr && type <= kInstrReturn) || type == kInstrSysenter || type == kInstrTakenJump ||
            type == kInstrUntakenJump || type == kInstrMaybeFetch) {
            m_last_pc = addr;
            m_last_length = size;
            ++m_instructions;
            out[0] = make(RecordKind::fetch, addr, size, m_tid);
            return 1;
        }
        if ((type >= kPrefetch && type <= kPrefetchLast) || (type >= kPrefetchNtFirst && type <= kPrefetchNtLast)) {
            // A software prefetch looks up the data TLB like a load (and never faults).
            out[0] = make(RecordKind::load, addr, size, m_tid);
            return 1;
        }
        switch (type) {
            case kInstrBundle: return decode_bundle(e, out, 8);
            case kThread:
                m_tid = uint32_t(addr);
                ++m_stats.thread_records;
                return 0;
            case kPid:
                m_pid = uint32_t(addr);
                ++m_stats.thread_records;
                return 0;
            case kFooter:
                m_footer = true;
                ++m_stats.thread_records;
                return 0;
            case kHeader:
            case kThreadExit: ++m_stats.thread_records; return 0;
            case kMarker:
                // TRACE_MARKER_TYPE_FILETYPE (9): OFFLINE_FILE_TYPE_ARCH_ARM32 (0x10) and _X86_32 (0x20)
                // traces have 4-byte addresses, i.e. 8-byte entries.
                if (size == kMarkerFiletype && (addr & 0x30))
                    throw TraceError(m_in.where(e) + ": 32-bit drmemtrace traces (8-byte entries) are not supported");
                ++m_stats.markers;
                return 0;
            case kEncoding:
            case kHardwarePrefetch:  // added by a cache simulator, not the program
                ++m_stats.other_skipped;
                return 0;
            default:
                if (type >= kInstrFlush && type <= kDataFlushEnd) {  // cache maintenance only
                    ++m_stats.other_skipped;
                    return 0;
                }
                throw TraceError(m_in.where(e) + ": corrupt drmemtrace entry: unknown type " + std::to_string(type));
        }
    }

    InputBuffer m_in;
    uint64_t m_last_pc = 0;
    unsigned m_last_length = 0;
    uint32_t m_tid = 0;
    uint32_t m_pid = 0;
    uint64_t m_instructions = 0;
    unsigned m_bundle_done = 0;  // members of the current bundle already emitted (a schedule split it)
    ReaderStats m_stats;
    bool m_footer = false;
    bool m_tail_checked = false;
};

// The threads of a drmemtrace directory as one stream, in the order a
// recorded schedule says they ran (schedule.h): entry k runs its thread up to
// the start_instruction of that thread's next entry (to its end after its
// last one). A change of thread is a context_switch record; records carry
// the thread's process id as their context, so threads of one process share
// its address space and the OS model counts a thread switch.
class ScheduledReader final : public BatchReader {
 public:
    ScheduledReader(std::vector<std::unique_ptr<DrmemtraceReader>> threads, std::vector<std::string> names,
                    Schedule schedule)
        : m_threads(std::move(threads)), m_schedule(std::move(schedule)) {
        std::map<uint64_t, size_t> by_tid;
        for (size_t i = 0; i < m_threads.size(); ++i) {
            const uint64_t tid = m_threads[i]->tid();
            if (!by_tid.emplace(tid, i).second)
                throw TraceError(names[i] + ": thread " + std::to_string(tid) + " also has the file " +
                                 names[by_tid[tid]] + ": a schedule cannot tell them apart");
        }
        std::vector<bool> scheduled(m_threads.size(), false);
        std::map<uint64_t, size_t> next_of_thread;  // thread -> index of its latest entry seen (walking backwards)
        m_segments.resize(m_schedule.entries.size());
        for (size_t k = m_schedule.entries.size(); k-- > 0;) {
            const ScheduleEntry& e = m_schedule.entries[k];
            auto it = by_tid.find(e.thread);
            if (it == by_tid.end())
                throw TraceError(m_schedule.where(e) + ": thread " + std::to_string(e.thread) +
                                 " of the schedule has no trace file in the directory");
            Segment& seg = m_segments[k];
            seg.thread = it->second;
            auto later = next_of_thread.find(e.thread);
            seg.limit = later == next_of_thread.end() ? DrmemtraceReader::kNoLimit
                                                      : m_schedule.entries[later->second].start_instruction;
            seg.limit_entry = later == next_of_thread.end() ? k : later->second;
            next_of_thread[e.thread] = k;
            scheduled[it->second] = true;
        }
        for (size_t i = 0; i < m_threads.size(); ++i)
            if (!scheduled[i])
                throw TraceError(m_schedule.file + ": thread " + std::to_string(m_threads[i]->tid()) + " (" + names[i] +
                                 ") never appears in the schedule");
    }

    std::string position() const override {
        return m_current ? m_current->position() : m_schedule.file;
    }
    const char* format() const override { return "drmemtrace"; }
    bool carries_contexts() const override { return true; }
    ReaderStats stats() const override {
        ReaderStats total;
        for (const auto& t : m_threads) total += t->stats();
        return total;
    }
    uint32_t pid() const { return m_threads.front()->pid(); }
    uint32_t tid() const { return m_threads.front()->tid(); }

 protected:
    size_t fill(Record* out, size_t capacity) override {
        size_t n = 0;
        // Room for a thread switch and one decoded entry (at most 8 records).
        while (n + 9 <= capacity) {
            if (!m_current && !next_segment()) break;
            DrmemtraceReader& t = *m_current;
            const bool switching = m_last && m_last != m_current;
            const size_t at = n + (switching ? 1 : 0);
            const size_t got = t.fill_until(out + at, capacity - at, m_limit);
            if (got) {
                const uint32_t pid = t.pid();
                if (switching) {
                    Record r;
                    r.kind = RecordKind::context_switch;
                    r.context = pid;
                    out[n] = r;
                }
                m_last = m_current;
                for (size_t i = at; i < at + got; ++i) out[i].context = pid;
                n = at + got;
                continue;
            }
            // At the limit, or the thread ended: its stretch is over.
            if (t.ended() && m_limit != DrmemtraceReader::kNoLimit && t.instructions() < m_limit) {
                const ScheduleEntry& next = m_schedule.entries[m_segments[m_segment].limit_entry];
                throw TraceError(t.position() + ": thread " + std::to_string(t.tid()) + " ends after " +
                                 std::to_string(t.instructions()) + " instructions, but the schedule (" +
                                 m_schedule.where(next) + ") runs it to instruction " + std::to_string(m_limit));
            }
            m_current = nullptr;
        }
        return n;
    }

 private:
    struct Segment {
        size_t thread = 0;
        uint64_t limit = 0;      // the thread's instruction count where its stretch ends
        size_t limit_entry = 0;  // the schedule entry that sets `limit` (the thread's next)
    };

    // Starts the next stretch of the schedule; false after the last.
    bool next_segment() {
        if (m_next >= m_segments.size()) return false;
        m_segment = m_next++;
        const Segment& seg = m_segments[m_segment];
        m_current = m_threads[seg.thread].get();
        m_limit = seg.limit;
        return true;
    }

    std::vector<std::unique_ptr<DrmemtraceReader>> m_threads;
    Schedule m_schedule;
    std::vector<Segment> m_segments;
    size_t m_next = 0, m_segment = 0;
    DrmemtraceReader* m_current = nullptr;
    DrmemtraceReader* m_last = nullptr;  // the thread whose records came last
    uint64_t m_limit = 0;
};

}  // namespace

std::unique_ptr<Reader> make_drmemtrace_reader(std::unique_ptr<ByteSource> source, const std::string& name,
                                               uint32_t* pid_out, uint32_t* tid_out) {
    auto reader = std::make_unique<DrmemtraceReader>(std::move(source), name);
    if (pid_out) *pid_out = reader->pid();
    if (tid_out) *tid_out = reader->tid();
    return reader;
}

std::unique_ptr<Reader> make_scheduled_drmemtrace_reader(const std::vector<std::string>& thread_files,
                                                         const std::string& schedule_path, uint32_t* pid_out,
                                                         uint32_t* tid_out) {
    Schedule schedule = read_schedule(schedule_path);
    std::vector<std::unique_ptr<DrmemtraceReader>> threads;
    for (const std::string& file : thread_files) {
        const std::vector<uint8_t> raw = read_head(file, 4);
        const bool zip = raw.size() == 4 && std::memcmp(raw.data(), "PK\x03\x04", 4) == 0;
        threads.push_back(std::make_unique<DrmemtraceReader>(zip ? open_zip_chunks_source(file) : open_file_source(file), file));
    }
    auto reader = std::make_unique<ScheduledReader>(std::move(threads), thread_files, std::move(schedule));
    if (pid_out) *pid_out = reader->pid();
    if (tid_out) *tid_out = reader->tid();
    return reader;
}

}  // namespace tlmmu::trace::detail
