#include "support.h"

#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <filesystem>
#include <random>

#include "tlmmu/trace/export.h"
#include "tlmmu/trace/native.h"
#include "tlmmu/trace/open.h"

using namespace trace_test;
namespace fs = std::filesystem;

namespace {
// A small lackey-like program trace: fetches with loads and stores over a few pages.
std::vector<Record> program_records(size_t instructions) {
    std::vector<Record> records;
    for (size_t i = 0; i < instructions; ++i) {
        records.push_back(access(RecordKind::fetch, 0x400000 + (i * 4) % 0x3000, 4));
        if (i % 3 == 0) records.push_back(access(RecordKind::load, 0x7fff0000 + (i * 64) % 0x20000, 8));
        if (i % 5 == 0) records.push_back(access(RecordKind::store, 0x600000 + (i * 8) % 0x1000, 8));
    }
    return records;
}

void export_to(const std::string& path, const std::string& format, const std::vector<Record>& records) {
    auto exporter = tlmmu::trace::make_exporter(path, format);
    exporter->write(records.data(), records.size());
    exporter->commit();
}

// Resident set size now, in KiB (Linux /proc/self/statm).
long rss_kib() {
    long pages_total = 0, pages_resident = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
        std::fclose(f);
    }
    return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}
}  // namespace

TEST_CASE("open: an unknown format is named with the file", "[open][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("mystery.bin");
    write_bytes(path, {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8});
    CHECK_THAT(trace_error([&] { tlmmu::trace::open_trace(path); }),
               Catch::Contains(path + ": unknown trace format (uncompressed"));
    const std::string xz = compress_with("xz", path);
    CHECK_THAT(trace_error([&] { tlmmu::trace::open_trace(xz); }), Catch::Contains(xz + ": unknown trace format (xz-compressed"));
    CHECK_THAT(trace_error([&] { tlmmu::trace::open_trace(path, "pin"); }), Catch::Contains("unknown trace format 'pin'"));
    CHECK_THAT(trace_error([&] { tlmmu::trace::open_trace(dir.path("absent.lackey")); }), Catch::Contains("absent.lackey"));
    write_bytes(dir.path("empty"), {});
    CHECK_THAT(trace_error([&] { tlmmu::trace::open_trace(dir.path("empty")); }), Catch::Contains("empty file"));
}

TEST_CASE("open: known formats are listed", "[open]") {
    CHECK(tlmmu::trace::known_formats() ==
          std::vector<std::string>{"lackey", "champsim", "champsim-cloudsuite", "drmemtrace", "native"});
}

TEST_CASE("round trip: every format converted to native gives the same records", "[open][convert]") {
    ScratchDir dir;
    const std::vector<Record> records = program_records(3000);
    struct Case {
        const char* format;
        const char* file;
    };
    for (const Case& c : {Case{"lackey", "p.lackey.gz"}, Case{"champsim", "p.champsim.xz"},
                          Case{"champsim-cloudsuite", "p.cloudsuite.zst"}, Case{"drmemtrace", "p.zip"},
                          Case{"native", "p.native"}}) {
        INFO(c.format);
        const std::string source = dir.path(c.file);
        export_to(source, c.format, records);
        CHECK(tlmmu::trace::detect_format(source) == c.format);
        std::vector<Record> expected = read_all(source);
        std::vector<Record> original = records;
        const std::string format = c.format;
        for (Record& r : original) {
            if (format == "drmemtrace") r.context = 1;  // the thread id
            if (format.rfind("champsim", 0) == 0) r.size = 0;  // ChampSim records no sizes
        }
        CHECK(expected == original);
        const std::string native = dir.path(std::string(c.format) + ".native");
        export_to(native, "native", expected);
        CHECK(read_all(native) == expected);
    }
}

TEST_CASE("compression: raw and gzip and xz and zstd give identical records", "[open][compression]") {
    ScratchDir dir;
    const std::vector<Record> records = program_records(5000);
    for (const char* format : {"native", "champsim", "lackey"}) {
        INFO(format);
        const std::string raw = dir.path(std::string("t.") + format);
        export_to(raw, format, records);
        for (const char* suffix : {".gz", ".xz", ".zst"}) {
            INFO(suffix);
            export_to(raw + suffix, format, records);  // compressed by the exporter (libarchive)
            CHECK(read_all(raw + suffix, format) == read_all(raw, format));
        }
        CHECK(read_all(compress_with("zstd", raw), format) == read_all(raw, format));  // by the zstd tool
    }
}

TEST_CASE("gzip: a wrong CRC-32 or length is refused with the byte offset, as gzip -t refuses it", "[open][compression][errors]") {
    ScratchDir dir;
    const std::vector<Record> records = program_records(2000);
    const std::string path = dir.path("t.lackey.gz");
    export_to(path, "lackey", records);
    const std::vector<uint8_t> clean = read_bytes(path);
    REQUIRE(read_all(path, "lackey").size() == records.size());
    // The member ends with CRC-32 (4 bytes) then ISIZE (4 bytes), little-endian.
    for (const size_t from_end : {8u, 1u}) {
        std::vector<uint8_t> bytes = clean;
        bytes[bytes.size() - from_end] ^= 0x01;
        write_bytes(path, bytes);
        INFO("byte flipped " << from_end << " from the end");
        const std::string message = trace_error([&] { read_all(path, "lackey"); });
        CHECK_THAT(message, Catch::Contains(path + ": byte "));
        CHECK_THAT(message, Catch::Contains(from_end == 8 ? "incorrect data check" : "incorrect length check"));
    }
}

