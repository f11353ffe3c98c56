#include "harness.h"

#include <systemc>

namespace tlmmu::cosim {
namespace {

SC_MODULE(Transactor) {
    std::function<int(const Advance&)> body;
    int status = 0;
    bool finished = false;

    SC_CTOR(Transactor) { SC_THREAD(run); }
    void run() {
        status = body([](uint64_t cycles) { sc_core::wait(sc_core::sc_time(double(cycles), sc_core::SC_NS)); });
        finished = true;
        sc_core::sc_stop();
    }
};

}  // namespace

int run_timed(const std::function<int(const Advance&)>& body) {
    Transactor transactor("transactor");
    transactor.body = body;
    // sc_stop() ends every run: not worth a message.
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_start();
    return transactor.finished ? transactor.status : 3;
}

}  // namespace tlmmu::cosim
