// Internal: the byte layer under the readers. A ByteSource yields the
// (decompressed) bytes of one trace file; InputBuffer keeps a large window of
// them so decoders parse straight out of memory with few system calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tlmmu/trace/record.h"

namespace tlmmu::trace::detail {

class ByteSource {
 public:
    virtual ~ByteSource() = default;
    // Copies up to `n` bytes into `dst`; returns 0 only at the end of the data.
    // Throws TraceError (naming the file) on read or decompression errors.
    virtual size_t read(uint8_t* dst, size_t n) = 0;
};

// Compression recognised from the first bytes of a file.
enum class Compression { none, gzip, xz, zstd, bzip2 };
Compression sniff_compression(const uint8_t* bytes, size_t n);
const char* to_string(Compression c);

// The first `n` bytes of the file (fewer if it is shorter), without decompressing.
std::vector<uint8_t> read_head(const std::string& path, size_t n);

// The file's bytes, decompressed on the fly if its magic says so.
std::unique_ptr<ByteSource> open_file_source(const std::string& path);

// The concatenated `chunk.NNNN` members of a zip archive (drmemtrace), in
// archive order; members must appear in increasing chunk number.
std::unique_ptr<ByteSource> open_zip_chunks_source(const std::string& path);

// A sliding window over a ByteSource. [cur, end) are the unread bytes; kPadding
// zero bytes always follow `end`, so decoders may read a bounded distance past
// the end and then check (one bounds check per record, not per byte).
class InputBuffer {
 public:
    static constexpr size_t kPadding = 64;

    InputBuffer(std::unique_ptr<ByteSource> source, std::string name, size_t capacity = size_t(1) << 20);

    const uint8_t* cur = nullptr;
    const uint8_t* end = nullptr;

    size_t available() const { return size_t(end - cur); }
    // Makes at least `min_bytes` available unless the data ends first; returns
    // whether they are. Keeps the unread bytes.
    bool refill(size_t min_bytes);
    bool at_eof() const { return m_eof && cur == end; }
    bool source_done() const { return m_eof; }
    // Offset in the (decompressed) stream of a pointer into the window.
    uint64_t offset_of(const uint8_t* p) const { return m_base_offset + uint64_t(p - m_data.data()); }
    const std::string& name() const { return m_name; }
    // "NAME: byte N" for the given pointer.
    std::string where(const uint8_t* p) const;

 private:
    std::unique_ptr<ByteSource> m_source;
    std::string m_name;
    std::vector<uint8_t> m_data;
    size_t m_capacity;
    uint64_t m_base_offset = 0;  // stream offset of m_data[0]
    bool m_eof = false;
};

// Base of the readers whose decoders emit several records per input unit
// (an instruction with its memory operands): fill() is always given room for
// kMinBatch records; read() stages through a small buffer for smaller requests.
class BatchReader : public Reader {
 public:
    static constexpr size_t kMinBatch = 16;
    size_t read(Record* out, size_t capacity) final;

 protected:
    // Fills up to `capacity` (>= kMinBatch) records; 0 at the end.
    virtual size_t fill(Record* out, size_t capacity) = 0;

 private:
    Record m_stage[kMinBatch * 4];
    size_t m_stage_pos = 0;
    size_t m_stage_len = 0;
};

}  // namespace tlmmu::trace::detail
