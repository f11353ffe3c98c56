// The replay engine: every record reaches Mmu::translate with the right
// access type, control events of native traces are applied, processes are
// scheduled, MPKI is computed against fetch records.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include <filesystem>

#include "native_traces.h"
#include "tlmmu/trace/export.h"
#include "tlmmu/replay/replay.h"

using namespace tlmmu;
using namespace replay_test;
using replay::ReplayOptions;
using replay::ReplayResult;

namespace {
constexpr uint64_t kData = 0x10000000ull;

ReplayOptions small_options() {
    ReplayOptions o;
    o.os.memory_bytes = 256ull << 20;
    return o;
}
}  // namespace

TEST_CASE("a sequential synthetic trace: one demand fault per page, L2 hits on later passes") {
    const ReplayResult r = replay::replay({"synth:sequential,pages=512,passes=4"}, small_options());
    CHECK(r.accesses == 2048);
    CHECK(r.loads == 2048);
    CHECK(r.instructions == 0);
    CHECK(r.os.demand_faults == 512);
    // 512 pages > 64 L1D entries (LRU): every access misses L1D; they fit the
    // 1536-entry L2, so only the first pass (faulting try and retry) walks.
    CHECK(r.mmu.l1d.total_hits() == 0);
    CHECK(r.mmu.l2.total_hits() == 3 * 512);
    CHECK(r.mmu.walk.walks == 2 * 512);
}

TEST_CASE("fetch, load and store records become fetch, read and write translations") {
    const std::string path = write_native("kinds.tlt", {
        access(RecordKind::fetch, 0x400000, 4),
        access(RecordKind::load, kData),
        access(RecordKind::store, kData + 0x1000),
        access(RecordKind::store, kData),
    });
    const ReplayResult r = replay::replay({path}, small_options());
    CHECK(r.instructions == 1);
    CHECK(r.loads == 1);
    CHECK(r.stores == 2);
    CHECK(r.mmu.l1i.lookups == 2);  // the fault and its retry
    const auto& d = r.mmu.l1d;
    CHECK(d.hits[unsigned(AccessType::write)][0] + d.misses[unsigned(AccessType::write)][0] >= 2);
    CHECK(r.os.demand_faults == 3);
    CHECK(r.os.protection_faults == 0);  // data pages are mapped writable
}

TEST_CASE("an access spilling into the next page translates both pages") {
    const std::string path = write_native("crossing.tlt", {access(RecordKind::load, kData + 0xffc, 8)});
    const ReplayResult r = replay::replay({path}, small_options());
    CHECK(r.page_crossings == 1);
    CHECK(r.translations == 2);
    CHECK(r.os.demand_faults == 2);
}

TEST_CASE("native control events go through the MMU's control operations") {
    std::vector<Record> records;
    for (int i = 0; i < 4; ++i) records.push_back(access(RecordKind::load, kData + i * 4096));
    Record inv = control(RecordKind::invlpg);
    inv.address = kData;
    records.push_back(inv);
    records.push_back(access(RecordKind::load, kData));  // misses again after the INVLPG
    Record pcid = control(RecordKind::invpcid);
    pcid.type = 2;  // all contexts, globals included
    records.push_back(pcid);
    records.push_back(access(RecordKind::load, kData + 4096));
    Record cr3 = control(RecordKind::cr3_write, 0);
    cr3.pcid = 5;
    cr3.noflush = true;
    records.push_back(cr3);
    records.push_back(control(RecordKind::context_switch, 1));
    records.push_back(access(RecordKind::load, kData, 8, 1));
    const std::string path = write_native("control.tlt", records);

    const ReplayResult r = replay::replay({path}, small_options());
    CHECK(r.mmu.ops[unsigned(Operation::invlpg)].count == 1);
    CHECK(r.mmu.ops[unsigned(Operation::invpcid)].count == 1);
    CHECK(r.mmu.l1d.invalidations[unsigned(InvalidationCause::invlpg)] >= 1);
    CHECK(r.mmu.l1d.invalidations[unsigned(InvalidationCause::invpcid_all)] >= 3);
    CHECK(r.os.control_events == 3 + 0);  // cr3_write, invlpg, invpcid (a context switch is the scheduler's)
    CHECK(r.os.control_faults == 0);
    CHECK(r.os.processes == 2);  // context 1 is a second address space
    CHECK(r.os.mm_switches == 2);
    CHECK(r.os.demand_faults == 5);
    // 4 first touches + their retries, the reload after INVLPG, the reload after INVPCID, context 1's.
    CHECK(r.mmu.l1d.total_misses() == 4 * 2 + 1 + 1 + 2);
}

