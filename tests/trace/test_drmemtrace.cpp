#include "support.h"

#include <filesystem>
#include <fstream>

#include "tlmmu/trace/open.h"
#include "tlmmu/trace/schedule.h"

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
                access(RecordKind::fetch, 0x402005, 4, tid),   access(RecordKind::load, 0x9000, 1, tid)};
    // The no-fetch instruction (0x402009) is counted by the reader, not read as a fetch.
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

TEST_CASE("drmemtrace: instructions without a fetch and metadata entries are counted, not translated", "[drmemtrace]") {
    ScratchDir dir;
    std::vector<uint8_t> b = thread_header(9, 8);  // header, 4 markers, thread, pid
    entry(b, MARKER, 2, 13'000'000);               // timestamp
    entry(b, MARKER, 3, 1);                        // cpu id
    entry(b, INSTR, 2, 0x401000);                  // rep movsb: the first iteration is fetched,
    entry(b, READ, 1, 0x8000);
    entry(b, WRITE, 1, 0x9000);
    for (int i = 1; i < 4; ++i) {                  // the next three are not
        entry(b, NO_FETCH, 2, 0x401000);
        entry(b, READ, 1, 0x8000 + uint64_t(i));
        entry(b, WRITE, 1, 0x9000 + uint64_t(i));
    }
    entry(b, INSTR, 3, 0x401002);
    entry(b, ENCODING, 3, 0x123456);
    entry(b, DATA_FLUSH, 64, 0x9000);
    entry(b, THREAD_EXIT, 4, 9);
    entry(b, FOOTER, 0, 0);
    const std::string path = dir.path("rep.raw");
    write_bytes(path, b);

    auto reader = tlmmu::trace::open_trace(path);
    std::vector<Record> got(64);
    got.resize(reader->read(got.data(), got.size()));
    std::vector<Record> expected = {access(RecordKind::fetch, 0x401000, 2, 9), access(RecordKind::load, 0x8000, 1, 9),
                                    access(RecordKind::store, 0x9000, 1, 9)};
    for (uint64_t i = 1; i < 4; ++i) {
        expected.push_back(access(RecordKind::load, 0x8000 + i, 1, 9));
        expected.push_back(access(RecordKind::store, 0x9000 + i, 1, 9));
    }
    expected.push_back(access(RecordKind::fetch, 0x401002, 3, 9));
    CHECK(got == expected);
    CHECK(reader->read(got.data(), got.size()) == 0);
    const tlmmu::trace::ReaderStats stats = reader->stats();
    CHECK(stats.unfetched_instructions == 3);
    CHECK(stats.markers == 6);         // version, file type, line size, page size, timestamp, cpu id
    CHECK(stats.thread_records == 5);  // header, thread, pid, thread exit, footer
    CHECK(stats.other_skipped == 2);   // the encoding and the cache flush
}

