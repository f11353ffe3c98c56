#include "support.h"

#include <cstring>

#include "tlmmu/trace/open.h"

using namespace trace_test;

namespace {
// One input_instr (64 bytes) laid out field by field as ChampSim's
// inc/trace_instruction.h declares it.
std::vector<uint8_t> input_instr(uint64_t ip, std::vector<uint64_t> dst, std::vector<uint64_t> src, uint8_t branch = 0) {
    std::vector<uint8_t> b;
    put64(b, ip);
    b.push_back(branch);  // is_branch
    b.push_back(branch);  // branch_taken
    b.insert(b.end(), {1, 2});        // destination_registers[2]
    b.insert(b.end(), {3, 4, 5, 6});  // source_registers[4]
    dst.resize(2);
    src.resize(4);
    for (uint64_t a : dst) put64(b, a);
    for (uint64_t a : src) put64(b, a);
    REQUIRE(b.size() == 64);
    return b;
}

// One cloudsuite_instr (96 bytes, with the compiler's padding).
std::vector<uint8_t> cloudsuite_instr(uint64_t ip, std::vector<uint64_t> dst, std::vector<uint64_t> src, uint8_t asid0,
                                      uint8_t asid1) {
    std::vector<uint8_t> b;
    put64(b, ip);
    b.insert(b.end(), {0, 0});                    // is_branch, branch_taken
    b.insert(b.end(), {1, 2, 3, 4, 5, 6, 7, 8});  // destination_registers[4], source_registers[4]
    b.insert(b.end(), 6, 0xee);                   // padding to 8-byte alignment (any content)
    dst.resize(4);
    src.resize(4);
    for (uint64_t a : dst) put64(b, a);
    for (uint64_t a : src) put64(b, a);
    b.push_back(asid0);
    b.push_back(asid1);
    b.insert(b.end(), 6, 0xee);  // tail padding
    REQUIRE(b.size() == 96);
    return b;
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> all;
    for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
    return all;
}
}  // namespace

TEST_CASE("champsim: each instruction is a fetch then its loads then its stores", "[champsim]") {
    ScratchDir dir;
    const std::string path = dir.path("x.champsimtrace");
    write_bytes(path, concat({input_instr(0x401000, {0x7ff0}, {0x6000, 0, 0x6008}),
                              input_instr(0x401004, {}, {}, 1), input_instr(0x401008, {0x9000, 0x9008}, {0x8000, 0x8008, 0x8010, 0x8018})}));
    CHECK(tlmmu::trace::detect_format(path) == "champsim");
    const std::vector<Record> expected = {
        access(RecordKind::fetch, 0x401000, 0), access(RecordKind::load, 0x6000, 0),  access(RecordKind::load, 0x6008, 0),
        access(RecordKind::store, 0x7ff0, 0),   access(RecordKind::fetch, 0x401004, 0), access(RecordKind::fetch, 0x401008, 0),
        access(RecordKind::load, 0x8000, 0),    access(RecordKind::load, 0x8008, 0),  access(RecordKind::load, 0x8010, 0),
        access(RecordKind::load, 0x8018, 0),    access(RecordKind::store, 0x9000, 0), access(RecordKind::store, 0x9008, 0)};
    CHECK(read_all(path) == expected);
    CHECK(read_all(path, "champsim", 1) == expected);
    CHECK(read_all(compress_with("xz", path)) == expected);
    CHECK(read_all(compress_with("gzip", path)) == expected);
}

TEST_CASE("champsim-cloudsuite: 96-byte records with asid 0 tagging the fetch and asid 1 the data", "[champsim]") {
    ScratchDir dir;
    const std::string path = dir.path("cassandra.cloudsuite.trace");
    write_bytes(path, concat({cloudsuite_instr(0x10000, {0x20000, 0, 0, 0x20040}, {0x30000}, 3, 4),
                              cloudsuite_instr(0x10004, {}, {0, 0, 0, 0x30040}, 5, 6)}));
    CHECK(tlmmu::trace::detect_format(path) == "champsim-cloudsuite");
    const std::vector<Record> expected = {
        access(RecordKind::fetch, 0x10000, 0, 3), access(RecordKind::load, 0x30000, 0, 4),
        access(RecordKind::store, 0x20000, 0, 4), access(RecordKind::store, 0x20040, 0, 4),
        access(RecordKind::fetch, 0x10004, 0, 5), access(RecordKind::load, 0x30040, 0, 6)};
    CHECK(read_all(path) == expected);
    CHECK(read_all(compress_with("zstd", path)) == expected);
}

TEST_CASE("champsim: a truncated record is reported with its byte offset", "[champsim][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("t.champsim");
    std::vector<uint8_t> bytes = concat({input_instr(0x1000, {}, {}), input_instr(0x1004, {}, {}), input_instr(0x1008, {}, {})});
    bytes.resize(64 * 2 + 10);
    write_bytes(path, bytes);
    const std::string message = trace_error([&] { read_all(path); });
    CHECK_THAT(message, Catch::Contains(path + ": byte 128: truncated champsim record (10 of 64 bytes)"));
    // The same in a compressed file: the offset is in the decompressed stream.
    const std::string xz = compress_with("xz", path);
    CHECK_THAT(trace_error([&] { read_all(xz); }), Catch::Contains(xz + ": byte 128: truncated"));
}

TEST_CASE("champsim: a record whose branch flags are not 0 or 1 is reported as corrupt", "[champsim][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("t.champsim");
    std::vector<uint8_t> bytes = concat({input_instr(0x1000, {}, {}), input_instr(0x1004, {}, {})});
    bytes[64 + 8] = 7;
    write_bytes(path, bytes);
    CHECK_THAT(trace_error([&] { read_all(path); }), Catch::Contains(path + ": byte 64: corrupt champsim record"));
}