TEST_CASE("a traced CR3 write with PCIDs off drops the PCID and the no-flush hint") {
    Record cr3 = control(RecordKind::cr3_write);
    cr3.pcid = 3;
    cr3.noflush = true;
    const std::string path = write_native("cr3-off.tlt", {access(RecordKind::load, kData), cr3, access(RecordKind::load, kData)});
    ReplayOptions o = small_options();
    o.os.pcid = os::PcidMode::off;
    const ReplayResult r = replay::replay({path}, o);
    CHECK(r.os.pcid_ignored == 1);
    CHECK(r.os.control_faults == 0);
    CHECK(r.mmu.l1d.invalidations[unsigned(InvalidationCause::mov_cr3)] >= 1);  // it flushed
}

TEST_CASE("several traces are processes scheduled round robin every quantum") {
    ReplayOptions o = small_options();
    o.os.quantum = 100;
    o.os.pcid = os::PcidMode::off;
    const std::string a = "synth:sequential,pages=8,passes=100";  // 800 records
    const ReplayResult r = replay::replay({a, a}, o);
    CHECK(r.os.processes == 2);
    CHECK(r.accesses == 1600);
    // 16 quanta in turn: 15 switches + the first schedule.
    CHECK(r.os.mm_switches == 16);
    CHECK(r.os.timer_ticks == 15);  // every quantum but the last ended on the timer
    // PCIDs off: each quantum starts by refilling its 8 pages.
    CHECK(r.mmu.l1d.total_misses() == 16 * 8 + 2 * 8);  // +: the faulting tries of the first touches

    o.os.pcid = os::PcidMode::noflush;
    const ReplayResult n = replay::replay({a, a}, o);
    CHECK(n.mmu.l1d.total_misses() == 2 * 8 * 2);  // first touches only (fault + retry)
    CHECK(n.os.asid_reuses == 14);
}

TEST_CASE("MPKI counts misses per thousand fetch records") {
    const ReplayResult r = replay::replay({"synth:random,pages=2000,accesses=5000,fetch=1,seed=3"}, small_options());
    CHECK(r.instructions == 5000);
    CHECK(r.per_kilo_instruction(r.mmu.l1d.total_misses()) ==
          Approx(1000.0 * double(r.mmu.l1d.total_misses()) / 5000.0));
    CHECK(r.mmu.l1d.total_misses() > 2000);
}

TEST_CASE("a record limit stops the replay after N records") {
    ReplayOptions o = small_options();
    o.limit = 1000;
    const ReplayResult r = replay::replay({"synth:sequential,pages=100,passes=100"}, o);
    CHECK(r.records == 1000);
    CHECK(r.limited);
}

TEST_CASE("a change of context in a native trace is a switch to that address space") {
    const std::string path = write_native("contexts.tlt", {
        access(RecordKind::load, kData, 8, 0),
        access(RecordKind::load, kData, 8, 1),
        access(RecordKind::load, kData, 8, 0),
        access(RecordKind::load, kData, 8, 1),
    });
    const ReplayResult r = replay::replay({path}, small_options());
    CHECK(r.os.processes == 2);
    CHECK(r.os.mm_switches == 4);
    CHECK(r.os.demand_faults == 2);  // one page in each address space
    CHECK(r.os.asid_reuses == 2);
}

TEST_CASE("a limit equal to the trace length is not reported as a cut") {
    ReplayOptions o = small_options();
    o.limit = 1000;
    const ReplayResult r = replay::replay({"synth:sequential,pages=100,passes=10"}, o);
    CHECK(r.records == 1000);
    CHECK_FALSE(r.limited);
}

TEST_CASE("replays are deterministic") {
    const ReplayResult a = replay::replay({"synth:chase,pages=300,passes=3,seed=7"}, small_options());
    const ReplayResult b = replay::replay({"synth:chase,pages=300,passes=3,seed=7"}, small_options());
    CHECK(a.mmu.l1d.total_misses() == b.mmu.l1d.total_misses());
    CHECK(a.mmu.walk.pt_reads == b.mmu.walk.pt_reads);
    CHECK(a.mmu.latency.sum == b.mmu.latency.sum);
}

TEST_CASE("a truncated native trace fails naming the file") {
    const std::string path = write_native("whole.tlt", {access(RecordKind::load, kData), access(RecordKind::load, kData + 4096)});
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string cut = temp_path("cut.tlt");
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() - 3);
    CHECK_THROWS_WITH(replay::replay({cut}, small_options()), Catch::Contains("cut.tlt"));
}

