// The native format (docs/trace-formats.md, "Native format"):
//   header  "TLMMUTRC" u16 version=2 u16 flags u32 reserved=0   (16 bytes, little-endian)
//   records tag byte [context varint] [size byte] payload
//   events  tag 0x07 | type << 4 [| 0x08] [context varint] varint va, varint pages [u8 rights]  (version 2)
//   end     0x07 u64 record count, then the end of the file
// With flag 1 the records and the end marker are cut into blocks of whole
// records, each preceded by u32 length (1..65536) and the u32 CRC-32 of its
// bytes; the reader checks a block before decoding any record of it.
// The tag holds the kind (bits 0-2), "context follows" (bit 3) and the access
// size 1-15 (bits 4-7; 0 = a size byte follows). Accesses carry the zigzag
// varint delta from the previous address of the same class (instruction or
// data); control events carry their fields in full.
#include "tlmmu/trace/native.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <zlib.h>

#include "byte_source.h"
#include "readers.h"

namespace tlmmu::trace {

namespace {

constexpr uint8_t kEndTag = 0x07;
// Event records share the end marker's kind bits (7) with a nonzero type in
// bits 4-7, so version 1 readers refuse them as a bad end marker.
constexpr unsigned kEventUnmap = 1, kEventProtect = 2, kEventDrop = 3;
constexpr uint64_t kEventPage = 4096;
constexpr uint8_t kContextBit = 0x08;
constexpr unsigned kFlagBlockChecksums = 0x1;  // header flags: checksummed blocks
constexpr size_t kBlockHeaderBytes = NativeEncoder::kBlockHeaderBytes;
constexpr size_t kMaxBlockBytes = NativeEncoder::kMaxBlockBytes;
constexpr size_t kHeaderBytes = NativeEncoder::kHeaderBytes;
constexpr size_t kMaxRecordBytes = NativeEncoder::kMaxRecordBytes;  // 21 in practice
constexpr size_t kFlushAt = size_t(1) << 20;  // NativeWriter writes about this much at a time

inline uint8_t* put_varint(uint8_t* p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = uint8_t(v) | 0x80;
        v >>= 7;
    }
    *p++ = uint8_t(v);
    return p;
}

inline uint64_t zigzag(uint64_t delta) { return (delta << 1) ^ uint64_t(int64_t(delta) >> 63); }
inline uint64_t unzigzag(uint64_t v) { return (v >> 1) ^ (~(v & 1) + 1); }

inline bool is_access(RecordKind k) { return k == RecordKind::fetch || k == RecordKind::load || k == RecordKind::store; }

void put_u64(uint8_t* p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
void put_u32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint32_t block_crc(const uint8_t* data, size_t length) { return uint32_t(::crc32(0, data, uInt(length))); }

std::string hex32(uint32_t v) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", unsigned(v));
    return text;
}

uint64_t get_u64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
}

std::string errno_text() { return std::strerror(errno); }

// Reads the native format out of an InputBuffer.
class NativeReader : public Reader {
 public:
    NativeReader(std::unique_ptr<detail::ByteSource> source, const std::string& name)
        : m_in(std::move(source), name) {
        if (!m_in.refill(kHeaderBytes)) throw TraceError(name + ": byte 0: truncated native header");
        const uint8_t* h = m_in.cur;
        if (std::memcmp(h, detail::kNativeMagic, 8) != 0) throw TraceError(name + ": byte 0: not a native trace (bad magic)");
        const unsigned version = unsigned(h[8]) | unsigned(h[9]) << 8;
        if (version < detail::kNativeOldestVersion || version > detail::kNativeVersion)
            throw TraceError(name + ": byte 8: native format version " + std::to_string(version) +
                             " is not supported (this build reads versions " +
                             std::to_string(detail::kNativeOldestVersion) + " to " +
                             std::to_string(detail::kNativeVersion) + ")");
        m_events = version >= 2;
        const unsigned flags = unsigned(h[10]) | unsigned(h[11]) << 8;
        if (flags & ~kFlagBlockChecksums) throw TraceError(name + ": byte 10: unknown native header flags");
        if (h[12] | h[13] | h[14] | h[15]) throw TraceError(name + ": byte 12: nonzero reserved native header field");
        m_checksums = flags & kFlagBlockChecksums;
        m_in.cur += kHeaderBytes;
        m_block_end = m_in.cur;  // checksummed: a block header comes first
    }

