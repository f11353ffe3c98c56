// The synthetic generators themselves: the address streams, determinism and
// spec errors. The model's behaviour on them is checked in test_analytic.cpp.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tlmmu/synth/synthetic.h"

using namespace tlmmu;
using trace::Record;
using trace::RecordKind;

namespace {

std::vector<Record> read_all(const std::string& spec, size_t batch = 4096) {
    auto reader = synth::open_synthetic(spec);
    std::vector<Record> all, buffer(batch);
    while (size_t n = reader->read(buffer.data(), buffer.size())) all.insert(all.end(), buffer.begin(), buffer.begin() + n);
    return all;
}

std::string error_of(const std::string& spec) {
    try {
        synth::open_synthetic(spec);
    } catch (const trace::TraceError& e) {
        return e.what();
    }
    return "";
}

constexpr uint64_t kBase = 0x100000000;

}  // namespace

TEST_CASE("synth specs are recognised by their prefix") {
    CHECK(synth::is_synthetic_spec("synth:sequential,pages=1"));
    CHECK_FALSE(synth::is_synthetic_spec("traces/ls.lackey.xz"));
    CHECK_FALSE(synth::is_synthetic_spec("synth"));
}

TEST_CASE("sequential walks pages in order, stride bytes apart, pass after pass") {
    const auto r = read_all("synth:sequential,pages=3,passes=2,stride=2048");
    REQUIRE(r.size() == 12);
    const uint64_t expected[] = {0, 2048, 4096, 6144, 8192, 10240};
    for (size_t i = 0; i < r.size(); ++i) {
        CHECK(r[i].address == kBase + expected[i % 6]);
        CHECK(r[i].kind == RecordKind::load);
        CHECK(r[i].size == 8);
    }
    CHECK(synth::parse_synthetic_spec("synth:sequential,pages=3,passes=2,stride=2048").data_accesses() == 12);
    // Default stride: one access per page.
    CHECK(read_all("synth:sequential,pages=100,passes=3").size() == 300);
}

TEST_CASE("stride repeats count accesses stride bytes apart") {
    const auto r = read_all("synth:stride,stride=8k,count=4,passes=3,base=0x200000");
    REQUIRE(r.size() == 12);
    for (size_t i = 0; i < r.size(); ++i) CHECK(r[i].address == 0x200000 + (i % 4) * 8192);
}

TEST_CASE("generation does not depend on the batch size of read()") {
    for (const char* spec : {"synth:random,pages=1000,accesses=5000,seed=3,fetch=2,write_percent=30",
                             "synth:chase,pages=777,passes=2,seed=5", "synth:sequential,pages=50,stride=1k,fetch=1"}) {
        const auto a = read_all(spec, 1), b = read_all(spec, 4096), c = read_all(spec, 7);
        REQUIRE(a.size() == b.size());
        REQUIRE(a.size() == c.size());
        for (size_t i = 0; i < a.size(); ++i) {
            REQUIRE(a[i].address == b[i].address);
            REQUIRE(a[i].kind == b[i].kind);
            REQUIRE(a[i].address == c[i].address);
        }
    }
}

TEST_CASE("random is fixed by its seed, stays in its pages and spreads over them") {
    const auto a = read_all("synth:random,pages=64,accesses=64000,seed=11");
    const auto b = read_all("synth:random,pages=64,accesses=64000,seed=11");
    const auto c = read_all("synth:random,pages=64,accesses=64000,seed=12");
    REQUIRE(a.size() == 64000);
    size_t differ = 0;
    std::map<uint64_t, size_t> per_page;
    for (size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].address == b[i].address);
        differ += a[i].address != c[i].address;
        REQUIRE(a[i].address >= kBase);
        REQUIRE(a[i].address + a[i].size <= kBase + 64 * 4096);
        REQUIRE(a[i].address % 8 == 0);
        ++per_page[(a[i].address - kBase) >> 12];
    }
    CHECK(differ > 60000);
    REQUIRE(per_page.size() == 64);
    // 1000 expected per page; 5 standard deviations (~31 each) either side.
    for (const auto& p : per_page) {
        CHECK(p.second > 840);
        CHECK(p.second < 1160);
    }
}

