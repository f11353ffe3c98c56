#include "elf/elf_loader.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace tlmmu::platform {

namespace {

constexpr unsigned kEhdrSize = 64;
constexpr unsigned kPhdrSize = 56;
constexpr unsigned kShdrSize = 64;
constexpr unsigned kSymSize = 24;
constexpr uint16_t kEmRiscv = 243;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kShtSymtab = 2;

std::string hex(uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}

class Reader {
 public:
    Reader(const std::vector<uint8_t>& bytes, const std::string& name) : m_bytes(bytes), m_name(name) {}
    template <class T>
    T at(uint64_t offset, const char* what) const {
        if (offset > m_bytes.size() || m_bytes.size() - offset < sizeof(T))
            fail(offset, std::string("file truncated: ") + what + " lies past the end of the file (" +
                             std::to_string(m_bytes.size()) + " bytes)");
        T v;
        std::memcpy(&v, m_bytes.data() + offset, sizeof(T));
        return v;
    }
    [[noreturn]] void fail(uint64_t offset, const std::string& reason) const {
        throw ElfError(m_name + ": byte offset " + std::to_string(offset) + ": " + reason);
    }
    bool range_in_file(uint64_t offset, uint64_t size) const {
        return offset <= m_bytes.size() && size <= m_bytes.size() - offset;
    }

 private:
    const std::vector<uint8_t>& m_bytes;
    const std::string& m_name;
};

bool inside(const std::vector<LoadRegion>& regions, uint64_t addr, uint64_t size) {
    for (const LoadRegion& r : regions)
        if (addr >= r.base && addr - r.base <= r.size && size <= r.size - (addr - r.base)) return true;
    return false;
}

// Symbols of the riscv-tests convention; a broken symbol table is refused.
void read_symbols(const Reader& rd, const std::vector<uint8_t>& bytes, ElfImage& image) {
    const uint64_t shoff = rd.at<uint64_t>(0x28, "e_shoff");
    const uint16_t shentsize = rd.at<uint16_t>(0x3A, "e_shentsize");
    const uint16_t shnum = rd.at<uint16_t>(0x3C, "e_shnum");
    if (shoff == 0 || shnum == 0) return;  // stripped: no symbols
    if (shentsize != kShdrSize) rd.fail(0x3A, "e_shentsize is " + std::to_string(shentsize) + ", expected 64");
    if (!rd.range_in_file(shoff, uint64_t(shnum) * kShdrSize))
        rd.fail(0x28, "section headers (" + std::to_string(shnum) + " at " + hex(shoff) + ") lie past the end of the file");
    for (unsigned i = 0; i < shnum; ++i) {
        const uint64_t sh = shoff + uint64_t(i) * kShdrSize;
        if (rd.at<uint32_t>(sh + 4, "sh_type") != kShtSymtab) continue;
        const uint64_t off = rd.at<uint64_t>(sh + 0x18, "sh_offset");
        const uint64_t size = rd.at<uint64_t>(sh + 0x20, "sh_size");
        const uint32_t link = rd.at<uint32_t>(sh + 0x28, "sh_link");
        if (!rd.range_in_file(off, size)) rd.fail(sh + 0x18, "symbol table lies past the end of the file");
        if (link >= shnum) rd.fail(sh + 0x28, "symbol table names a string table that does not exist");
        const uint64_t strsh = shoff + uint64_t(link) * kShdrSize;
        const uint64_t stroff = rd.at<uint64_t>(strsh + 0x18, "sh_offset");
        const uint64_t strsize = rd.at<uint64_t>(strsh + 0x20, "sh_size");
        if (!rd.range_in_file(stroff, strsize)) rd.fail(strsh + 0x18, "string table lies past the end of the file");
        for (uint64_t s = off; s + kSymSize <= off + size; s += kSymSize) {
            const uint32_t name = rd.at<uint32_t>(s, "st_name");
            if (name >= strsize) continue;
            const char* str = reinterpret_cast<const char*>(bytes.data() + stroff + name);
            const size_t max = size_t(strsize - name);
            const size_t len = strnlen(str, max);
            if (len == max) continue;  // unterminated
            const std::string sym(str, len);
            if (sym == "tohost") image.tohost = rd.at<uint64_t>(s + 8, "st_value");
            if (sym == "fromhost") image.fromhost = rd.at<uint64_t>(s + 8, "st_value");
            if (sym == "tlmmu_params") {
                image.params = rd.at<uint64_t>(s + 8, "st_value");
                image.params_size = rd.at<uint64_t>(s + 16, "st_size");
            }
        }
    }
}

}  // namespace