TEST_CASE("threads of one process share its address space; other processes do not") {
    namespace fs = std::filesystem;
    const std::string dir = temp_path("two-threads");
    fs::remove_all(dir);
    fs::create_directories(dir);
    // Two threads of process 7 touching the same 16 pages, and one thread of process 8.
    auto write_thread = [&](const std::string& file, uint32_t pid, uint32_t tid) {
        trace::ExportOptions eo;
        eo.drmemtrace_pid = pid;
        eo.drmemtrace_tid = tid;
        auto out = trace::make_exporter(dir + "/" + file, "drmemtrace", eo);
        std::vector<Record> records;
        for (int pass = 0; pass < 10; ++pass)
            for (int i = 0; i < 16; ++i) {
                records.push_back(access(RecordKind::fetch, 0x400000 + 4 * i, 4));
                records.push_back(access(RecordKind::load, kData + 4096ull * i));
            }
        out->write(records.data(), records.size());
        out->commit();
    };
    write_thread("a.zip", 7, 70);
    write_thread("b.zip", 7, 71);
    ReplayOptions o = small_options();
    o.os.quantum = 32;
    ReplayResult r = replay::replay({dir}, o);
    CHECK(r.streams == 2);
    CHECK(r.os.processes == 1);
    CHECK(r.os.demand_faults == 17);  // 16 data pages + 1 code page, mapped once for both threads
    CHECK(r.os.thread_switches > 0);
    CHECK(r.os.mm_switches == 1);

    write_thread("c.zip", 8, 80);
    r = replay::replay({dir}, o);
    CHECK(r.streams == 3);
    CHECK(r.os.processes == 2);
    CHECK(r.os.demand_faults == 34);
}

TEST_CASE("records from a callback replay as the same records from a file") {
    std::vector<Record> records;
    for (int pass = 0; pass < 3; ++pass)
        for (int i = 0; i < 300; ++i) {
            records.push_back(access(RecordKind::fetch, 0x400000 + (i % 16) * 64, 4));
            records.push_back(access(i % 3 ? RecordKind::load : RecordKind::store, kData + i * 4096 + 0xffc, 8));
        }
    Record inv = control(RecordKind::invlpg);
    inv.address = kData;
    records.push_back(inv);
    records.push_back(access(RecordKind::load, kData));
    const ReplayResult from_file = replay::replay({write_native("callback.tlt", records)}, small_options());

    // Handed out in odd-sized batches, whatever the reader asks for.
    size_t next = 0;
    auto fill = [&](Record* out, size_t capacity) {
        const size_t n = std::min({capacity, size_t(7), records.size() - next});
        std::copy(records.begin() + long(next), records.begin() + long(next + n), out);
        next += n;
        return n;
    };
    std::vector<replay::Source> sources(1);
    sources[0].name = "generated";
    sources[0].format = "records";
    trace::Stream stream;
    stream.reader = trace::make_callback_reader("generated", fill);
    sources[0].streams.push_back(std::move(stream));
    const ReplayResult from_callback = replay::replay(std::move(sources), small_options());

    CHECK(from_callback.traces == std::vector<std::string>{"generated"});
    CHECK(from_callback.formats == std::vector<std::string>{"records"});
    CHECK(from_callback.records == from_file.records);
    CHECK(from_callback.accesses == from_file.accesses);
    CHECK(from_callback.page_crossings == from_file.page_crossings);
    CHECK(from_callback.page_crossings == 900);
    CHECK(from_callback.os.demand_faults == from_file.os.demand_faults);
    CHECK(from_callback.os.control_events == 1);
    CHECK(stats_to_json(from_callback.mmu) == stats_to_json(from_file.mmu));
}

TEST_CASE("an error thrown by a callback reader reaches the caller, and a source without streams is refused") {
    auto failing = [](Record*, size_t) -> size_t { throw std::runtime_error("source broke"); };
    std::vector<replay::Source> sources(1);
    sources[0].name = "broken";
    trace::Stream stream;
    stream.reader = trace::make_callback_reader("broken", failing);
    sources[0].streams.push_back(std::move(stream));
    CHECK_THROWS_WITH(replay::replay(std::move(sources), small_options()), "source broke");

    std::vector<replay::Source> empty(1);
    empty[0].name = "nothing";
    CHECK_THROWS_WITH(replay::replay(std::move(empty), small_options()), "nothing: no trace streams found");
    CHECK_THROWS_AS(replay::replay(std::vector<replay::Source>{}, small_options()), trace::TraceError);
}

