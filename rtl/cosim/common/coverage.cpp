#include "coverage.h"

#include <iomanip>

namespace tlmmu::cosim {

unsigned Coverage::empty_bins() const {
    unsigned n = 0;
    for (const Bin& b : m_bins) n += b.count == 0;
    return n;
}

void Coverage::print(std::ostream& out, const std::string& title) const {
    out << "coverage: " << title << "\n";
    std::string group;
    for (const Bin& b : m_bins) {
        if (b.group != group) {
            group = b.group;
            out << "  " << group << "\n";
        }
        out << "    " << std::left << std::setw(28) << b.name << std::right << std::setw(12) << b.count
            << (b.count ? "" : "  (not reached)") << "\n";
    }
    if (empty_bins()) out << "  " << empty_bins() << " bins not reached\n" << std::flush;
    else out << "  every bin reached\n" << std::flush;
}

}  // namespace tlmmu::cosim
