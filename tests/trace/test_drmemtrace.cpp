#include "support.h"

#include <filesystem>
#include <fstream>

#include "tlmmu/trace/open.h"

using namespace trace_test;

namespace {
// trace_entry_t {u16 type; u16 size; u64 addr}, types from DynamoRIO trace_entry.h.
void entry(std::vector<uint8_t>& b, uint16_t type, uint16_t size, uint64_t addr) {
    put16(b, type);
    put16(b, size);
    put64(b, addr);
}
enum : uint16_t {
    READ = 0, WRITE = 1, PREFETCHT0 = 3, INSTR = 10, DIRECT_CALL = 14, BUNDLE = 17, DATA_FLUSH = 20, THREAD = 22,
    THREAD_EXIT = 23, PID = 24, HEADER = 25, FOOTER = 26, MARKER = 28, NO_FETCH = 29, ENCODING = 47, TAKEN_JUMP = 48
};

std::vector<uint8_t> thread_header(uint64_t tid, uint64_t pid) {
    std::vector<uint8_t> b;
    entry(b, HEADER, 0, 5);
    entry(b, MARKER, 12, 5);     // version
    entry(b, MARKER, 9, 0x40);   // file type: x86-64
    entry(b, THREAD, 4, tid);
    entry(b, PID, 4, pid);
    entry(b, MARKER, 10, 64);    // cache line size
    entry(b, MARKER, 18, 4096);  // page size
    return b;
}

// A thread with every kind of entry the reader handles; the records it must give.
std::vector<uint8_t> sample_body(std::vector<Record>& expected, uint32_t tid) {
    std::vector<uint8_t> b;
    entry(b, MARKER, 2, 13'000'000);  // timestamp
    entry(b, ENCODING, 3, 0x123456);
    entry(b, INSTR, 3, 0x401000);
    entry(b, READ, 8, 0x7ffd0000);
    entry(b, DIRECT_CALL, 5, 0x401003);
    entry(b, WRITE, 8, 0x7ffcfff8);
    entry(b, TAKEN_JUMP, 2, 0x402000);
    entry(b, BUNDLE, 2, 0x0403);  // two more instructions of lengths 3 and 4
    entry(b, PREFETCHT0, 1, 0x9000);
    entry(b, NO_FETCH, 2, 0x402009);
    entry(b, DATA_FLUSH, 64, 0x9000);
    entry(b, THREAD_EXIT, 4, tid);
    entry(b, FOOTER, 0, 0);
    expected = {access(RecordKind::fetch, 0x401000, 3, tid),   access(RecordKind::load, 0x7ffd0000, 8, tid),
                access(RecordKind::fetch, 0x401003, 5, tid),   access(RecordKind::store, 0x7ffcfff8, 8, tid),
                access(RecordKind::fetch, 0x402000, 2, tid),   access(RecordKind::fetch, 0x402002, 3, tid),
                access(RecordKind::fetch, 0x402005, 4, tid),   access(RecordKind::load, 0x9000, 1, tid),
                access(RecordKind::fetch, 0x402009, 2, tid)};
    return b;
}
}  // namespace

TEST_CASE("drmemtrace: a zip of chunk members decodes every entry type", "[drmemtrace]") {
    ScratchDir dir;
    std::vector<Record> expected;
    std::vector<uint8_t> all = thread_header(77, 70);
    const std::vector<uint8_t> body = sample_body(expected, 77);
    all.insert(all.end(), body.begin(), body.end());
    // Split the entries over two chunks at an entry boundary.
    const size_t cut = 12 * 10;
    const std::string zip = dir.path("drmemtrace.app.70.77.trace.zip");
    write_zip(zip, {{"chunk.0000", {all.begin(), all.begin() + long(cut)}}, {"chunk.0001", {all.begin() + long(cut), all.end()}}});
    CHECK(tlmmu::trace::detect_format(zip) == "drmemtrace");
    CHECK(read_all(zip) == expected);
    CHECK(read_all(zip, "drmemtrace", 1) == expected);

    auto streams = tlmmu::trace::open_streams(zip);
    REQUIRE(streams.size() == 1);
    CHECK(streams[0].thread == 77);
    CHECK(streams[0].process == 70);
}

