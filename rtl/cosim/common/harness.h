// The SystemC side of a co-simulation: one SC_THREAD runs the transactor
// body, which evaluates the Verilated model directly (no SystemC clock: a
// clock edge per cycle cost more than the RTL itself) and lets SystemC time
// pass in batches through advance(cycles), one clock period (1 ns) per cycle
// it drove. SystemC elaborates once per process, so run_timed is called once.
#pragma once

#include <cstdint>
#include <functional>

namespace tlmmu::cosim {

using Advance = std::function<void(uint64_t cycles)>;

// Returns the body's exit status (the simulation stops when the body
// returns; 3 if it never did).
int run_timed(const std::function<int(const Advance& advance)>& body);

// Counts the cycles a loop drove and hands them to advance() every kBatch,
// so that the SystemC kernel runs once per batch, not once per cycle.
class CycleBatch {
 public:
    static constexpr uint64_t kBatch = 4096;
    explicit CycleBatch(const Advance& advance) : m_advance(advance) {}
    ~CycleBatch() { flush(); }
    void add(uint64_t cycles) {
        m_pending += cycles;
        if (m_pending >= kBatch) flush();
    }
    void flush() {
        if (m_pending) m_advance(m_pending);
        m_pending = 0;
    }

 private:
    const Advance& m_advance;
    uint64_t m_pending = 0;
};

}  // namespace tlmmu::cosim
