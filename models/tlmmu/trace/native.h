// The native trace format: a compact, fast-to-decode binary encoding of
// Records including control events (CR3 writes, INVLPG, INVPCID, context
// switches) and, since version 2, address-space events (unmap, protect, drop). Byte layout in docs/trace-formats.md. open_trace() reads it;
// NativeWriter writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tlmmu/trace/record.h"

namespace tlmmu::trace {

// Options of the native writers.
struct NativeOptions {
    // Records in blocks of at most kNativeBlockBytes, each with the CRC-32 of
    // its bytes (header flag 1): a bit flip inside a record is caught with the
    // block's byte offset. Off: the unblocked layout of earlier files.
    bool checksums = true;
};

// The encoder under NativeWriter, for writers that send the bytes elsewhere
// (a compressed stream). Records are encoded relative to the previous ones;
// with checksums they are held back until their block is complete.
class NativeEncoder {
 public:
    static constexpr size_t kHeaderBytes = 16;
    static constexpr size_t kMaxRecordBytes = 32;  // bound of one encoded record
    static constexpr size_t kEndBytes = 9;
    static constexpr size_t kBlockHeaderBytes = 8;  // u32 length, u32 CRC-32
    static constexpr size_t kMaxBlockBytes = 65536;

    explicit NativeEncoder(NativeOptions options = {});

    void header(uint8_t* out) const;  // kHeaderBytes
    // Appends the encoding of `records` (whole blocks only, with checksums) to `out`.
    void encode(const Record* records, size_t count, std::vector<uint8_t>& out);
    // Appends what is held back and the end marker for `record_count` records.
    void end(uint64_t record_count, std::vector<uint8_t>& out);

 private:
    uint8_t* encode_one(const Record& record, uint8_t* out);
    uint8_t* encode_event(const Record& record, uint8_t* out);
    void emit_block(std::vector<uint8_t>& out);

    NativeOptions m_options;
    uint64_t m_last_fetch = 0;  // delta bases: instruction and data addresses apart
    uint64_t m_last_data = 0;
    uint32_t m_context = 0;
    std::vector<uint8_t> m_block;  // the records of the block being filled
    size_t m_block_used = 0;
};

// Writes a native trace. Records go to a temporary file beside `path`;
// commit() appends the end marker and renames it to `path`, so a reader never
// sees a partial trace as complete. Destruction without commit() removes the
// temporary file and leaves `path` untouched. Throws TraceError on I/O errors.
class NativeWriter {
 public:
    explicit NativeWriter(const std::string& path, NativeOptions options = {});
    ~NativeWriter();
    NativeWriter(const NativeWriter&) = delete;
    NativeWriter& operator=(const NativeWriter&) = delete;

    void write(const Record& record);
    void write(const Record* records, size_t count);
    void commit();

    uint64_t records_written() const { return m_count; }
    const std::string& path() const { return m_path; }

 private:
    void flush_buffer();  // writes m_buffer to the file
    void abandon() noexcept;

    std::string m_path;
    std::string m_temp_path;
    std::FILE* m_file = nullptr;
    std::vector<uint8_t> m_buffer;  // encoded bytes not yet written
    uint64_t m_count = 0;
    NativeEncoder m_encoder;
    bool m_committed = false;
};

// Encodes records into the native format in memory (tests, small tools).
std::vector<uint8_t> encode_native(const std::vector<Record>& records, NativeOptions options = {});

}  // namespace tlmmu::trace
