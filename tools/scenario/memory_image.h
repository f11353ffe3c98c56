// Memory images: physical memory contents written by another tool (a page-
// table dump from another simulator, a generator in a user's CI), loaded by
// the scenario statement `load-image` (format: docs/scenarios.md).
//
//   # comment
//   0x100000: 0x0000000000101023 0x0000000000102023
//   0x101ff8: 0x80000000abc00063
//
// Each line is an 8-byte-aligned physical address, ':', then one or more
// qwords stored at that address and the following ones.
#pragma once

#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlmmu::scenario {

struct ImageQword {
    uint64_t pa = 0;
    uint64_t value = 0;
    unsigned line = 0;  // in the image file
};

// Thrown with "FILE:LINE: reason".
class ImageError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

// Every qword of the image in file order; `name` is used in errors.
std::vector<ImageQword> parse_memory_image(std::istream& in, const std::string& name);
std::vector<ImageQword> read_memory_image(const std::string& path);

}  // namespace tlmmu::scenario
