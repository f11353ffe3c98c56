// SystemC's library supplies main(); the test binary is an sc_main that runs
// Catch. SystemC warnings and errors become exceptions, so they fail the test
// case that caused them instead of scrolling past.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>

int sc_main(int argc, char* argv[]) {
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DISPLAY | sc_core::SC_THROW);
    sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_DISPLAY | sc_core::SC_THROW);
    return Catch::Session().run(argc, argv);
}