    size_t read(Record* out, size_t capacity) override {
        size_t n = 0;
        while (n < capacity && !m_done) {
            if (m_checksums) {
                if (m_in.cur == m_block_end) next_block();
            } else if (m_in.available() < kMaxRecordBytes && !m_in.refill(kMaxRecordBytes) && m_in.available() == 0) {
                missing_end_marker();
            }
            const uint8_t* const start = m_in.cur;
            const uint8_t tag = *start;
            const uint8_t* p;
            Record& r = out[n];
            if ((tag & 7u) == kEndTag) {
                if (tag == kEndTag) {
                    finish();
                    break;
                }
                p = decode_event(start, r);
            } else {
                p = decode_record(start, r);
            }
            if (m_checksums ? p > m_block_end : p > m_in.end) {
                if (m_checksums) corrupt(start, "the record runs past the end of its block");
                throw TraceError(m_in.where(start) + ": truncated record (the file ends inside it)");
            }
            m_in.cur = p;
            ++n;
            ++m_count;
        }
        return n;
    }

    std::string position() const override { return m_in.where(m_in.cur); }
    const char* format() const override { return "native"; }
    bool carries_contexts() const override { return true; }

 private:
    // An access or control record at `start`; returns the byte after it.
    __attribute__((always_inline)) const uint8_t* decode_record(const uint8_t* start, Record& r) {
        const uint8_t* p = start;
        const uint8_t tag = *p++;
        const unsigned kind = tag & 7u;
        if (tag & kContextBit) {
            uint64_t context;
            if (!get_varint(p, context) || context > UINT32_MAX) corrupt(start, "bad context");
            m_context = uint32_t(context);
        }
        r.context = m_context;
        r.size = uint8_t(tag >> 4);
        if (r.size == 0) r.size = *p++;
        r.kind = RecordKind(kind);
        uint64_t value;
        if (!get_varint(p, value)) corrupt(start, "bad address");
        if (kind <= unsigned(RecordKind::store)) {
            uint64_t& last = kind == 0 ? m_last_fetch : m_last_data;
            last += unzigzag(value);
            r.address = last;
            r.pcid = 0;
            r.type = 0;
            r.noflush = false;
        } else {
            r.address = value;
            uint64_t pcid;
            if (!get_varint(p, pcid) || pcid > 0xfff) corrupt(start, "bad PCID");
            r.pcid = uint16_t(pcid);
            const uint8_t flags = *p++;
            r.type = flags & 0x7f;
            r.noflush = flags & 0x80;
            if (r.type > 3) corrupt(start, "bad INVPCID type");
        }
        r.pages = 0;
        return p;
    }

    // An event record (version 2): unmap, protect or drop of a page range.
    const uint8_t* decode_event(const uint8_t* start, Record& r) {
        const uint8_t* p = start;
        const uint8_t tag = *p++;
        const unsigned type = tag >> 4;
        if (!m_events) corrupt(start, "bad end marker tag (event records need native format version 2)");
        if (type < kEventUnmap || type > kEventDrop)
            corrupt(start, ("unknown event record type " + std::to_string(type) + " (1 unmap, 2 protect, 3 drop)").c_str());
        if (tag & kContextBit) {
            uint64_t context;
            if (!get_varint(p, context) || context > UINT32_MAX) corrupt(start, "bad context");
            m_context = uint32_t(context);
        }
        r.context = m_context;
        r.kind = type == kEventUnmap ? RecordKind::unmap : type == kEventProtect ? RecordKind::protect : RecordKind::drop;
        r.size = 0;
        r.pcid = 0;
        r.noflush = false;
        r.type = 0;
        uint64_t va, pages;
        if (!get_varint(p, va)) corrupt(start, "bad event address");
        if (va % kEventPage) corrupt(start, "event address is not 4 KiB aligned");
        if (!get_varint(p, pages) || pages == 0 || pages > UINT32_MAX)
            corrupt(start, "bad event page count (1 to 4294967295)");
        if (pages > (0 - va) / kEventPage && va != 0) corrupt(start, "event range runs past the end of the address space");
        r.address = va;
        r.pages = uint32_t(pages);
        if (type == kEventProtect) {
            r.type = *p++;
            if (r.type > (prot::READ | prot::WRITE | prot::EXEC)) corrupt(start, "bad protect rights (PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4)");
        }
        return p;
    }

