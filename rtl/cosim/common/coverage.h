// Named coverage counters printed as a table at the end of a run; a bin that
// stayed at zero is flagged so a stimulus that stopped reaching it shows.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tlmmu::cosim {

class Coverage {
 public:
    // Registers a bin ("group", "name"); returns its id for hit().
    unsigned bin(const std::string& group, const std::string& name) {
        m_bins.push_back({group, name, 0});
        return unsigned(m_bins.size() - 1);
    }
    void hit(unsigned id) { ++m_bins[id].count; }
    uint64_t count(unsigned id) const { return m_bins[id].count; }
    unsigned empty_bins() const;
    void print(std::ostream& out, const std::string& title) const;

 private:
    struct Bin {
        std::string group, name;
        uint64_t count;
    };
    std::vector<Bin> m_bins;
};

}  // namespace tlmmu::cosim