TEST_CASE("gzip: every member of a multi-member file is read", "[open][compression]") {
    ScratchDir dir;
    const std::vector<Record> first = program_records(700), second = program_records(300);
    export_to(dir.path("a.lackey.gz"), "lackey", first);
    export_to(dir.path("b.lackey.gz"), "lackey", second);
    std::vector<uint8_t> joined = read_bytes(dir.path("a.lackey.gz"));
    const std::vector<uint8_t> tail = read_bytes(dir.path("b.lackey.gz"));
    joined.insert(joined.end(), tail.begin(), tail.end());
    write_bytes(dir.path("both.lackey.gz"), joined);
    CHECK(read_all(dir.path("both.lackey.gz"), "lackey").size() == first.size() + second.size());
}

TEST_CASE("compression: a cut-off compressed file names its byte offset", "[open][compression][errors]") {
    ScratchDir dir;
    const std::vector<Record> records = program_records(5000);
    for (const char* suffix : {".gz", ".xz", ".zst"}) {
        INFO(suffix);
        const std::string path = dir.path(std::string("t.lackey") + suffix);
        export_to(path, "lackey", records);
        std::vector<uint8_t> bytes = read_bytes(path);
        bytes.resize(bytes.size() / 2);
        write_bytes(path, bytes);
        CHECK_THAT(trace_error([&] { read_all(path, "lackey"); }), Catch::Contains(path + ": byte "));
    }
}

TEST_CASE("streaming: reading a trace much larger than the buffers keeps memory flat", "[open][memory]") {
    ScratchDir dir;
    // About 50 MB of lackey text (zstd-compressed on disk): far larger than the allowed growth below.
    const std::string path = dir.path("big.lackey.zst");
    {
        auto exporter = tlmmu::trace::make_exporter(path, "lackey");
        std::vector<Record> batch;
        for (int block = 0; block < 200; ++block) {
            batch.clear();
            for (int i = 0; i < 10000; ++i)
                batch.push_back(access(RecordKind::load, 0x10000000ull + uint64_t(block) * 0x100000 + uint64_t(i) * 64, 8));
            exporter->write(batch.data(), batch.size());
        }
        exporter->commit();
    }
    const long before = rss_kib();
    long peak = before;
    auto reader = tlmmu::trace::open_trace(path);
    std::vector<Record> buffer(4096);
    uint64_t total = 0, last = 0;
    bool ascending = true;
    while (size_t n = reader->read(buffer.data(), buffer.size())) {
        for (size_t i = 0; i < n; ++i) {
            ascending &= buffer[i].address > last;
            last = buffer[i].address;
        }
        total += n;
        if (total % (4096 * 64) == 0) peak = std::max(peak, rss_kib());
    }
    CHECK(total == 2'000'000);
    CHECK(ascending);
    peak = std::max(peak, rss_kib());
    CHECK(peak - before < 16 * 1024);  // the decompressed text is ~50 MB
}

TEST_CASE("robustness: damaged files of every format fail cleanly or read but never crash", "[open][errors]") {
    ScratchDir dir;
    const std::vector<Record> records = program_records(400);
    std::mt19937 rng(11);
    struct Case {
        const char* format;
        const char* file;
    };
    for (const Case& c : {Case{"lackey", "d.lackey"}, Case{"champsim", "d.champsim"}, Case{"champsim-cloudsuite", "d.cloudsuite"},
                          Case{"drmemtrace", "d.zip"}, Case{"native", "d.native"}, Case{"native", "d.native.xz"}}) {
        INFO(c.file);
        const std::string clean = dir.path(c.file);
        export_to(clean, c.format, records);
        const std::vector<uint8_t> original = read_bytes(clean);
        const std::string damaged = dir.path(std::string("damaged.") + c.file);
        for (int trial = 0; trial < 60; ++trial) {
            std::vector<uint8_t> bytes = original;
            const int flips = 1 + int(rng() % 4);
            for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = uint8_t(rng());
            if (trial % 3 == 0) bytes.resize(rng() % bytes.size());
            write_bytes(damaged, bytes);
            try {
                const std::vector<Record> got = read_all(damaged, c.format);
                CHECK(got.size() <= records.size() * 2);
            } catch (const tlmmu::trace::TraceError& e) {
                CHECK_THAT(e.what(), Catch::StartsWith(damaged));
            }
        }
    }
}

TEST_CASE("open: a single-file trace is one stream named after the file", "[open]") {
    ScratchDir dir;
    const std::string path = dir.path("one.lackey");
    write_text(path, "I  1000,4\n");
    auto streams = tlmmu::trace::open_streams(path);
    REQUIRE(streams.size() == 1);
    CHECK(streams[0].name == path);
    CHECK(streams[0].process == 0);
    CHECK(streams[0].thread == 0);
    CHECK(std::string(streams[0].reader->format()) == "lackey");
    Record r;
    CHECK(streams[0].reader->read(&r, 1) == 1);
    CHECK(streams[0].reader->read(&r, 1) == 0);
    CHECK(streams[0].reader->position() == path + ":1");
}
