// One decoded trace event, whatever format it came from. Readers turn their
// format into a stream of these; the replay engine (os model + MMU) consumes
// them. Kept small and trivially copyable so readers can fill batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace tlmmu::trace {

enum class RecordKind : uint8_t {
    fetch,           // an instruction: fetch of `size` bytes at `address` (counts one instruction)
    load,            // data read of `size` bytes at `address`
    store,           // data write of `size` bytes at `address`
    // Control events (native format only; other formats never produce them).
    cr3_write,       // MOV to CR3 for `context`: `pcid` and `noflush` (CR3 bit 63)
    invlpg,          // INVLPG `address` in the current context
    invpcid,         // INVPCID type `type` with descriptor {pcid, address}
    context_switch,  // the scheduler switches to `context` (the OS model picks CR3/PCID)
    // Address-space events (native format version 2): a range of `pages`
    // 4 KiB pages from `address` (page aligned) of `context` changes, and the
    // OS model shoots the old translations down on every CPU that may hold them.
    unmap,           // munmap: the pages are unmapped and their frames freed
    protect,         // mprotect: the pages get the rights in `type` (PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4)
    drop,            // madvise(MADV_DONTNEED): as unmap; the next touch maps a fresh zeroed page
};

// Record kinds that are address-space events (unmap, protect, drop).
inline bool is_event(RecordKind kind) { return kind >= RecordKind::unmap; }

// mprotect rights of a protect event (Linux's PROT_* values).
namespace prot {
constexpr uint8_t READ = 1, WRITE = 2, EXEC = 4;
}

const char* to_string(RecordKind kind);

struct Record {
    uint64_t address = 0;  // virtual (linear) address
    uint32_t context = 0;  // thread / process / ASID the event belongs to (0 if the format has none)
    uint16_t pcid = 0;     // cr3_write, invpcid
    uint8_t size = 0;      // bytes accessed (0 when the format does not say)
    RecordKind kind = RecordKind::load;
    uint8_t type = 0;      // invpcid type 0-3; protect: the prot:: rights
    bool noflush = false;  // cr3_write: CR3 bit 63
    uint32_t pages = 0;    // unmap, protect, drop: length of the range in 4 KiB pages (at least 1)
};

// A memory access of `size` bytes at `address` by thread/process `context`.
inline Record access_record(RecordKind kind, uint64_t address, uint8_t size = 8, uint32_t context = 0) {
    Record r;
    r.kind = kind;
    r.address = address;
    r.size = size;
    r.context = context;
    return r;
}

// An address-space event over [address, address + pages * 4 KiB) of `context`.
inline Record event_record(RecordKind kind, uint64_t address, uint32_t pages, uint32_t context = 0, uint8_t rights = 0) {
    Record r;
    r.kind = kind;
    r.address = address;
    r.pages = pages;
    r.context = context;
    r.type = rights;
    return r;
}

// A malformed, truncated or unreadable trace. what() names the file and the
// line (text formats) or byte offset (binary formats) of the problem.
class TraceError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// What a reader read but did not turn into records. Nothing here is
// translated; only the instructions count (as instructions, for MPKI).
struct ReaderStats {
    // Instructions executed without an instruction fetch (drmemtrace's
    // TRACE_TYPE_INSTR_NO_FETCH: a rep string instruction's later iterations).
    uint64_t unfetched_instructions = 0;
    uint64_t markers = 0;         // metadata markers (drmemtrace: timestamps, CPU ids, chunk ends, ...)
    uint64_t thread_records = 0;  // header, footer, thread, process and thread-exit entries
    uint64_t other_skipped = 0;   // cache flushes, instruction encodings, simulator-added prefetches

    ReaderStats& operator+=(const ReaderStats& o) {
        unfetched_instructions += o.unfetched_instructions;
        markers += o.markers;
        thread_records += o.thread_records;
        other_skipped += o.other_skipped;
        return *this;
    }
};

// A streaming reader: memory use is constant whatever the trace length.
class Reader {
 public:
    virtual ~Reader() = default;
    // Fills up to `capacity` records; returns how many. 0 means the end of the
    // trace. Throws TraceError on malformed input.
    virtual size_t read(Record* out, size_t capacity) = 0;
    // Where the reader is, for messages: "FILE:LINE" or "FILE: byte N".
    virtual std::string position() const = 0;
    // Format name as accepted by open_trace ("lackey", "champsim", ...).
    virtual const char* format() const = 0;
    // Whether records carry the address space they belong to in `context`
    // (a multi-process trace); otherwise each stream is one address space.
    virtual bool carries_contexts() const { return false; }
    // What the reader has read so far without producing records (a batch
    // ahead of the records returned). All zero for formats without such input.
    virtual ReaderStats stats() const { return {}; }
};

}  // namespace tlmmu::trace
