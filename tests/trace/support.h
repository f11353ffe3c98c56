// Test support: scratch files, reading a whole trace, comparing records, and
// hand-built fixtures written independently of the library's own writers.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tlmmu/trace/record.h"

namespace tlmmu::trace {
bool operator==(const Record& a, const Record& b);
std::ostream& operator<<(std::ostream& out, const Record& r);
}  // namespace tlmmu::trace

namespace trace_test {

using tlmmu::trace::Record;
using tlmmu::trace::RecordKind;

// A fresh empty directory for one test case, removed at the end.
class ScratchDir {
 public:
    ScratchDir();
    ~ScratchDir();
    std::string path(const std::string& name) const { return m_dir + "/" + name; }

 private:
    std::string m_dir;
};

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);
void write_text(const std::string& path, const std::string& text);
std::vector<uint8_t> read_bytes(const std::string& path);

// Every record of the trace, read in batches of `batch`.
std::vector<Record> read_all(const std::string& path, const std::string& format = "auto", size_t batch = 1000);

// Compresses with the system tool ("gzip", "xz", "zstd"); returns the new path.
std::string compress_with(const std::string& tool, const std::string& path);

// A zip of the given members (name, bytes), written with libarchive.
void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members);

Record access(RecordKind kind, uint64_t address, uint8_t size, uint32_t context = 0);

// The message of the TraceError `f` throws (fails the test if it throws none).
template <class F>
std::string trace_error(F&& f) {
    try {
        f();
    } catch (const tlmmu::trace::TraceError& e) {
        return e.what();
    }
    FAIL("no TraceError thrown");
    return {};
}

// Little-endian appenders for hand-built binary fixtures.
void put16(std::vector<uint8_t>& b, uint16_t v);
void put64(std::vector<uint8_t>& b, uint64_t v);

}  // namespace trace_test
