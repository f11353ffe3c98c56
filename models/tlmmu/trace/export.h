// Writing Records in the formats the readers understand: native, lackey text,
// ChampSim (64- or 96-byte records) and drmemtrace (zip of chunk.NNNN members).
// Used by `tlmmu convert --to` and to make sample traces from a real one. A
// format that cannot express some record (a control event in ChampSim, a 5th
// load of one instruction) drops it and counts it in dropped().
// Outputs appear atomically on commit(); ".xz", ".gz" and ".zst" file names
// are compressed (native, lackey, ChampSim).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tlmmu/trace/record.h"

namespace tlmmu::trace {

class TraceExporter {
 public:
    virtual ~TraceExporter() = default;
    virtual void write(const Record* records, size_t count) = 0;
    virtual void commit() = 0;
    uint64_t written() const { return m_written; }  // records represented in the output
    uint64_t dropped() const { return m_dropped; }  // records the format cannot express

 protected:
    uint64_t m_written = 0;
    uint64_t m_dropped = 0;
};

struct ExportOptions {
    uint32_t drmemtrace_pid = 1;                 // the thread's process id in a drmemtrace output
    uint32_t drmemtrace_tid = 1;                 // and its thread id
    uint64_t drmemtrace_chunk_instructions = 10'000'000;  // instructions per chunk.NNNN member
    bool native_checksums = true;                // native: a CRC-32 per block (NativeOptions)
};

// `format`: "native", "lackey", "champsim", "champsim-cloudsuite", "drmemtrace".
// Throws TraceError for an unknown format or when `path` cannot be created.
std::unique_ptr<TraceExporter> make_exporter(const std::string& path, const std::string& format,
                                             const ExportOptions& options = {});

std::vector<std::string> export_formats();

}  // namespace tlmmu::trace
