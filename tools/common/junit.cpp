#include "junit.h"

#include <cstdio>

#include "atomic_file.h"

namespace tlmmu::tools {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], 0 if it is not one.
size_t utf8_length(const std::string& s, size_t i) {
    const unsigned char c = (unsigned char)s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if (((unsigned char)s[i + k] >> 6) != 0x2) return 0;
    return n;
}

struct Counts {
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    double seconds = 0;
    void add(const JunitCase& c) {
        ++tests;
        seconds += c.seconds;
        if (c.outcome == JunitCase::Outcome::failure) ++failures;
        if (c.outcome == JunitCase::Outcome::error) ++errors;
        if (c.outcome == JunitCase::Outcome::skipped) ++skipped;
    }
    void add(const Counts& o) {
        tests += o.tests, failures += o.failures, errors += o.errors, skipped += o.skipped;
        seconds += o.seconds;
    }
    std::string attributes() const {
        char time[32];
        std::snprintf(time, sizeof time, "%.3f", seconds);
        return " tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
               std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) + "\" time=\"" + time + "\"";
    }
};

}  // namespace

std::string xml_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const char c = text[i];
        switch (c) {
            case '&': out += "&amp;"; ++i; continue;
            case '<': out += "&lt;"; ++i; continue;
            case '>': out += "&gt;"; ++i; continue;
            case '"': out += "&quot;"; ++i; continue;
            case '\'': out += "&apos;"; ++i; continue;
            default: break;
        }
        const unsigned char u = (unsigned char)c;
        if (u < 0x20 && c != '\n' && c != '\t' && c != '\r') {
            out += '?';
            ++i;
            continue;
        }
        const size_t n = utf8_length(text, i);
        if (n == 0) {
            out += '?';
            ++i;
            continue;
        }
        out.append(text, i, n);
        i += n;
    }
    return out;
}

std::string junit_xml(const std::vector<JunitSuite>& suites) {
    Counts total;
    std::string body;
    for (const JunitSuite& suite : suites) {
        Counts counts;
        for (const JunitCase& c : suite.cases) counts.add(c);
        total.add(counts);
        body += "  <testsuite name=\"" + xml_escape(suite.name) + "\"" + counts.attributes() + ">\n";
        for (const JunitCase& c : suite.cases) {
            char time[32];
            std::snprintf(time, sizeof time, "%.3f", c.seconds);
            body += "    <testcase name=\"" + xml_escape(c.name) + "\" classname=\"" + xml_escape(c.classname) +
                    "\" time=\"" + time + "\"";
            const char* tag = c.outcome == JunitCase::Outcome::failure ? "failure"
                              : c.outcome == JunitCase::Outcome::error ? "error"
                              : c.outcome == JunitCase::Outcome::skipped ? "skipped"
                                                                         : nullptr;
            if (!tag) {
                body += "/>\n";
                continue;
            }
            body += ">\n      <" + std::string(tag) + " message=\"" + xml_escape(c.message) + "\"";
            body += c.detail.empty() ? "/>\n" : ">" + xml_escape(c.detail) + "</" + tag + ">\n";
            body += "    </testcase>\n";
        }
        body += "  </testsuite>\n";
    }
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + total.attributes() + ">\n" + body +
           "</testsuites>\n";
}

bool write_junit(const std::string& path, const std::vector<JunitSuite>& suites) {
    return write_file_atomically(path, junit_xml(suites));
}

}  // namespace tlmmu::tools
