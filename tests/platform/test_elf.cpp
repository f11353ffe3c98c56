#include <catch2/catch.hpp>
#include <cstring>
#include <iostream>

#include "elf/elf_loader.h"
#include "platform.h"

using namespace tlmmu::platform;

namespace {

// A minimal ELF64 RISC-V executable: header, program headers, segment data,
// optionally a symbol table with `tohost`.
struct ElfBuilder {
    struct Seg {
        Seg(uint64_t p, uint64_t v, uint64_t f, uint64_t m, uint32_t fl = 5)
            : paddr(p), vaddr(v), filesz(f), memsz(m), flags(fl) {}
        uint64_t paddr, vaddr, filesz, memsz;
        uint32_t flags;
    };
    uint64_t entry = 0x80000000;
    std::vector<Seg> segments{{0x80000000, 0x80000000, 64, 64}};
    bool with_symbols = false;
    uint64_t tohost = 0x80001000;

    template <class T>
    static void put(std::vector<uint8_t>& b, size_t at, T v) {
        if (b.size() < at + sizeof(T)) b.resize(at + sizeof(T));
        std::memcpy(b.data() + at, &v, sizeof(T));
    }
    std::vector<uint8_t> build() const {
        std::vector<uint8_t> b(64, 0);
        const char ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
        std::memcpy(b.data(), ident, sizeof ident);
        put<uint16_t>(b, 0x10, 2);    // ET_EXEC
        put<uint16_t>(b, 0x12, 243);  // EM_RISCV
        put<uint32_t>(b, 0x14, 1);
        put<uint64_t>(b, 0x18, entry);
        put<uint64_t>(b, 0x20, 64);  // e_phoff
        put<uint16_t>(b, 0x34, 64);
        put<uint16_t>(b, 0x36, 56);
        put<uint16_t>(b, 0x38, uint16_t(segments.size()));
        uint64_t data = 64 + 56 * segments.size();
        for (size_t i = 0; i < segments.size(); ++i) {
            const Seg& s = segments[i];
            const size_t ph = 64 + 56 * i;
            put<uint32_t>(b, ph, 1);  // PT_LOAD
            put<uint32_t>(b, ph + 4, s.flags);
            put<uint64_t>(b, ph + 8, data);
            put<uint64_t>(b, ph + 0x10, s.vaddr);
            put<uint64_t>(b, ph + 0x18, s.paddr);
            put<uint64_t>(b, ph + 0x20, s.filesz);
            put<uint64_t>(b, ph + 0x28, s.memsz);
            if (s.filesz < (1u << 20)) {
                b.resize(data + s.filesz, 0x13);
                data += s.filesz;
            }
        }
        if (with_symbols) {
            // .strtab, .symtab and three section headers (null, symtab, strtab).
            const std::string strtab = std::string("\0tohost\0fromhost\0", 17);
            const size_t str_off = b.size();
            b.insert(b.end(), strtab.begin(), strtab.end());
            const size_t sym_off = b.size();
            b.resize(sym_off + 3 * 24, 0);
            put<uint32_t>(b, sym_off + 24, 1);  // "tohost"
            put<uint64_t>(b, sym_off + 24 + 8, tohost);
            put<uint32_t>(b, sym_off + 48, 8);  // "fromhost"
            put<uint64_t>(b, sym_off + 48 + 8, tohost + 0x40);
            const size_t sh = b.size();
            b.resize(sh + 3 * 64, 0);
            put<uint32_t>(b, sh + 64 + 4, 2);  // SHT_SYMTAB
            put<uint64_t>(b, sh + 64 + 0x18, sym_off);
            put<uint64_t>(b, sh + 64 + 0x20, 3 * 24);
            put<uint32_t>(b, sh + 64 + 0x28, 2);
            put<uint32_t>(b, sh + 128 + 4, 3);  // SHT_STRTAB
            put<uint64_t>(b, sh + 128 + 0x18, str_off);
            put<uint64_t>(b, sh + 128 + 0x20, strtab.size());
            put<uint64_t>(b, 0x28, sh);
            put<uint16_t>(b, 0x3A, 64);
            put<uint16_t>(b, 0x3C, 3);
        }
        return b;
    }
};

const std::vector<LoadRegion> kRam = {{0x80000000, 16ull << 20}};

std::string refusal(const std::vector<uint8_t>& bytes) {
    try {
        parse_elf(bytes, "x.elf", kRam);
    } catch (const ElfError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("elf: a valid executable loads with its entry, segments and tohost symbol") {
    ElfBuilder e;
    e.segments.push_back({0x80002000, 0x80002000, 16, 4096, 6});
    e.with_symbols = true;
    const ElfImage image = parse_elf(e.build(), "x.elf", kRam);
    CHECK(image.entry_paddr == 0x80000000);
    REQUIRE(image.segments.size() == 2);
    CHECK(image.segments[1].memsz == 4096);
    REQUIRE(image.tohost);
    CHECK(*image.tohost == 0x80001000);
    REQUIRE(image.fromhost);
    CHECK(*image.fromhost == 0x80001040);
}

TEST_CASE("elf: an entry given as a virtual address starts at its physical address") {
    ElfBuilder e;
    e.segments = {{0x80000000, 0xffffffff80000000ull, 64, 64}};
    e.entry = 0xffffffff80000010ull;
    CHECK(parse_elf(e.build(), "x.elf", kRam).entry_paddr == 0x80000010);
}

TEST_CASE("elf: malformed and hostile files are refused with the reason and the byte offset") {
    ElfBuilder good;
    const std::vector<uint8_t> base = good.build();
    SECTION("truncated header") {
        const std::string why = refusal({base.begin(), base.begin() + 40});
        CHECK(why.find("truncated") != std::string::npos);
        CHECK(why.find("x.elf: byte offset") == 0);
    }
    SECTION("truncated program headers") {
        const std::string why = refusal({base.begin(), base.begin() + 80});
        CHECK(why.find("program headers") != std::string::npos);
    }
    SECTION("truncated segment data") {
        const std::string why = refusal({base.begin(), base.end() - 10});
        CHECK(why.find("past the end of the file") != std::string::npos);
    }
    SECTION("empty file and bad magic") {
        CHECK(refusal({}).find("bad magic") != std::string::npos);
        std::vector<uint8_t> b = base;
        b[1] = 'X';
        CHECK(refusal(b).find("bad magic") != std::string::npos);
    }
    SECTION("32-bit class") {
        std::vector<uint8_t> b = base;
        b[4] = 1;
        CHECK(refusal(b).find("byte offset 4: ELF class 1") != std::string::npos);
    }
    SECTION("big-endian") {
        std::vector<uint8_t> b = base;
        b[5] = 2;
        CHECK(refusal(b).find("little-endian") != std::string::npos);
    }
    SECTION("another machine") {
        std::vector<uint8_t> b = base;
        b[0x12] = 62;  // x86-64
        CHECK(refusal(b).find("e_machine 62") != std::string::npos);
    }
    SECTION("not an executable") {
        std::vector<uint8_t> b = base;
        b[0x10] = 3;  // ET_DYN
        CHECK(refusal(b).find("ET_EXEC") != std::string::npos);
    }
    SECTION("segment outside memory") {
        ElfBuilder e;
        e.segments = {{0x80000000, 0x80000000, 64, 64}, {0x10000000, 0x10000000, 8, 8}};
        CHECK(refusal(e.build()).find("outside memory") != std::string::npos);
        ElfBuilder tail;  // starts inside, ends past the end of RAM
        tail.segments.push_back({0x80000000 + (16ull << 20) - 8, 0x90000000, 8, 16});
        CHECK(refusal(tail.build()).find("outside memory") != std::string::npos);
        ElfBuilder wrap;
        wrap.segments.push_back({0xfffffffffffff000ull, 0x90000000, 0, 0x2000});
        CHECK_FALSE(refusal(wrap.build()).empty());
    }
    SECTION("overlapping segments") {
        ElfBuilder e;
        e.segments.push_back({0x80000020, 0x80000020, 8, 64});
        CHECK(refusal(e.build()).find("overlaps") != std::string::npos);
    }
    SECTION("filesz > memsz") {
        ElfBuilder e;
        e.segments = {{0x80000000, 0x80000000, 64, 32}};
        CHECK(refusal(e.build()).find("exceeds p_memsz") != std::string::npos);
    }
    SECTION("huge filesz cannot read past the file") {
        ElfBuilder e;
        e.segments = {{0x80000000, 0x80000000, 1ull << 40, 1ull << 40}};
        CHECK_FALSE(refusal(e.build()).empty());
    }
    SECTION("entry outside every loaded segment") {
        ElfBuilder e;
        e.entry = 0x80100000;
        CHECK(refusal(e.build()).find("entry point 0x80100000 lies outside") != std::string::npos);
    }
    SECTION("misaligned entry") {
        ElfBuilder e;
        e.entry = 0x80000002;
        CHECK(refusal(e.build()).find("not 4-byte aligned") != std::string::npos);
    }
    SECTION("symbol table pointing past the end") {
        ElfBuilder e;
        e.with_symbols = true;
        std::vector<uint8_t> b = e.build();
        uint64_t shoff;
        std::memcpy(&shoff, b.data() + 0x28, 8);
        const uint64_t huge = 1ull << 40;
        std::memcpy(b.data() + shoff + 64 + 0x18, &huge, 8);
        CHECK(refusal(b).find("symbol table lies past the end") != std::string::npos);
    }
}

TEST_CASE("run_elf: a refused ELF is reported as bad_elf with exit code 122") {
    const RunResult r = run_elf("/nonexistent/file.elf", PlatformOptions(), std::cout);
    CHECK(r.stop == StopReason::bad_elf);
    CHECK(process_exit_code(r) == kExitBadElf);
    CHECK(r.message.find("/nonexistent/file.elf") != std::string::npos);
}
