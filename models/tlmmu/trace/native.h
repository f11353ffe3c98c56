// The native trace format: a compact, fast-to-decode binary encoding of
// Records including control events (CR3 writes, INVLPG, INVPCID, context
// switches). Byte layout in docs/trace-formats.md. open_trace() reads it;
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

// The encoder under NativeWriter, for writers that send the bytes elsewhere
// (a compressed stream). Records are encoded relative to the previous ones.
class NativeEncoder {
 public:
    static constexpr size_t kHeaderBytes = 16;
    static constexpr size_t kMaxRecordBytes = 32;  // bound of one encoded record
    static constexpr size_t kEndBytes = 9;

    static void header(uint8_t* out);                 // kHeaderBytes
    uint8_t* encode(const Record& record, uint8_t* out);  // returns the end of the encoding
    static void end(uint64_t record_count, uint8_t* out);  // kEndBytes

 private:
    uint64_t m_last_fetch = 0;  // delta bases: instruction and data addresses apart
    uint64_t m_last_data = 0;
    uint32_t m_context = 0;
};

// Writes a native trace. Records go to a temporary file beside `path`;
// commit() appends the end marker and renames it to `path`, so a reader never
// sees a partial trace as complete. Destruction without commit() removes the
// temporary file and leaves `path` untouched. Throws TraceError on I/O errors.
class NativeWriter {
 public:
    explicit NativeWriter(const std::string& path);
    ~NativeWriter();
    NativeWriter(const NativeWriter&) = delete;
    NativeWriter& operator=(const NativeWriter&) = delete;

    void write(const Record& record);
    void write(const Record* records, size_t count);
    void commit();

    uint64_t records_written() const { return m_count; }
    const std::string& path() const { return m_path; }

 private:
    void flush_buffer();
    void abandon() noexcept;

    std::string m_path;
    std::string m_temp_path;
    std::FILE* m_file = nullptr;
    std::vector<uint8_t> m_buffer;
    size_t m_used = 0;
    uint64_t m_count = 0;
    NativeEncoder m_encoder;
    bool m_committed = false;
};

// Encodes records into the native format in memory (tests, small tools).
std::vector<uint8_t> encode_native(const std::vector<Record>& records);

}  // namespace tlmmu::trace