namespace {

constexpr uint64_t kPid = 70, kThreadA = 100, kThreadB = 101;

// A hand-built thread: its entries, and the records each of its instructions
// gives (instructions counted as DynamoRIO counts them: fetched or not, one
// per bundle member).
struct ThreadFixture {
    std::vector<uint8_t> bytes;
    std::vector<std::vector<Record>> by_instruction;
};

// Thread A: a rep iteration without a fetch (instruction 1) and a bundle
// (instructions 3 and 4) that a schedule boundary at 4 splits.
ThreadFixture thread_a() {
    ThreadFixture t;
    const uint32_t c = kPid;  // records carry the process id when interleaved by a schedule
    t.bytes = thread_header(kThreadA, kPid);
    entry(t.bytes, MARKER, 2, 10);  // timestamp
    entry(t.bytes, MARKER, 3, 0);   // cpu id
    entry(t.bytes, INSTR, 4, 0x10000);
    entry(t.bytes, READ, 8, 0x50000);
    t.by_instruction.push_back({access(RecordKind::fetch, 0x10000, 4, c), access(RecordKind::load, 0x50000, 8, c)});
    entry(t.bytes, NO_FETCH, 4, 0x10000);
    entry(t.bytes, READ, 8, 0x50008);
    t.by_instruction.push_back({access(RecordKind::load, 0x50008, 8, c)});
    entry(t.bytes, INSTR, 2, 0x10004);
    t.by_instruction.push_back({access(RecordKind::fetch, 0x10004, 2, c)});
    entry(t.bytes, BUNDLE, 2, 0x0503);  // lengths 3 and 5
    t.by_instruction.push_back({access(RecordKind::fetch, 0x10006, 3, c)});
    t.by_instruction.push_back({access(RecordKind::fetch, 0x10009, 5, c)});
    entry(t.bytes, MARKER, 2, 30);
    entry(t.bytes, MARKER, 3, 0);
    entry(t.bytes, INSTR, 4, 0x10020);
    entry(t.bytes, WRITE, 8, 0x50010);
    t.by_instruction.push_back({access(RecordKind::fetch, 0x10020, 4, c), access(RecordKind::store, 0x50010, 8, c)});
    entry(t.bytes, THREAD_EXIT, 4, kThreadA);
    entry(t.bytes, FOOTER, 0, 0);
    return t;
}

// Thread B: six plain instructions, each with a load.
ThreadFixture thread_b() {
    ThreadFixture t;
    t.bytes = thread_header(kThreadB, kPid);
    for (uint64_t k = 0; k < 6; ++k) {
        if (k == 0 || k == 3) {
            entry(t.bytes, MARKER, 2, k == 0 ? 20 : 40);
            entry(t.bytes, MARKER, 3, 1);
        }
        entry(t.bytes, INSTR, 4, 0x20000 + 4 * k);
        entry(t.bytes, READ, 8, 0x60000 + 8 * k);
        t.by_instruction.push_back({access(RecordKind::fetch, 0x20000 + 4 * k, 4, uint32_t(kPid)),
                                    access(RecordKind::load, 0x60000 + 8 * k, 8, uint32_t(kPid))});
    }
    entry(t.bytes, THREAD_EXIT, 4, kThreadB);
    entry(t.bytes, FOOTER, 0, 0);
    return t;
}

struct Sched {
    uint64_t thread, timestamp, cpu, start_instruction;
};

// Packed schedule_entry_t records, as DynamoRIO writes them.
std::vector<uint8_t> schedule_bytes(const std::vector<Sched>& entries) {
    std::vector<uint8_t> b;
    for (const Sched& e : entries) {
        put64(b, e.thread);
        put64(b, e.timestamp);
        put64(b, e.cpu);
        put64(b, e.start_instruction);
    }
    return b;
}

// A directory with threads A and B (drrun's layout: the trace/ subdirectory).
std::string two_thread_dir(const ScratchDir& dir) {
    const std::string root = dir.path("drmemtrace.app.70.0000.dir");
    std::filesystem::create_directories(root + "/trace");
    write_zip(root + "/trace/drmemtrace.app.100.trace.zip", {{"chunk.0000", thread_a().bytes}});
    write_zip(root + "/trace/drmemtrace.app.101.trace.zip", {{"chunk.0000", thread_b().bytes}});
    return root;
}

// A's instructions 0-3, B's 0-2, A's 4-5, B's 3-5: the recorded order.
const std::vector<Sched> kRecorded = {{kThreadA, 10, 0, 0}, {kThreadB, 20, 1, 0}, {kThreadA, 30, 0, 4}, {kThreadB, 40, 1, 3}};

std::vector<Record> recorded_order() {
    const ThreadFixture a = thread_a(), b = thread_b();
    Record to_process;
    to_process.kind = RecordKind::context_switch;
    to_process.context = uint32_t(kPid);
    std::vector<Record> out;
    auto take = [&](const ThreadFixture& t, size_t from, size_t to) {
        for (size_t k = from; k < to; ++k) out.insert(out.end(), t.by_instruction[k].begin(), t.by_instruction[k].end());
    };
    take(a, 0, 4);
    out.push_back(to_process);
    take(b, 0, 3);
    out.push_back(to_process);
    take(a, 4, 6);
    out.push_back(to_process);
    take(b, 3, 6);
    return out;
}

std::vector<Record> read_stream(tlmmu::trace::Stream& s, size_t batch = 1000) {
    std::vector<Record> all, buf(batch);
    while (size_t n = s.reader->read(buf.data(), buf.size())) all.insert(all.end(), buf.begin(), buf.begin() + long(n));
    return all;
}

std::vector<Record> scheduled(const std::string& root, size_t batch = 1000) {
    auto streams = tlmmu::trace::open_streams(root, "auto", tlmmu::trace::Interleave::automatic);
    REQUIRE(streams.size() == 1);
    CHECK(streams[0].process == kPid);
    CHECK(streams[0].reader->carries_contexts());
    return read_stream(streams[0], batch);
}

}  // namespace

TEST_CASE("drmemtrace schedule: a serial schedule interleaves the threads as recorded", "[drmemtrace][schedule]") {
    ScratchDir dir;
    const std::string root = two_thread_dir(dir);
    const std::string plain = root + "/trace/serial_schedule.bin";
    write_bytes(plain, schedule_bytes(kRecorded));
    compress_with("gzip", plain);  // serial_schedule.bin.gz, as raw2trace writes it
    std::filesystem::remove(plain);
    REQUIRE(tlmmu::trace::find_schedule(root) == root + "/trace/serial_schedule.bin.gz");

    CHECK(scheduled(root) == recorded_order());
    CHECK(scheduled(root, 1) == recorded_order());  // record by record: the same stretches

    // Today's interleave is the other setting: one stream per thread, each whole.
    auto threads = tlmmu::trace::open_streams(root, "auto", tlmmu::trace::Interleave::quantum);
    REQUIRE(threads.size() == 2);
    CHECK(threads[0].thread == kThreadA);
    CHECK(read_stream(threads[1]).size() == 12);
}