    static bool get_varint(const uint8_t*& p, uint64_t& v) {
        uint64_t b = *p++;
        v = b & 0x7f;
        for (unsigned shift = 7; b & 0x80; shift += 7) {
            if (shift > 63) return false;
            b = *p++;
            if (shift == 63 && b > 1) return false;
            v |= (b & 0x7f) << shift;
        }
        return true;
    }

    [[noreturn]] void missing_end_marker() const {
        throw TraceError(m_in.where(m_in.cur) + ": truncated: the file ends without the end marker (" +
                         std::to_string(m_count) + " records read)");
    }

    // Checks the block at the read position (whole in the window afterwards:
    // blocks are far smaller than it) and makes its records the next to decode.
    void next_block() {
        if (!m_in.refill(kBlockHeaderBytes)) {
            if (m_in.available() == 0) missing_end_marker();
            throw TraceError(m_in.where(m_in.cur) + ": truncated native block header");
        }
        const uint32_t length = get_u32(m_in.cur);
        if (length == 0 || length > kMaxBlockBytes)
            throw TraceError(m_in.where(m_in.cur) + ": corrupt native block header: length " + std::to_string(length) +
                             " (1 to " + std::to_string(kMaxBlockBytes) + " expected)");
        if (!m_in.refill(kBlockHeaderBytes + length))
            throw TraceError(m_in.where(m_in.cur) + ": truncated native block (" + std::to_string(length) +
                             " bytes announced, the file ends inside it)");
        const uint8_t* const block = m_in.cur;  // refill() may have moved the window
        const uint32_t stored = get_u32(block + 4);
        const uint32_t computed = block_crc(block + kBlockHeaderBytes, length);
        if (computed != stored)
            throw TraceError(m_in.where(block) + ": checksum mismatch in the native block of " + std::to_string(length) +
                             " bytes starting here (CRC-32 " + hex32(computed) + ", header says " + hex32(stored) +
                             "): the file is corrupt");
        m_in.cur = block + kBlockHeaderBytes;
        m_block_end = m_in.cur + length;
    }

    [[noreturn]] void corrupt(const uint8_t* at, const std::string& what) const {
        throw TraceError(m_in.where(at) + ": corrupt native record: " + what);
    }

    void finish() {
        if (*m_in.cur != kEndTag) corrupt(m_in.cur, "bad end marker tag");
        if (m_checksums && size_t(m_block_end - m_in.cur) != NativeEncoder::kEndBytes)
            corrupt(m_in.cur, "the end marker does not end its block");
        // refill() may move the window: take the marker's address after it.
        if (!m_in.refill(NativeEncoder::kEndBytes)) throw TraceError(m_in.where(m_in.cur) + ": truncated end marker");
        const uint8_t* const start = m_in.cur;
        const uint64_t expected = get_u64(start + 1);
        if (expected != m_count)
            throw TraceError(m_in.where(start) + ": end marker counts " + std::to_string(expected) +
                             " records but " + std::to_string(m_count) + " were read (corrupt file)");
        m_in.cur = start + NativeEncoder::kEndBytes;
        if (m_in.refill(1)) throw TraceError(m_in.where(m_in.cur) + ": data after the end marker");
        m_done = true;
    }

