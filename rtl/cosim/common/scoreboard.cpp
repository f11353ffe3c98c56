#include "scoreboard.h"

#include <iomanip>
#include <sstream>

namespace tlmmu::cosim {

void Scoreboard::report(uint64_t transaction, const std::string& operation) {
    m_failed = true;
    m_first = transaction;
    m_out << "MISMATCH at transaction " << transaction << ": " << operation << "\n";
    m_out << "  " << std::left << std::setw(10) << "field" << std::setw(20) << "rtl" << std::setw(20) << "model" << "\n";
    for (const Field& f : m_fields) {
        std::ostringstream rtl, model;
        rtl << "0x" << std::hex << f.rtl;
        model << "0x" << std::hex << f.model;
        m_out << "  " << std::setw(10) << f.name << std::setw(20) << rtl.str() << std::setw(20) << model.str()
              << (f.rtl == f.model ? "" : "  <- differs") << "\n";
    }
    m_out << std::right << std::flush;
}

}  // namespace tlmmu::cosim
