#include "harness.h"

#include <systemc>

namespace tlmmu::cosim {
namespace {

SC_MODULE(Transactor) {
    sc_core::sc_in<bool> clk{"clk"};
    std::function<int(const NextCycle&)> body;
    int status = 0;
    bool finished = false;

    SC_CTOR(Transactor) {
        SC_THREAD(run);
        sensitive << clk.pos();
        dont_initialize();
    }
    void run() {
        status = body([] { sc_core::wait(); });
        finished = true;
        sc_core::sc_stop();
    }
};

}  // namespace

int run_clocked(const std::function<int(const NextCycle&)>& body) {
    sc_core::sc_clock clock("clock", sc_core::sc_time(1, sc_core::SC_NS));
    Transactor transactor("transactor");
    transactor.clk(clock);
    transactor.body = body;
    // sc_stop() ends every run: not worth a message.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_start();
    return transactor.finished ? transactor.status : 3;
}

}  // namespace tlmmu::cosim