namespace {

void put64(std::vector<uint8_t>& b, uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i)));
}

// Two threads of process 7 (tids 70, 71) of 15 instructions each, as drmemtrace zips.
std::string two_thread_directory(const std::string& name) {
    namespace fs = std::filesystem;
    const std::string dir = temp_path(name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (uint32_t tid : {70u, 71u}) {
        trace::ExportOptions eo;
        eo.drmemtrace_pid = 7;
        eo.drmemtrace_tid = tid;
        auto out = trace::make_exporter(dir + "/thread." + std::to_string(tid) + ".zip", "drmemtrace", eo);
        std::vector<Record> records;
        for (int i = 0; i < 15; ++i) {
            records.push_back(access(RecordKind::fetch, 0x400000 + 4 * i, 4));
            records.push_back(access(RecordKind::load, kData + 4096ull * i));
        }
        out->write(records.data(), records.size());
        out->commit();
    }
    return dir;
}

}  // namespace

TEST_CASE("a drmemtrace schedule file sets where the threads switch; quantum interleave remains the other choice") {
    const std::string dir = two_thread_directory("scheduled");
    // serial_schedule.bin: 70 runs instructions 0-4, 71 0-4, 70 5-9, 71 5-9, 70 10-14, 71 10-14.
    std::vector<uint8_t> schedule;
    const uint64_t entries[][4] = {{70, 10, 0, 0}, {71, 20, 1, 0}, {70, 30, 0, 5}, {71, 40, 1, 5}, {70, 50, 0, 10}, {71, 60, 1, 10}};
    for (const auto& e : entries)
        for (uint64_t field : e) put64(schedule, field);
    std::ofstream(dir + "/serial_schedule.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(schedule.data()), std::streamsize(schedule.size()));

    ReplayOptions o = small_options();
    o.os.quantum = 1000000;  // no timer tick: every switch is the schedule's
    ReplayResult r = replay::replay({dir}, o);  // interleave auto: the schedule
    CHECK(r.streams == 1);
    CHECK(r.os.processes == 1);
    CHECK(r.os.thread_switches == 5);
    CHECK(r.os.mm_switches == 1);
    CHECK(r.instructions == 30);
    CHECK(r.loads == 30);
    CHECK(r.os.demand_faults == 16);  // 15 data pages and the code page, shared by both threads

    o.interleave = trace::Interleave::quantum;
    r = replay::replay({dir}, o);
    CHECK(r.streams == 2);
    CHECK(r.os.thread_switches == 1);  // 70 to its end, then 71
    CHECK(r.instructions == 30);
    CHECK(r.os.demand_faults == 16);
}

TEST_CASE("drmemtrace instructions without a fetch count as instructions but are not translated") {
    // One thread: a fetched string instruction, then three iterations of type `repeat`.
    auto thread = [](uint16_t repeat, const std::string& name) {
        std::vector<uint8_t> b;
        auto entry = [&b](uint16_t type, uint16_t size, uint64_t addr) {
            b.push_back(uint8_t(type));
            b.push_back(uint8_t(type >> 8));
            b.push_back(uint8_t(size));
            b.push_back(uint8_t(size >> 8));
            put64(b, addr);
        };
        entry(25, 0, 5);         // header
        entry(22, 4, 9);         // thread
        entry(24, 4, 8);         // pid
        entry(10, 2, 0x401000);  // rep stosb, fetched
        entry(1, 1, kData);
        for (uint64_t i = 1; i < 4; ++i) {
            entry(repeat, 2, 0x401000);
            entry(1, 1, kData + i);
        }
        entry(26, 0, 0);         // footer
        const std::string path = temp_path(name);
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
        return path;
    };
    const ReplayResult r = replay::replay({thread(29, "rep-no-fetch.raw")}, small_options());  // TRACE_TYPE_INSTR_NO_FETCH
    CHECK(r.instructions == 4);
    CHECK(r.reader.unfetched_instructions == 3);
    CHECK(r.accesses == 5);  // one fetch and four stores
    CHECK(r.per_kilo_instruction(4) == 1000.0);
    // Written as four fetched instructions instead, the ITLB sees three lookups more.
    const ReplayResult fetched = replay::replay({thread(10, "rep-fetched.raw")}, small_options());
    CHECK(fetched.instructions == 4);
    CHECK(fetched.reader.unfetched_instructions == 0);
    CHECK(fetched.mmu.l1i.lookups == r.mmu.l1i.lookups + 3);
}