TEST_CASE("chase follows one cycle through every page, the same order each pass") {
    const uint64_t pages = 1000;
    const auto r = read_all("synth:chase,pages=1000,passes=3,seed=9");
    REQUIRE(r.size() == 3 * pages);
    std::set<uint64_t> first_pass;
    for (size_t i = 0; i < pages; ++i) first_pass.insert((r[i].address - kBase) >> 12);
    CHECK(first_pass.size() == pages);  // every page exactly once per pass
    for (size_t i = 0; i < pages; ++i) {
        CHECK(r[i].address == r[i + pages].address);
        CHECK(r[i].address == r[i + 2 * pages].address);
    }
    // Not the sequential order.
    size_t in_order = 0;
    for (size_t i = 1; i < pages; ++i) in_order += r[i].address >> 12 == (r[i - 1].address >> 12) + 1;
    CHECK(in_order < 10);
    // accesses= cuts the chase anywhere.
    CHECK(read_all("synth:chase,pages=1000,accesses=1500,seed=9").size() == 1500);
}

TEST_CASE("mixed sends hot_percent of the accesses to the hot pages") {
    const auto r = read_all("synth:mixed,hot=16,cold=4096,hot_percent=80,accesses=100000,seed=2");
    REQUIRE(r.size() == 100000);
    size_t hot = 0;
    for (const Record& x : r) {
        const uint64_t page = (x.address - kBase) >> 12;
        REQUIRE(page < 16 + 4096);
        hot += page < 16;
    }
    // 80000 expected, standard deviation ~126.
    CHECK(hot > 79300);
    CHECK(hot < 80700);
}

TEST_CASE("fetch interleaves instruction fetches through the code pages") {
    const auto r = read_all("synth:sequential,pages=4,fetch=3,code_pages=1,code_base=0x400000");
    REQUIRE(r.size() == 16);
    for (size_t i = 0; i < r.size(); ++i) {
        if (i % 4 < 3) {
            CHECK(r[i].kind == RecordKind::fetch);
            CHECK(r[i].size == 4);
            CHECK(r[i].address == 0x400000 + ((i / 4) * 3 + i % 4) * 4);
        } else {
            CHECK(r[i].kind == RecordKind::load);
        }
    }
    // The loop body wraps around its code pages.
    const auto w = read_all("synth:stride,stride=64,count=3000,fetch=1,code_pages=2,code_base=0x400000");
    std::set<uint64_t> code_pages;
    for (const Record& x : w)
        if (x.kind == RecordKind::fetch) code_pages.insert(x.address >> 12);
    CHECK(code_pages == std::set<uint64_t>{0x400, 0x401});
}

TEST_CASE("write_percent makes that share of data accesses stores") {
    const auto r = read_all("synth:random,pages=10,accesses=20000,write_percent=25,seed=4");
    size_t stores = 0;
    for (const Record& x : r) stores += x.kind == RecordKind::store;
    CHECK(stores > 4600);  // 5000 expected, sd ~61
    CHECK(stores < 5400);
    for (const Record& x : read_all("synth:sequential,pages=10,write_percent=100")) CHECK(x.kind == RecordKind::store);
    // The address stream does not change with the store share.
    const auto a = read_all("synth:random,pages=10,accesses=2000,write_percent=0,seed=4");
    const auto b = read_all("synth:random,pages=10,accesses=2000,write_percent=60,seed=4");
    for (size_t i = 0; i < a.size(); ++i) REQUIRE(a[i].address == b[i].address);
}

TEST_CASE("bad specs name the spec and the key") {
    CHECK_THAT(error_of("synth:sequential,pages=4,colour=red"),
               Catch::Contains("synth:sequential,pages=4,colour=red") && Catch::Contains("unknown key 'colour'"));
    CHECK_THAT(error_of("synth:sequential,passes=4"), Catch::Contains("needs key 'pages'"));
    CHECK_THAT(error_of("synth:random,pages=12x,accesses=5"), Catch::Contains("key 'pages'") && Catch::Contains("not a number"));
    CHECK_THAT(error_of("synth:spiral,pages=4"), Catch::Contains("unknown pattern 'spiral'"));
    CHECK_THAT(error_of("synth:"), Catch::Contains("missing pattern"));
    CHECK_THAT(error_of("synth:sequential,pages=4,pages=5"), Catch::Contains("key 'pages' given twice"));
    CHECK_THAT(error_of("synth:sequential,pages=0"), Catch::Contains("key 'pages' must be positive"));
    CHECK_THAT(error_of("synth:sequential,pages=4,stride=8k"), Catch::Contains("key 'stride'"));
    CHECK_THAT(error_of("synth:random,pages=1g,accesses=1,base=0x7fff00000000"), Catch::Contains("key 'base'"));
    CHECK_THAT(error_of("synth:chase,pages=4,accesses"), Catch::Contains("'accesses' is not key=value"));
    CHECK_THAT(error_of("synth:mixed,hot=1,cold=1,accesses=1,hot_percent=101"), Catch::Contains("key 'hot_percent'"));
    CHECK_THAT(error_of("synth:chase,pages=1g"), Catch::Contains("key 'pages' must be at most 67108864"));
    CHECK(error_of("synth:sequential,pages=4k,passes=0x10,stride=64") == "");
}