    detail::InputBuffer m_in;
    uint64_t m_last_fetch = 0;
    uint64_t m_last_data = 0;
    uint64_t m_count = 0;
    uint32_t m_context = 0;
    bool m_done = false;
    bool m_checksums = false;              // header flag 1: records in checksummed blocks
    bool m_events = false;                 // version 2: event records may appear
    const uint8_t* m_block_end = nullptr;  // end of the checked block being decoded
};

}  // namespace

NativeEncoder::NativeEncoder(NativeOptions options) : m_options(options), m_block(kMaxBlockBytes) {}

void NativeEncoder::header(uint8_t* p) const {
    std::memcpy(p, detail::kNativeMagic, 8);
    p[8] = uint8_t(detail::kNativeVersion);
    p[9] = uint8_t(detail::kNativeVersion >> 8);
    std::memset(p + 10, 0, 6);
    if (m_options.checksums) p[10] = uint8_t(kFlagBlockChecksums);
}

void NativeEncoder::encode(const Record* records, size_t count, std::vector<uint8_t>& out) {
    for (size_t i = 0; i < count; ++i) {
        // Room for the largest record and the end marker stays in every block.
        if (m_block_used + kMaxRecordBytes + kEndBytes > kMaxBlockBytes) emit_block(out);
        m_block_used = size_t(encode_one(records[i], m_block.data() + m_block_used) - m_block.data());
    }
}

void NativeEncoder::end(uint64_t record_count, std::vector<uint8_t>& out) {
    uint8_t* const p = m_block.data() + m_block_used;
    p[0] = kEndTag;
    put_u64(p + 1, record_count);
    m_block_used += kEndBytes;
    emit_block(out);
}

void NativeEncoder::emit_block(std::vector<uint8_t>& out) {
    if (m_block_used == 0) return;
    const size_t at = out.size();
    const size_t framing = m_options.checksums ? kBlockHeaderBytes : 0;
    out.resize(at + framing + m_block_used);
    if (framing) {
        put_u32(out.data() + at, uint32_t(m_block_used));
        put_u32(out.data() + at + 4, block_crc(m_block.data(), m_block_used));
    }
    std::memcpy(out.data() + at + framing, m_block.data(), m_block_used);
    m_block_used = 0;
}

uint8_t* NativeEncoder::encode_one(const Record& r, uint8_t* p) {
    if (unsigned(r.kind) > unsigned(RecordKind::drop))
        throw TraceError("native writer: invalid record kind " + std::to_string(unsigned(r.kind)));
    if (is_event(r.kind)) return encode_event(r, p);
    uint8_t tag = uint8_t(r.kind);
    const bool new_context = r.context != m_context;
    if (new_context) tag |= kContextBit;
    if (r.size >= 1 && r.size <= 15) tag |= uint8_t(r.size << 4);
    *p++ = tag;
    if (new_context) {
        p = put_varint(p, r.context);
        m_context = r.context;
    }
    if (r.size == 0 || r.size > 15) *p++ = r.size;
    if (is_access(r.kind)) {
        uint64_t& last = r.kind == RecordKind::fetch ? m_last_fetch : m_last_data;
        p = put_varint(p, zigzag(r.address - last));
        last = r.address;
    } else {
        p = put_varint(p, r.address);
        p = put_varint(p, r.pcid);
        *p++ = uint8_t((r.type & 0x7f) | (r.noflush ? 0x80 : 0));
    }
    return p;
}

