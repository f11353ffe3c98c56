// Valgrind lackey --trace-mem=yes output:
//   "I  ADDR,SIZE"  instruction fetch      " L ADDR,SIZE"  load
//   " S ADDR,SIZE"  store                  " M ADDR,SIZE"  modify: a load then a store
// ADDR is hexadecimal, SIZE decimal. Lines starting "==" or "--" are Valgrind's
// own messages and are skipped, as are empty lines; anything else is an error
// naming FILE:LINE. Parsed by hand out of a large buffer (no per-line I/O).
#include <algorithm>
#include <cstring>

#include "byte_source.h"
#include "readers.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::trace::detail {

namespace {

struct HexTable {
    int8_t value[256];
    constexpr HexTable() : value() {
        for (int i = 0; i < 256; ++i) value[i] = -1;
        for (int i = 0; i < 10; ++i) value['0' + i] = int8_t(i);
        for (int i = 0; i < 6; ++i) value['a' + i] = value['A' + i] = int8_t(10 + i);
    }
};
constexpr HexTable kHex;

// A valid line is far shorter; refilling to this much keeps every parse in the window.
constexpr size_t kLookahead = 4096;

class LackeyReader : public BatchReader {
 public:
    LackeyReader(std::unique_ptr<ByteSource> source, const std::string& name) : m_in(std::move(source), name) {}

    std::string position() const override { return m_in.name() + ":" + std::to_string(m_line); }
    const char* format() const override { return "lackey"; }

 protected:
    size_t fill(Record* out, size_t capacity) override {
        size_t n = 0;
        while (n + 2 <= capacity) {
            if (m_in.available() < kLookahead && !m_in.refill(kLookahead) && m_in.available() == 0) break;
            const uint8_t* p = m_in.cur;
            ++m_line;
            RecordKind kind;
            bool modify = false;
            if (p[0] == 'I' && p[1] == ' ' && p[2] == ' ') {
                kind = RecordKind::fetch;
            } else if (p[0] == ' ' && p[2] == ' ' && (p[1] == 'L' || p[1] == 'S' || p[1] == 'M')) {
                kind = p[1] == 'S' ? RecordKind::store : RecordKind::load;
                modify = p[1] == 'M';
            } else if ((p[0] == '=' && p[1] == '=') || (p[0] == '-' && p[1] == '-') || p[0] == '\n' ||
                       (p[0] == '\r' && p[1] == '\n')) {
                skip_line();
                continue;
            } else {
                bad_line(p);
            }
            p += 3;
            uint64_t address = 0;
            const uint8_t* digits = p;
            for (int v; (v = kHex.value[*p]) >= 0; ++p) address = address << 4 | unsigned(v);
            if (p == digits || p - digits > 16 || *p != ',') bad_line(m_in.cur);
            ++p;
            unsigned size = 0;
            digits = p;
            for (; *p >= '0' && *p <= '9'; ++p) size = size * 10 + unsigned(*p - '0');
            if (p == digits || p - digits > 6) bad_line(m_in.cur);
            if (*p == '\r') ++p;
            if (p < m_in.end) {
                if (*p != '\n') bad_line(m_in.cur);
                ++p;
            } else if (p > m_in.end || !m_in.source_done()) {
                bad_line(m_in.cur);
            }
            m_in.cur = p;
            Record& r = out[n++];
            r.address = address;
            r.context = 0;
            r.pcid = 0;
            r.size = uint8_t(std::min(size, 255u));  // larger accesses (XSAVE areas) are clamped
            r.kind = kind;
            r.type = 0;
            r.noflush = false;
            if (modify) {
                out[n] = r;
                out[n++].kind = RecordKind::store;
            }
        }
        return n;
    }

 private:
    void skip_line() {
        for (;;) {
            const void* nl = std::memchr(m_in.cur, '\n', m_in.available());
            if (nl) {
                m_in.cur = static_cast<const uint8_t*>(nl) + 1;
                return;
            }
            m_in.cur = m_in.end;  // a long message line: drop what we have and read on
            if (!m_in.refill(1)) return;
        }
    }

    [[noreturn]] void bad_line(const uint8_t* start) const {
        // One byte past the quote's limit, so quoted() marks a cut line with "...".
        const uint8_t* stop = start;
        while (stop < m_in.end && *stop != '\n' && stop - start < 61) ++stop;
        const std::string text(reinterpret_cast<const char*>(start), size_t(stop - start));
        const bool truncated = stop == m_in.end && m_in.source_done();
        throw TraceError(position() + ": not a lackey line" + (truncated ? " (file ends mid-line)" : "") + ": " +
                         settings::quoted(text, 60));
    }

    InputBuffer m_in;
    uint64_t m_line = 0;
};

}  // namespace

std::unique_ptr<Reader> make_lackey_reader(std::unique_ptr<ByteSource> source, const std::string& name) {
    return std::make_unique<LackeyReader>(std::move(source), name);
}

}  // namespace tlmmu::trace::detail
