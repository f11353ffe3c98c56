// JUnit XML, the report format CI servers (Jenkins, GitLab, GitHub actions)
// read: one <testsuites> document with a <testsuite> per group of test cases.
// Every command that can publish results (`tlmmu check`, `tlmmu scenario`,
// `tlmmu run`, the RTL co-simulations) writes it through this one writer.
#pragma once

#include <string>
#include <vector>

namespace tlmmu::tools {

struct JunitCase {
    std::string name;
    std::string classname;  // CI servers group cases by it
    double seconds = 0;
    // At most one outcome besides "passed": a failed check or an error (the
    // case could not be carried out). `message` is one line, `detail` any text.
    enum class Outcome { passed, failure, error, skipped } outcome = Outcome::passed;
    std::string message;
    std::string detail;
};

struct JunitSuite {
    std::string name;
    std::vector<JunitCase> cases;
};

// The document for `suites`, with the tests/failures/errors/skipped counts
// on every suite and on the root.
std::string junit_xml(const std::vector<JunitSuite>& suites);

// Writes it atomically (tools/common/atomic_file.h); false on error.
bool write_junit(const std::string& path, const std::vector<JunitSuite>& suites);

// Text made safe for XML character data and attribute values: the five
// special characters escaped; control characters XML 1.0 cannot hold and
// invalid UTF-8 bytes replaced by '?'.
std::string xml_escape(const std::string& text);

}  // namespace tlmmu::tools
