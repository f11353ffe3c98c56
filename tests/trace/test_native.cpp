#include "support.h"

#include <filesystem>
#include <random>

#include "tlmmu/trace/native.h"
#include "tlmmu/trace/open.h"

using namespace trace_test;
namespace fs = std::filesystem;

namespace {
Record control(RecordKind kind, uint64_t address, uint16_t pcid, uint8_t type, bool noflush, uint32_t context) {
    Record r;
    r.kind = kind;
    r.address = address;
    r.pcid = pcid;
    r.type = type;
    r.noflush = noflush;
    r.context = context;
    return r;
}

// Every kind, context changes, sizes needing the size byte, large and negative deltas.
std::vector<Record> varied_records() {
    return {access(RecordKind::fetch, 0x401000, 3),
            access(RecordKind::load, 0x7ffc0000, 8),
            access(RecordKind::store, 0x7ffbfff8, 16),
            access(RecordKind::fetch, 0x401003, 0),
            control(RecordKind::context_switch, 0, 0, 0, false, 2),
            control(RecordKind::cr3_write, 0x12345000, 0x7ff, 0, true, 2),
            access(RecordKind::load, 0xffffffffff600000, 255, 2),
            access(RecordKind::load, 0x1000, 1, 2),
            control(RecordKind::invlpg, 0x7ffc0000, 0, 0, false, 2),
            control(RecordKind::invpcid, 0x5000, 0x0ff, 1, false, 0xffffffff),
            access(RecordKind::store, 0, 64, 0xffffffff),
            access(RecordKind::fetch, ~0ull, 15, 0)};
}

std::string write_native(const std::string& path, const std::vector<Record>& records) {
    tlmmu::trace::NativeWriter writer(path);
    for (const Record& r : records) writer.write(r);
    writer.commit();
    return path;
}
}  // namespace

TEST_CASE("native: every record kind and field survives a write and a read", "[native]") {
    ScratchDir dir;
    const std::string path = write_native(dir.path("t.native"), varied_records());
    CHECK(tlmmu::trace::detect_format(path) == "native");
    CHECK(read_all(path) == varied_records());
    CHECK(read_all(path, "native", 1) == varied_records());
    // The in-memory encoder produces the same bytes as the file writer.
    CHECK(read_bytes(path) == tlmmu::trace::encode_native(varied_records()));
}

TEST_CASE("native: the documented example encodes byte for byte", "[native]") {
    // docs/trace-formats.md, "Example".
    const std::vector<Record> records = {access(RecordKind::fetch, 0x401000, 3), access(RecordKind::load, 0x7ffc0008, 8),
                                         access(RecordKind::fetch, 0x401003, 5)};
    const std::vector<uint8_t> expected = {
        'T', 'L', 'M', 'M', 'U', 'T', 'R', 'C', 1, 0, 0, 0, 0, 0, 0, 0,  // header
        0x30, 0x80, 0xc0, 0x80, 0x04,                                      // fetch size 3, delta +0x401000
        0x81, 0x90, 0x80, 0xe0, 0xff, 0x0f,                                // load size 8, delta +0x7ffc0008
        0x50, 0x06,                                                        // fetch size 5, delta +3
        0x07, 3, 0, 0, 0, 0, 0, 0, 0};                                     // end marker, 3 records
    CHECK(tlmmu::trace::encode_native(records) == expected);
}

TEST_CASE("native: a random stream round-trips and stays compact", "[native]") {
    ScratchDir dir;
    std::mt19937_64 rng(7);
    std::vector<Record> records;
    uint64_t pc = 0x400000;
    for (int i = 0; i < 100000; ++i) {
        pc += rng() % 8;
        records.push_back(access(RecordKind::fetch, pc, uint8_t(1 + rng() % 15)));
        if (rng() % 3 == 0) records.push_back(access(RecordKind::load, 0x10000000 + (rng() % (1 << 20)) * 8, 8));
    }
    const std::string path = write_native(dir.path("r.native"), records);
    CHECK(read_all(path, "native", 4096) == records);
    CHECK(fs::file_size(path) < records.size() * 4);
}

TEST_CASE("native: every truncation of a file is detected with a byte offset", "[native][errors]") {
    ScratchDir dir;
    const std::vector<uint8_t> full = tlmmu::trace::encode_native(varied_records());
    const std::string path = dir.path("cut.native");
    for (size_t length = 0; length < full.size(); ++length) {
        INFO("length " << length);
        write_bytes(path, {full.begin(), full.begin() + long(length)});
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte "));
    }
}

TEST_CASE("native: corruption is detected", "[native][errors]") {
    ScratchDir dir;
    std::vector<uint8_t> bytes = tlmmu::trace::encode_native(varied_records());
    const std::string path = dir.path("bad.native");
    SECTION("wrong record count in the end marker") {
        bytes[bytes.size() - 8] ^= 1;
        write_bytes(path, bytes);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains("end marker counts"));
    }
    SECTION("data after the end marker") {
        bytes.push_back(0);
        write_bytes(path, bytes);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains("data after the end marker"));
    }
    SECTION("unsupported version") {
        bytes[8] = 9;
        write_bytes(path, bytes);
        CHECK_THAT(trace_error([&] { read_all(path, "native"); }), Catch::Contains(path + ": byte 8: native format version 9"));
    }
    SECTION("an overlong varint") {
        std::vector<uint8_t> b(bytes.begin(), bytes.begin() + 16);
        b.push_back(0x10);                 // fetch, size 1
        b.insert(b.end(), 11, 0xff);       // varint longer than 10 bytes
        b.push_back(0);
        write_bytes(path, b);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 16: corrupt native record"));
    }
}

TEST_CASE("native writer: the file appears only on commit", "[native]") {
    ScratchDir dir;
    const std::string path = dir.path("sub/out.native");
    {
        tlmmu::trace::NativeWriter writer(path);
        for (int i = 0; i < 200000; ++i) writer.write(access(RecordKind::load, uint64_t(i) * 4096, 8));
        CHECK_FALSE(fs::exists(path));
    }  // destroyed without commit
    CHECK_FALSE(fs::exists(path));
    CHECK(fs::is_empty(dir.path("sub")));  // no temporary left behind
    write_native(path, varied_records());
    CHECK(read_all(path) == varied_records());
}
