#include "support.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tlmmu/trace/open.h"

namespace tlmmu::trace {
bool operator==(const Record& a, const Record& b) {
    return a.address == b.address && a.context == b.context && a.pcid == b.pcid && a.size == b.size &&
           a.kind == b.kind && a.type == b.type && a.noflush == b.noflush && a.pages == b.pages;
}
std::ostream& operator<<(std::ostream& out, const Record& r) {
    return out << "{" << to_string(r.kind) << " 0x" << std::hex << r.address << std::dec << " size " << unsigned(r.size)
               << " ctx " << r.context << " pcid " << r.pcid << " type " << unsigned(r.type) << " noflush " << r.noflush << " pages " << r.pages
               << "}";
}
}  // namespace tlmmu::trace

namespace trace_test {

ScratchDir::ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tlmmu-trace-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    m_dir = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    REQUIRE(out.good());
}

void write_text(const std::string& path, const std::string& text) { write_bytes(path, {text.begin(), text.end()}); }

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<Record> read_all(const std::string& path, const std::string& format, size_t batch) {
    auto reader = tlmmu::trace::open_trace(path, format);
    std::vector<Record> all, buffer(batch);
    while (size_t n = reader->read(buffer.data(), buffer.size())) all.insert(all.end(), buffer.begin(), buffer.begin() + long(n));
    return all;
}

std::string compress_with(const std::string& tool, const std::string& path) {
    const std::string suffix = tool == "gzip" ? ".gz" : tool == "xz" ? ".xz" : ".zst";
    const std::string command = tool + " -q -c '" + path + "' > '" + path + suffix + "'";
    REQUIRE(std::system(command.c_str()) == 0);
    return path + suffix;
}

void write_zip(const std::string& path, const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members) {
    archive* a = archive_write_new();
    archive_write_set_format_zip(a);
    REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
    for (const auto& [name, bytes] : members) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, la_int64_t(bytes.size()));
        REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
        REQUIRE(archive_write_data(a, bytes.data(), bytes.size()) == la_ssize_t(bytes.size()));
        archive_entry_free(e);
    }
    REQUIRE(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
}

Record access(RecordKind kind, uint64_t address, uint8_t size, uint32_t context) {
    return access_record(kind, address, size, context);
}

void put16(std::vector<uint8_t>& b, uint16_t v) {
    b.push_back(uint8_t(v));
    b.push_back(uint8_t(v >> 8));
}
void put64(std::vector<uint8_t>& b, uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i)));
}

}  // namespace trace_test