uint8_t* NativeEncoder::encode_event(const Record& r, uint8_t* p) {
    // Checked here so that no writer produces a file its reader refuses.
    if (r.address % kEventPage) throw TraceError("native writer: " + std::string(to_string(r.kind)) + " event address is not 4 KiB aligned");
    if (r.pages == 0) throw TraceError("native writer: " + std::string(to_string(r.kind)) + " event of 0 pages");
    if (r.address && r.pages > (0 - r.address) / kEventPage)
        throw TraceError("native writer: " + std::string(to_string(r.kind)) + " event range runs past the end of the address space");
    if (r.kind == RecordKind::protect && r.type > (prot::READ | prot::WRITE | prot::EXEC))
        throw TraceError("native writer: protect rights " + std::to_string(unsigned(r.type)) + " (at most 7)");
    const unsigned type = r.kind == RecordKind::unmap ? kEventUnmap : r.kind == RecordKind::protect ? kEventProtect : kEventDrop;
    uint8_t tag = uint8_t(kEndTag | type << 4);
    const bool new_context = r.context != m_context;
    if (new_context) tag |= kContextBit;
    *p++ = tag;
    if (new_context) {
        p = put_varint(p, r.context);
        m_context = r.context;
    }
    p = put_varint(p, r.address);
    p = put_varint(p, r.pages);
    if (r.kind == RecordKind::protect) *p++ = r.type;
    return p;
}

namespace detail {
std::unique_ptr<Reader> make_native_reader(std::unique_ptr<ByteSource> source, const std::string& name) {
    return std::make_unique<NativeReader>(std::move(source), name);
}
}  // namespace detail

NativeWriter::NativeWriter(const std::string& path, NativeOptions options) : m_path(path), m_encoder(options) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    std::error_code ec;
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    std::string pattern = path + ".partial-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw TraceError(path + ": cannot create: " + errno_text());
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    m_temp_path = pattern;
    m_file = ::fdopen(fd, "wb");
    if (!m_file) {
        ::close(fd);
        ::unlink(m_temp_path.c_str());
        throw TraceError(path + ": cannot create: " + errno_text());
    }
    m_buffer.reserve(kFlushAt + kMaxBlockBytes + kBlockHeaderBytes);
    m_buffer.resize(kHeaderBytes);
    m_encoder.header(m_buffer.data());
}

NativeWriter::~NativeWriter() {
    if (!m_committed) abandon();
}

void NativeWriter::abandon() noexcept {
    if (m_file) std::fclose(m_file);
    m_file = nullptr;
    if (!m_temp_path.empty()) ::unlink(m_temp_path.c_str());
    m_temp_path.clear();
}

void NativeWriter::write(const Record& record) { write(&record, 1); }

void NativeWriter::write(const Record* records, size_t count) {
    if (m_committed || !m_file) throw TraceError(m_path + ": write after commit");
    // In slices, so the buffer stays about kFlushAt bytes whatever `count` is.
    constexpr size_t kSlice = 4096;
    for (size_t i = 0; i < count; i += kSlice) {
        m_encoder.encode(records + i, std::min(kSlice, count - i), m_buffer);
        if (m_buffer.size() >= kFlushAt) flush_buffer();
    }
    m_count += count;
}

void NativeWriter::flush_buffer() {
    if (!m_buffer.empty() && std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_file) != m_buffer.size()) {
        const std::string why = errno_text();
        abandon();
        throw TraceError(m_path + ": write error: " + why);
    }
    m_buffer.clear();
}

void NativeWriter::commit() {
    if (m_committed || !m_file) throw TraceError(m_path + ": commit twice");
    m_encoder.end(m_count, m_buffer);
    flush_buffer();
    const bool ok = std::fflush(m_file) == 0;
    const int close_result = std::fclose(m_file);
    m_file = nullptr;
    if (!ok || close_result != 0) {
        const std::string why = errno_text();
        abandon();
        throw TraceError(m_path + ": write error: " + why);
    }
    if (std::rename(m_temp_path.c_str(), m_path.c_str()) != 0) {
        const std::string why = errno_text();
        abandon();
        throw TraceError(m_path + ": cannot rename the finished file into place: " + why);
    }
    m_temp_path.clear();
    m_committed = true;
}

std::vector<uint8_t> encode_native(const std::vector<Record>& records, NativeOptions options) {
    NativeEncoder encoder(options);
    std::vector<uint8_t> bytes(kHeaderBytes);
    encoder.header(bytes.data());
    encoder.encode(records.data(), records.size(), bytes);
    encoder.end(records.size(), bytes);
    return bytes;
}

}  // namespace tlmmu::trace
