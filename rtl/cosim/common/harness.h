// The SystemC side of a co-simulation: one module with an sc_clock whose
// SC_THREAD runs the transactor body; the body calls next_cycle() after each
// clock cycle it drove, which waits for the next rising edge. SystemC
// elaborates once per process, so run_clocked is called once.
#pragma once

#include <functional>

namespace tlmmu::cosim {

using NextCycle = std::function<void()>;

// Returns the body's exit status (the simulation stops when the body returns).
int run_clocked(const std::function<int(const NextCycle& next_cycle)>& body);

}  // namespace tlmmu::cosim
