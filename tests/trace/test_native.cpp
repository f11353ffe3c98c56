#include "support.h"

#include <filesystem>
#include <random>

#include <zlib.h>

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
            access(RecordKind::fetch, ~0ull, 15, 0),
            tlmmu::trace::event_record(RecordKind::unmap, 0x7f0000000000, 256, 3),
            tlmmu::trace::event_record(RecordKind::protect, 0x10000000, 1, 3, tlmmu::trace::prot::READ | tlmmu::trace::prot::EXEC),
            tlmmu::trace::event_record(RecordKind::drop, 0xfffffffffffff000, 1, 0),
            tlmmu::trace::event_record(RecordKind::protect, 0, 0xffffffff, 0xffffffff, 0),
            access(RecordKind::load, 0x7ffc0010, 8, 0)};
}

std::string write_native(const std::string& path, const std::vector<Record>& records,
                         tlmmu::trace::NativeOptions options = {}) {
    tlmmu::trace::NativeWriter writer(path, options);
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

// docs/trace-formats.md, "Example": the file without checksums (flags 0, the
// only layout before block checksums) and with them (flags 1, the default),
// version 2; `example_version1` is the same records as version 1 wrote them.
const std::vector<Record> example_records = {access(RecordKind::fetch, 0x401000, 3),
                                             access(RecordKind::load, 0x7ffc0008, 8),
                                             access(RecordKind::fetch, 0x401003, 5)};
const std::vector<uint8_t> example_version1 = {
    'T', 'L', 'M', 'M', 'U', 'T', 'R', 'C', 1, 0, 0, 0, 0, 0, 0, 0,  // header, version 1, flags 0
    0x30, 0x80, 0xc0, 0x80, 0x04, 0x81, 0x90, 0x80, 0xe0, 0xff, 0x0f, 0x50, 0x06,
    0x07, 3, 0, 0, 0, 0, 0, 0, 0};
const std::vector<uint8_t> example_unchecked = {
    'T', 'L', 'M', 'M', 'U', 'T', 'R', 'C', 2, 0, 0, 0, 0, 0, 0, 0,  // header, flags 0
    0x30, 0x80, 0xc0, 0x80, 0x04,                                      // fetch size 3, delta +0x401000
    0x81, 0x90, 0x80, 0xe0, 0xff, 0x0f,                                // load size 8, delta +0x7ffc0008
    0x50, 0x06,                                                        // fetch size 5, delta +3
    0x07, 3, 0, 0, 0, 0, 0, 0, 0};                                     // end marker, 3 records
const std::vector<uint8_t> example_checked = {
    'T', 'L', 'M', 'M', 'U', 'T', 'R', 'C', 2, 0, 1, 0, 0, 0, 0, 0,  // header, flags 1
    22, 0, 0, 0, 0x82, 0x8c, 0xaf, 0x62,                               // block: 22 bytes, CRC-32 0x62af8c82
    0x30, 0x80, 0xc0, 0x80, 0x04,                                      // the same records
    0x81, 0x90, 0x80, 0xe0, 0xff, 0x0f,
    0x50, 0x06,
    0x07, 3, 0, 0, 0, 0, 0, 0, 0};                                     // end marker, in the last block

// Offsets of the blocks of a checksummed native file.
std::vector<size_t> block_offsets(const std::vector<uint8_t>& bytes) {
    std::vector<size_t> offsets;
    for (size_t at = 16; at + 8 <= bytes.size();) {
        offsets.push_back(at);
        at += 8 + (size_t(bytes[at]) | size_t(bytes[at + 1]) << 8 | size_t(bytes[at + 2]) << 16);
    }
    return offsets;
}

std::vector<Record> many_records(size_t count) {
    std::mt19937_64 rng(11);
    std::vector<Record> records;
    uint64_t pc = 0x400000;
    for (size_t i = 0; i < count; ++i) {
        pc += rng() % 8;
        records.push_back(access(RecordKind::fetch, pc, uint8_t(1 + rng() % 15)));
        if (rng() % 3 == 0) records.push_back(access(RecordKind::load, 0x10000000 + (rng() % (1 << 20)) * 8, 8));
    }
    return records;
}

TEST_CASE("native: the documented example encodes byte for byte", "[native]") {
    CHECK(tlmmu::trace::encode_native(example_records, {false}) == example_unchecked);
    CHECK(tlmmu::trace::encode_native(example_records) == example_checked);
}

TEST_CASE("native: a file of the layout before block checksums still reads", "[native][compat]") {
    ScratchDir dir;
    write_bytes(dir.path("old.native"), example_version1);  // as every earlier writer wrote it
    CHECK(read_all(dir.path("old.native")) == example_records);
    std::vector<uint8_t> checked_v1 = example_checked;  // version 1 with checksums reads too
    checked_v1[8] = 1;
    write_bytes(dir.path("old-checked.native"), checked_v1);
    CHECK(read_all(dir.path("old-checked.native")) == example_records);
    // Written without checksums on purpose: the same layout, every kind of record.
    const std::string path = write_native(dir.path("unchecked.native"), varied_records(), {false});
    CHECK(read_bytes(path)[10] == 0);
    CHECK(read_all(path) == varied_records());
    CHECK(read_bytes(path) == tlmmu::trace::encode_native(varied_records(), {false}));
}

TEST_CASE("native: a bit flip inside a record of a checksummed file is caught with its block's offset",
          "[native][errors]") {
    ScratchDir dir;
    const std::vector<Record> records = many_records(60000);  // several 64 KiB blocks
    const std::string path = write_native(dir.path("big.native"), records);
    const std::vector<uint8_t> good = read_bytes(path);
    REQUIRE(good[10] == 1);
    const std::vector<size_t> blocks = block_offsets(good);
    REQUIRE(blocks.size() >= 3);
    CHECK(blocks.back() + 8 + 9 <= good.size());
    CHECK(read_all(path, "native", 1000) == records);

    // One bit of a record in the third block: the block is checked before any
    // of its records is decoded, so the message names the block.
    std::vector<uint8_t> bad = good;
    const size_t flip_at = blocks[2] + 8 + 1000;
    bad[flip_at] ^= 0x02;
    const std::string corrupt = dir.path("flipped.native");
    write_bytes(corrupt, bad);
    const std::string message = trace_error([&] { read_all(corrupt); });
    CHECK_THAT(message, Catch::Contains(corrupt + ": byte " + std::to_string(blocks[2]) + ": checksum mismatch"));
    // The records before the bad block arrive intact, then the error.
    std::vector<Record> delivered;
    auto reader = tlmmu::trace::open_trace(corrupt);
    Record r;
    CHECK_THROWS_AS([&] { while (reader->read(&r, 1)) delivered.push_back(r); }(), tlmmu::trace::TraceError);
    CHECK(delivered.size() > 1000);
    CHECK(std::equal(delivered.begin(), delivered.end(), records.begin()));
}

TEST_CASE("native: every single bit flip after the header of a checksummed file is refused", "[native][errors]") {
    ScratchDir dir;
    const std::vector<uint8_t> good = tlmmu::trace::encode_native(varied_records());
    const std::string path = dir.path("flip.native");
    for (size_t byte = 16; byte < good.size(); ++byte) {
        for (unsigned bit = 0; bit < 8; ++bit) {
            INFO("byte " << byte << " bit " << bit);
            std::vector<uint8_t> bad = good;
            bad[byte] ^= uint8_t(1u << bit);
            write_bytes(path, bad);
            CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte "));
        }
    }
}

TEST_CASE("native: a random stream round-trips and stays compact", "[native]") {
    ScratchDir dir;
    const std::vector<Record> records = many_records(100000);
    for (const bool checksums : {true, false}) {
        const std::string path = write_native(dir.path("r.native"), records, {checksums});
        CHECK(read_all(path, "native", 4096) == records);
        CHECK(read_all(path, "native", 7) == records);
        CHECK(fs::file_size(path) < records.size() * 4);
    }
}

TEST_CASE("native: every truncation of a file is detected with a byte offset", "[native][errors]") {
    ScratchDir dir;
    for (const bool checksums : {true, false}) {
        const std::vector<uint8_t> full = tlmmu::trace::encode_native(varied_records(), {checksums});
        const std::string path = dir.path("cut.native");
        for (size_t length = 0; length < full.size(); ++length) {
            INFO("checksums " << checksums << " length " << length);
            write_bytes(path, {full.begin(), full.begin() + long(length)});
            CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte "));
        }
    }
}

TEST_CASE("native: corruption is detected", "[native][errors]") {
    ScratchDir dir;
    // Unchecked layout: the record-level checks, which a checksum would pre-empt.
    std::vector<uint8_t> bytes = tlmmu::trace::encode_native(varied_records(), {false});
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
    SECTION("unknown header flags") {
        bytes[10] = 2;
        write_bytes(path, bytes);
        CHECK_THAT(trace_error([&] { read_all(path, "native"); }), Catch::Contains(path + ": byte 10: unknown native header flags"));
    }
}

TEST_CASE("native: event records are documented byte for byte", "[native]") {
    // docs/trace-formats.md, "Event records": unmap of 16 pages at 0x7f0000000000
    // in context 2, then protect of one page read-only in the same context.
    const std::vector<Record> events = {tlmmu::trace::event_record(RecordKind::unmap, 0x7f0000000000, 16, 2),
                                        tlmmu::trace::event_record(RecordKind::protect, 0x10000000, 1, 2, 1)};
    const std::vector<uint8_t> expected = {
        'T', 'L', 'M', 'M', 'U', 'T', 'R', 'C', 2, 0, 0, 0, 0, 0, 0, 0,
        0x1f, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0xe0, 0x1f, 0x10,  // unmap, context 2, va, 16 pages
        0x27, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x01,              // protect, va, 1 page, PROT_READ
        0x07, 2, 0, 0, 0, 0, 0, 0, 0};
    CHECK(tlmmu::trace::encode_native(events, {false}) == expected);
    ScratchDir dir;
    write_bytes(dir.path("events.native"), expected);
    CHECK(read_all(dir.path("events.native")) == events);
}

TEST_CASE("native: bad event records are refused with their byte offset", "[native][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("bad-event.native");
    const std::vector<uint8_t> header = {'T', 'L', 'M', 'M', 'U', 'T', 'R', 'C', 2, 0, 0, 0, 0, 0, 0, 0};
    auto refused = [&](std::vector<uint8_t> record, size_t count) {
        std::vector<uint8_t> b = header;
        b.push_back(0x30);  // a fetch first, so the event is at byte 18
        b.push_back(0x02);
        b.insert(b.end(), record.begin(), record.end());
        b.push_back(0x07);
        for (int i = 0; i < 8; ++i) b.push_back(i == 0 ? uint8_t(count) : 0);
        write_bytes(path, b);
        return trace_error([&] { read_all(path); });
    };
    CHECK_THAT(refused({0x17, 0x81, 0x20, 0x01}, 2), Catch::Contains(path + ": byte 18: corrupt native record: event address is not 4 KiB aligned"));
    CHECK_THAT(refused({0x17, 0x80, 0x20, 0x00}, 2), Catch::Contains(path + ": byte 18: corrupt native record: bad event page count"));
    CHECK_THAT(refused({0x47, 0x00, 0x01}, 2), Catch::Contains(path + ": byte 18: corrupt native record: unknown event record type 4"));
    CHECK_THAT(refused({0x27, 0x00, 0x01, 0x09}, 2), Catch::Contains(path + ": byte 18: corrupt native record: bad protect rights"));
    CHECK_THAT(refused({0x17, 0x80, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02}, 2),
               Catch::Contains(path + ": byte 18: corrupt native record: event range runs past the end of the address space"));
    // In a version 1 file an event tag is what it was then: a bad end marker.
    std::vector<uint8_t> v1 = tlmmu::trace::encode_native({tlmmu::trace::event_record(RecordKind::unmap, 0x1000, 1)}, {false});
    v1[8] = 1;
    write_bytes(path, v1);
    CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 16: corrupt native record: bad end marker tag"));
    // A checksummed file: a flipped bit in an event is caught by its block.
    std::vector<uint8_t> checked = tlmmu::trace::encode_native(varied_records());
    checked[checked.size() - 20] ^= 0x10;
    write_bytes(path, checked);
    CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 16: checksum mismatch"));
}

TEST_CASE("native writer: an event the reader would refuse is never written", "[native][errors]") {
    CHECK_THROWS_WITH(tlmmu::trace::encode_native({tlmmu::trace::event_record(RecordKind::unmap, 0x1234, 1)}),
                      Catch::Contains("not 4 KiB aligned"));
    CHECK_THROWS_WITH(tlmmu::trace::encode_native({tlmmu::trace::event_record(RecordKind::drop, 0x1000, 0)}),
                      Catch::Contains("0 pages"));
    CHECK_THROWS_WITH(tlmmu::trace::encode_native({tlmmu::trace::event_record(RecordKind::protect, 0x1000, 1, 0, 8)}),
                      Catch::Contains("protect rights"));
}

TEST_CASE("native: bad block framing is refused with the block's offset", "[native][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("frame.native");
    SECTION("a block length over the limit") {
        std::vector<uint8_t> bytes = example_checked;
        bytes[18] = 0x10;  // 22 + 0x100000
        write_bytes(path, bytes);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 16: corrupt native block header: length"));
    }
    SECTION("the end marker not at the end of its block") {
        // A consistent block (valid CRC) with a byte after the end marker.
        std::vector<uint8_t> payload(example_checked.begin() + 24, example_checked.end());
        payload.push_back(0);
        std::vector<uint8_t> bytes(example_checked.begin(), example_checked.begin() + 16);
        const uint32_t crc = uint32_t(crc32(0, payload.data(), uInt(payload.size())));
        for (uint32_t v : {uint32_t(payload.size()), crc})
            for (int i = 0; i < 4; ++i) bytes.push_back(uint8_t(v >> (8 * i)));
        bytes.insert(bytes.end(), payload.begin(), payload.end());
        write_bytes(path, bytes);
        CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 37: corrupt native record: the end marker does not end its block"));
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
