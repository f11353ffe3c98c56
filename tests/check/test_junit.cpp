// The one JUnit XML writer: counts on every suite and the root, escaping.
#include <catch2/catch.hpp>

#include "junit.h"

using tlmmu::tools::JunitCase;
using tlmmu::tools::JunitSuite;

TEST_CASE("JUnit: counts per suite and in total") {
    JunitCase pass;
    pass.name = "a";
    pass.classname = "x";
    JunitCase fail = pass;
    fail.name = "b";
    fail.outcome = JunitCase::Outcome::failure;
    fail.message = "expected 1, got 2";
    JunitCase error = pass;
    error.name = "c";
    error.outcome = JunitCase::Outcome::error;
    const std::string xml = tlmmu::tools::junit_xml({{"one", {pass, fail}}, {"two", {error, pass}}});
    CHECK(xml.find("<testsuites tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"0\"") != std::string::npos);
    CHECK(xml.find("<testsuite name=\"one\" tests=\"2\" failures=\"1\" errors=\"0\"") != std::string::npos);
    CHECK(xml.find("<testsuite name=\"two\" tests=\"2\" failures=\"0\" errors=\"1\"") != std::string::npos);
    CHECK(xml.find("<failure message=\"expected 1, got 2\"/>") != std::string::npos);
}

TEST_CASE("JUnit: text is escaped and bytes XML cannot hold are replaced") {
    CHECK(tlmmu::tools::xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
    CHECK(tlmmu::tools::xml_escape(std::string("x\x01y\x80z")) == "x?y?z");
    CHECK(tlmmu::tools::xml_escape("caf\xc3\xa9\n") == "caf\xc3\xa9\n");
}
