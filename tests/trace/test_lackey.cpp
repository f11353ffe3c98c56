#include "support.h"

#include <algorithm>

#include "tlmmu/trace/open.h"

using namespace trace_test;

namespace {
const char* kLackeyText =
    "==4242== Lackey, an example Valgrind tool\n"
    "==4242== Command: ./a.out\n"
    "I  04000c30,3\n"
    " S 1ffefffd78,8\n"
    "I  04000c33,5\n"
    " L 0402a1f0,4\n"
    " M 0402a200,8\n"
    "I  ffffffffff600000,15\n"
    "\n"
    "==4242== \n";

std::vector<Record> expected_lackey() {
    return {access(RecordKind::fetch, 0x04000c30, 3),     access(RecordKind::store, 0x1ffefffd78, 8),
            access(RecordKind::fetch, 0x04000c33, 5),     access(RecordKind::load, 0x0402a1f0, 4),
            access(RecordKind::load, 0x0402a200, 8),      access(RecordKind::store, 0x0402a200, 8),
            access(RecordKind::fetch, 0xffffffffff600000, 15)};
}
}  // namespace

TEST_CASE("lackey: I L S M lines become fetches and loads and stores and == lines are skipped", "[lackey]") {
    ScratchDir dir;
    const std::string path = dir.path("t.lackey");
    write_text(path, kLackeyText);
    CHECK(tlmmu::trace::detect_format(path) == "lackey");
    CHECK(read_all(path) == expected_lackey());
    // Batches of one record (M splits across calls) give the same records.
    CHECK(read_all(path, "lackey", 1) == expected_lackey());
}

TEST_CASE("lackey: the last line may lack its newline and CRLF lines are accepted", "[lackey]") {
    ScratchDir dir;
    write_text(dir.path("a.lackey"), "I  1000,4\r\n L 2000,8");
    CHECK(read_all(dir.path("a.lackey")) ==
          std::vector<Record>{access(RecordKind::fetch, 0x1000, 4), access(RecordKind::load, 0x2000, 8)});
}

TEST_CASE("lackey: a line that does not parse fails with FILE:LINE", "[lackey][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("bad.lackey");
    const char* bad_lines[] = {" X 1000,4", "I  1000", "I  zz00,4", " L 1000,", "I  1000,4 junk",
                               " L 12345678901234567,4"};
    for (const char* bad : bad_lines) {
        INFO(bad);
        write_text(path, std::string("==1== hello\nI  1000,4\n") + bad + "\nI  2000,4\n");
        const std::string message = trace_error([&] { read_all(path, "lackey"); });
        CHECK_THAT(message, Catch::Contains(path + ":3: not a lackey line"));
    }
}

TEST_CASE("lackey: binary junk on a line is quoted escaped, never raw", "[lackey][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("junk.lackey");
    std::string junk = "I  \x01\x1b[2J\xff\xfe\x07";
    junk += std::string(100, 'z');
    write_text(path, "I  1000,4\n" + junk + "\nI  2000,4\n");
    const std::string message = trace_error([&] { read_all(path, "lackey"); });
    CHECK_THAT(message, Catch::Contains(path + ":2: not a lackey line: 'I  \\x01\\x1b[2J\\xff\\xfe\\x07zz"));
    CHECK_THAT(message, Catch::EndsWith("'..."));  // the long line is cut
    INFO(message);
    CHECK(std::all_of(message.begin(), message.end(), [](char c) { return c >= 0x20 && c < 0x7f; }));
}

TEST_CASE("lackey: a file cut mid-line reports the line", "[lackey][errors]") {
    ScratchDir dir;
    const std::string path = dir.path("cut.lackey");
    write_text(path, "I  1000,4\n L 2000,8\nI  30");
    CHECK_THAT(trace_error([&] { read_all(path, "lackey"); }), Catch::Contains(path + ":3:"));
}

TEST_CASE("lackey: gzip and xz and zstd files give the records of the plain file", "[lackey][compression]") {
    ScratchDir dir;
    const std::string path = dir.path("t.lackey");
    write_text(path, kLackeyText);
    for (const char* tool : {"gzip", "xz", "zstd"}) {
        INFO(tool);
        CHECK(read_all(compress_with(tool, path)) == expected_lackey());
    }
}
