// ELF64 loader for the platform: parses and validates a little-endian RISC-V
// executable before anything is written to guest memory. A malformed or
// hostile file is refused with the reason and the byte offset of the field
// at fault. Pure C++.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tlmmu::platform {

class ElfError : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

struct ElfSegment {
    uint64_t paddr = 0;   // where it is loaded (physical)
    uint64_t vaddr = 0;   // where it is linked
    uint64_t filesz = 0;
    uint64_t memsz = 0;   // bytes past filesz are zero
    uint64_t offset = 0;  // in the file
    uint32_t flags = 0;   // PF_X 1, PF_W 2, PF_R 4
};

struct ElfImage {
    uint64_t entry = 0;        // e_entry as linked
    uint64_t entry_paddr = 0;  // the physical address of the entry (paging is off at reset)
    std::vector<ElfSegment> segments;
    std::optional<uint64_t> tohost, fromhost;  // symbols of the riscv-tests convention
    std::optional<uint64_t> params;            // `tlmmu_params`: where the platform writes the parameter block
    uint64_t params_size = 0;                  // its st_size
    std::vector<uint8_t> bytes;                // the file
};

// Physical memory the segments may be loaded into.
struct LoadRegion {
    uint64_t base = 0;
    uint64_t size = 0;
};

// Parses and validates `bytes` (named `name` in messages). Throws ElfError:
// truncated file, bad magic/class/data/machine/type, program headers outside
// the file, filesz > memsz, a segment outside every load region or
// overlapping another, an entry point outside every loaded segment.
ElfImage parse_elf(std::vector<uint8_t> bytes, const std::string& name, const std::vector<LoadRegion>& regions);
// Reads the file and parses it; also throws ElfError if it cannot be read.
ElfImage load_elf_file(const std::string& path, const std::vector<LoadRegion>& regions);

}  // namespace tlmmu::platform