TEST_CASE("drmemtrace: a raw entry stream is read plain or gzip-compressed", "[drmemtrace]") {
    ScratchDir dir;
    std::vector<Record> expected;
    std::vector<uint8_t> all = thread_header(5, 4);
    const std::vector<uint8_t> body = sample_body(expected, 5);
    all.insert(all.end(), body.begin(), body.end());
    const std::string raw = dir.path("thread.raw");
    write_bytes(raw, all);
    CHECK(tlmmu::trace::detect_format(raw) == "drmemtrace");
    CHECK(read_all(raw) == expected);
    CHECK(read_all(compress_with("gzip", raw)) == expected);
}

TEST_CASE("drmemtrace: a directory of per-thread zips gives one stream per thread", "[drmemtrace]") {
    ScratchDir dir;
    const std::string trace_dir = dir.path("drmemtrace.app.70.dir");
    std::filesystem::create_directories(trace_dir + "/trace");
    std::vector<std::vector<Record>> expected(2);
    for (uint32_t t = 0; t < 2; ++t) {
        std::vector<uint8_t> all = thread_header(100 + t, 70);
        const std::vector<uint8_t> body = sample_body(expected[t], 100 + t);
        all.insert(all.end(), body.begin(), body.end());
        write_zip(trace_dir + "/trace/drmemtrace.app.10" + std::to_string(t) + ".trace.zip", {{"chunk.0000", all}});
    }
    // The schedule files a real run writes beside the threads are not threads.
    write_zip(trace_dir + "/trace/cpu_schedule.bin.zip", {{"cpu0", {1, 2, 3, 4}}});
    {
        std::ofstream serial(trace_dir + "/trace/serial_schedule.bin.gz", std::ios::binary);
        serial << "not a thread";
    }
    auto streams = tlmmu::trace::open_streams(trace_dir);
    REQUIRE(streams.size() == 2);
    for (uint32_t t = 0; t < 2; ++t) {
        CHECK(streams[t].thread == 100 + t);
        CHECK(streams[t].process == 70);
        std::vector<Record> got(64);
        got.resize(streams[t].reader->read(got.data(), got.size()));
        CHECK(got == expected[t]);
    }
    CHECK_THAT(trace_error([&] { tlmmu::trace::open_trace(trace_dir); }), Catch::Contains("2 threads"));
}

TEST_CASE("drmemtrace: truncation and corruption name the byte offset", "[drmemtrace][errors]") {
    ScratchDir dir;
    std::vector<Record> expected;
    std::vector<uint8_t> all = thread_header(1, 1);
    const std::vector<uint8_t> body = sample_body(expected, 1);
    all.insert(all.end(), body.begin(), body.end());
    const std::string path = dir.path("t.raw");

    SECTION("cut inside an entry") {
        all.resize(12 * 9 + 5);
        write_bytes(path, all);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 108: truncated drmemtrace entry"));
    }
    SECTION("cut at an entry boundary before the footer") {
        all.resize(12 * 10);
        write_bytes(path, all);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 120: truncated drmemtrace thread"));
    }
    SECTION("unknown entry type") {
        all[12 * 9] = 200;
        write_bytes(path, all);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 108: corrupt drmemtrace entry: unknown type 200"));
    }
    SECTION("a zip without chunk members") {
        const std::string zip = dir.path("empty.zip");
        write_zip(zip, {{"README", {'x'}}});
        CHECK_THAT(trace_error([&] { read_all(zip); }), Catch::Contains(zip + ": zip archive holds no chunk.NNNN member"));
    }
    SECTION("a damaged zip") {
        const std::string zip = dir.path("damaged.zip");
        write_zip(zip, {{"chunk.0000", all}});
        std::vector<uint8_t> bytes = read_bytes(zip);
        bytes.resize(bytes.size() / 2);
        write_bytes(zip, bytes);
        const std::string message = trace_error([&] { read_all(zip); });
        CHECK_THAT(message, Catch::Contains(zip + ": byte "));
        CHECK_THAT(message, Catch::Contains("zip member 'chunk.0000'"));
    }
}