ElfImage parse_elf(std::vector<uint8_t> bytes, const std::string& name, const std::vector<LoadRegion>& regions) {
    ElfImage image;
    image.bytes = std::move(bytes);
    const std::vector<uint8_t>& b = image.bytes;
    Reader rd(b, name);
    if (b.size() < 4 || std::memcmp(b.data(), "\x7f" "ELF", 4) != 0) rd.fail(0, "bad magic: not an ELF file");
    if (b.size() < kEhdrSize)
        rd.fail(b.size(), "file truncated: " + std::to_string(b.size()) + " bytes, an ELF64 header needs 64");
    if (b[4] != 2) rd.fail(4, "ELF class " + std::to_string(b[4]) + ": only ELF64 (2) is supported");
    if (b[5] != 1) rd.fail(5, "data encoding " + std::to_string(b[5]) + ": only little-endian (1) is supported");
    if (b[6] != 1) rd.fail(6, "ELF version " + std::to_string(b[6]) + ", expected 1");
    const uint16_t type = rd.at<uint16_t>(0x10, "e_type");
    if (type != 2) rd.fail(0x10, "e_type " + std::to_string(type) + ": only executables (ET_EXEC, 2) are loaded");
    const uint16_t machine = rd.at<uint16_t>(0x12, "e_machine");
    if (machine != kEmRiscv)
        rd.fail(0x12, "e_machine " + std::to_string(machine) + ": not RISC-V (243)");
    image.entry = rd.at<uint64_t>(0x18, "e_entry");
    const uint64_t phoff = rd.at<uint64_t>(0x20, "e_phoff");
    const uint16_t phentsize = rd.at<uint16_t>(0x36, "e_phentsize");
    const uint16_t phnum = rd.at<uint16_t>(0x38, "e_phnum");
    if (phnum == 0) rd.fail(0x38, "no program headers: nothing to load");
    if (phentsize != kPhdrSize) rd.fail(0x36, "e_phentsize is " + std::to_string(phentsize) + ", expected 56");
    if (!rd.range_in_file(phoff, uint64_t(phnum) * kPhdrSize))
        rd.fail(0x20, "file truncated: " + std::to_string(phnum) + " program headers at " + hex(phoff) +
                          " lie past the end of the file");

    std::vector<uint64_t> header_offsets;
    for (unsigned i = 0; i < phnum; ++i) {
        const uint64_t ph = phoff + uint64_t(i) * kPhdrSize;
        if (rd.at<uint32_t>(ph, "p_type") != kPtLoad) continue;
        ElfSegment s;
        s.flags = rd.at<uint32_t>(ph + 4, "p_flags");
        s.offset = rd.at<uint64_t>(ph + 8, "p_offset");
        s.vaddr = rd.at<uint64_t>(ph + 0x10, "p_vaddr");
        s.paddr = rd.at<uint64_t>(ph + 0x18, "p_paddr");
        s.filesz = rd.at<uint64_t>(ph + 0x20, "p_filesz");
        s.memsz = rd.at<uint64_t>(ph + 0x28, "p_memsz");
        const std::string seg = "segment " + std::to_string(i) + " (paddr " + hex(s.paddr) + ")";
        if (s.memsz == 0) continue;
        if (s.filesz > s.memsz)
            rd.fail(ph + 0x20, seg + ": p_filesz " + std::to_string(s.filesz) + " exceeds p_memsz " + std::to_string(s.memsz));
        if (!rd.range_in_file(s.offset, s.filesz))
            rd.fail(ph + 8, "file truncated: " + seg + " data (" + std::to_string(s.filesz) + " bytes at offset " +
                                std::to_string(s.offset) + ") lies past the end of the file");
        if (s.paddr + s.memsz < s.paddr || s.vaddr + s.memsz < s.vaddr)
            rd.fail(ph + 0x18, seg + ": address range wraps around");
        if (!inside(regions, s.paddr, s.memsz))
            rd.fail(ph + 0x18, seg + " of " + std::to_string(s.memsz) + " bytes lies outside memory");
        image.segments.push_back(s);
        header_offsets.push_back(ph);
    }
    if (image.segments.empty()) rd.fail(0x20, "no loadable (PT_LOAD) segment");
    for (size_t i = 0; i < image.segments.size(); ++i)
        for (size_t j = 0; j < i; ++j) {
            const ElfSegment& p = image.segments[i];
            const ElfSegment& q = image.segments[j];
            if (p.paddr < q.paddr + q.memsz && q.paddr < p.paddr + p.memsz)
                rd.fail(header_offsets[i] + 0x18, "segment at paddr " + hex(p.paddr) + " overlaps the segment at paddr " +
                                                      hex(q.paddr) + " (" + std::to_string(q.memsz) + " bytes)");
        }
    // The entry is looked up as linked (vaddr) and started at its physical
    // address: paging is off at reset.
    bool found = false;
    for (const ElfSegment& s : image.segments) {
        if (image.entry >= s.vaddr && image.entry - s.vaddr < s.memsz) {
            image.entry_paddr = s.paddr + (image.entry - s.vaddr);
            found = true;
            break;
        }
    }
    if (!found) rd.fail(0x18, "entry point " + hex(image.entry) + " lies outside every loaded segment");
    if (image.entry_paddr & 3) rd.fail(0x18, "entry point " + hex(image.entry) + " is not 4-byte aligned");
    read_symbols(rd, b, image);
    return image;
}

ElfImage load_elf_file(const std::string& path, const std::vector<LoadRegion>& regions) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ElfError(path + ": cannot open the file");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw ElfError(path + ": read error");
    return parse_elf(std::move(bytes), path, regions);
}

}  // namespace tlmmu::platform