TEST_CASE("the reader reports its position for messages") {
    auto reader = synth::open_synthetic("synth:sequential,pages=8");
    Record buffer[5];
    CHECK(reader->read(buffer, 5) == 5);
    CHECK(reader->position() == "synth:sequential,pages=8: record 5");
    CHECK(std::string(reader->format()) == "synthetic");
}

namespace {
std::vector<Record> read_stream(trace::Stream& s) {
    std::vector<Record> all, buffer(1000);
    while (size_t n = s.reader->read(buffer.data(), buffer.size())) all.insert(all.end(), buffer.begin(), buffer.begin() + n);
    return all;
}
}  // namespace

TEST_CASE("gc: threads x processes streams, one unmap of the oldest region per collection") {
    const std::string spec = "synth:gc,threads=3,processes=2,heap=768k,region=64k,unmap_period=100,accesses=1000,seed=5";
    auto streams = synth::open_synthetic_streams(spec);
    REQUIRE(streams.size() == 6);
    const synth::SyntheticSpec s = synth::parse_synthetic_spec(spec);
    CHECK(s.regions_per_thread() == 4);
    CHECK(s.collections_per_thread() == 9);
    for (size_t i = 0; i < streams.size(); ++i) {
        CHECK(streams[i].process == i / 3 + 1);
        CHECK(streams[i].thread == i % 3);
        const uint64_t thread = i % 3;
        const std::vector<Record> records = read_stream(streams[i]);
        uint64_t data = 0, events = 0, current = 0;
        for (const Record& r : records) {
            if (r.kind == RecordKind::unmap) {
                ++events;
                // The region the thread allocates into next: region k of thread t is region k*threads+t.
                current = (data / 100) % 4;
                CHECK(data % 100 == 0);
                CHECK(r.address == s.base + (current * 3 + thread) * 65536);
                CHECK(r.pages == 16);
                continue;
            }
            ++data;
            const uint64_t region = (r.address - s.base) / 65536;
            REQUIRE(region < 12);
            if (r.kind == RecordKind::store) CHECK(region == current * 3 + thread);
            else CHECK(region / 3 != current);  // reads only older regions of any thread
        }
        CHECK(events == 9);
        CHECK(data == 1000);
    }
    // Deterministic: the same spec gives the same records.
    auto again = synth::open_synthetic_streams(spec);
    CHECK(read_stream(again[4]).size() == 1009);
}

TEST_CASE("gc: release=drop and release=protect emit those events, bad keys are named") {
    auto drop = synth::open_synthetic_streams("synth:gc,threads=1,heap=256k,region=64k,unmap_period=10,accesses=21,release=drop");
    auto protect = synth::open_synthetic_streams("synth:gc,threads=1,heap=256k,region=64k,unmap_period=10,accesses=21,release=protect");
    unsigned drops = 0, protects = 0;
    for (const Record& r : read_stream(drop[0])) drops += r.kind == RecordKind::drop;
    for (const Record& r : read_stream(protect[0])) {
        if (r.kind != RecordKind::protect) continue;
        ++protects;
        CHECK(r.type == trace::prot::READ);
    }
    CHECK(drops == 2);
    CHECK(protects == 2);
    CHECK_THAT(error_of("synth:gc,region=1000"), Catch::Contains("'region' must be a multiple of 4 KiB"));
    CHECK_THAT(error_of("synth:gc,threads=4,heap=4m,region=1m"), Catch::Contains("at least 2"));
    CHECK_THAT(error_of("synth:gc,threads=2"), Catch::Contains("several streams"));
    CHECK_THAT(error_of("synth:gc,release=free"), Catch::Contains("release"));
}
