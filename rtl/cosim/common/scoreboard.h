// Transaction-by-transaction comparison of the RTL against the model. The
// first mismatch is reported with its transaction number, the operation and
// every compared field of both sides; the run stops there.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tlmmu::cosim {

class Scoreboard {
 public:
    explicit Scoreboard(std::ostream& out) : m_out(out) {}

    // Collects one field of the current transaction.
    void field(const char* name, uint64_t rtl, uint64_t model) { m_fields.push_back({name, rtl, model}); }
    // Compares the collected fields; on a difference prints the report (with
    // describe(), called only then) and remembers the transaction. Returns
    // true when they all agree.
    template <class Describe>
    bool check(uint64_t transaction, Describe describe) {
        ++m_compared;
        bool same = true;
        for (const Field& f : m_fields) same &= f.rtl == f.model;
        if (!same && !m_failed) report(transaction, describe());
        m_fields.clear();
        return same;
    }

    bool failed() const { return m_failed; }
    uint64_t first_mismatch() const { return m_first; }
    uint64_t compared() const { return m_compared; }

 private:
    void report(uint64_t transaction, const std::string& operation);
    struct Field {
        const char* name;
        uint64_t rtl, model;
    };
    std::ostream& m_out;
    std::vector<Field> m_fields;
    bool m_failed = false;
    uint64_t m_first = 0;
    uint64_t m_compared = 0;
};

}  // namespace tlmmu::cosim