TEST_CASE("drmemtrace schedule: a cpu schedule's CPUs merge by timestamp into the same order", "[drmemtrace][schedule]") {
    ScratchDir dir;
    const std::string root = two_thread_dir(dir);
    write_zip(root + "/trace/cpu_schedule.bin.zip", {{"0", schedule_bytes({kRecorded[0], kRecorded[2]})},
                                                     {"1", schedule_bytes({kRecorded[1], kRecorded[3]})}});
    const tlmmu::trace::Schedule s = tlmmu::trace::read_schedule(root + "/trace/cpu_schedule.bin.zip");
    REQUIRE(s.entries.size() == 4);
    CHECK(s.entries[2].thread == kThreadA);
    CHECK(s.entries[2].start_instruction == 4);
    CHECK(scheduled(root) == recorded_order());
}

TEST_CASE("drmemtrace schedule: consecutive entries of one thread are one stretch", "[drmemtrace][schedule]") {
    ScratchDir dir;
    const std::string root = two_thread_dir(dir);
    // A migrates between CPUs at instruction 2 without another thread between.
    write_bytes(root + "/trace/serial_schedule.bin",
                schedule_bytes({{kThreadA, 10, 0, 0}, {kThreadA, 15, 1, 2}, {kThreadB, 20, 1, 0}, {kThreadA, 30, 0, 4},
                                {kThreadB, 40, 1, 3}}));
    CHECK(scheduled(root) == recorded_order());
}

TEST_CASE("drmemtrace schedule: a corrupt schedule is refused naming the file and byte offset", "[drmemtrace][schedule][errors]") {
    ScratchDir dir;
    const std::string root = two_thread_dir(dir);
    const std::string file = root + "/trace/serial_schedule.bin";
    auto refused = [&](const std::vector<uint8_t>& bytes) {
        write_bytes(file, bytes);
        return trace_error([&] { scheduled(root); });
    };
    SECTION("a cut-off entry") {
        std::vector<uint8_t> b = schedule_bytes(kRecorded);
        b.resize(b.size() - 27);
        CHECK_THAT(refused(b), Catch::Contains(file + ": byte 96: truncated schedule entry (5 of 32 bytes)"));
    }
    SECTION("timestamps out of order") {
        CHECK_THAT(refused(schedule_bytes({{kThreadA, 10, 0, 0}, {kThreadB, 30, 1, 0}, {kThreadA, 20, 0, 4}})),
                   Catch::Contains(file + ": byte 64: schedule entry out of order: timestamp 20"));
    }
    SECTION("a thread going backwards") {
        CHECK_THAT(refused(schedule_bytes({{kThreadA, 10, 0, 4}, {kThreadB, 20, 1, 0}, {kThreadA, 30, 0, 2}})),
                   Catch::Contains(file + ": byte 64: thread 100 resumes at instruction 2, before its previous entry's 4"));
    }
    SECTION("a thread the directory does not have") {
        CHECK_THAT(refused(schedule_bytes({{kThreadA, 10, 0, 0}, {999, 20, 1, 0}, {kThreadB, 30, 1, 0}})),
                   Catch::Contains(file + ": byte 32: thread 999 of the schedule has no trace file"));
    }
    SECTION("a thread the schedule never runs") {
        CHECK_THAT(refused(schedule_bytes({{kThreadA, 10, 0, 0}})), Catch::Contains(file + ": thread 101"));
    }
    SECTION("a thread run past its end") {
        CHECK_THAT(refused(schedule_bytes({{kThreadA, 10, 0, 0}, {kThreadB, 20, 1, 0}, {kThreadA, 30, 0, 9}})),
                   Catch::Contains("thread 100 ends after 6 instructions, but the schedule (" + file +
                                   ": byte 64) runs it to instruction 9"));
    }
    SECTION("empty") {
        CHECK_THAT(refused({}), Catch::Contains(file + ": holds no schedule entries"));
    }
    SECTION("a cpu schedule entry in another CPU's member") {
        std::filesystem::remove(file);
        const std::string zip = root + "/trace/cpu_schedule.bin.zip";
        write_zip(zip, {{"0", schedule_bytes({kRecorded[0], kRecorded[1]})}});
        CHECK_THAT(trace_error([&] { scheduled(root); }),
                   Catch::Contains(zip + " (member '0'): byte 32: schedule entry of cpu 1 in the member of cpu 0"));
    }
}

TEST_CASE("drmemtrace schedule: a directory without schedule files is one stream per thread", "[drmemtrace][schedule]") {
    ScratchDir dir;
    const std::string root = two_thread_dir(dir);
    CHECK(tlmmu::trace::find_schedule(root).empty());
    CHECK(tlmmu::trace::open_streams(root, "auto", tlmmu::trace::Interleave::automatic).size() == 2);
    CHECK_THAT(trace_error([&] { tlmmu::trace::open_streams(root, "auto", tlmmu::trace::Interleave::schedule); }),
               Catch::Contains(root + ": interleave 'schedule' needs a schedule file"));
    CHECK(tlmmu::trace::parse_interleave("quantum") == tlmmu::trace::Interleave::quantum);
    CHECK_THAT(trace_error([] { tlmmu::trace::parse_interleave("sometimes"); }), Catch::Contains("'sometimes'"));
}
