#include "tlmmu/trace/export.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <filesystem>
#include <vector>

#include "tlmmu/trace/native.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::trace {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// A temporary file beside the target that becomes the target on commit() and
// disappears otherwise.
class TempFile {
 public:
    explicit TempFile(const std::string& path) : m_path(path) {
        namespace fs = std::filesystem;
        std::error_code ec;
        if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
        std::string pattern = path + ".partial-XXXXXX";
        m_fd = ::mkstemp(pattern.data());
        if (m_fd < 0) throw TraceError(path + ": cannot create: " + std::strerror(errno));
        const mode_t mask = ::umask(0);
        ::umask(mask);
        ::fchmod(m_fd, 0666 & ~mask);
        m_temp = pattern;
    }
    ~TempFile() {
        if (m_fd >= 0) ::close(m_fd);
        if (!m_temp.empty()) ::unlink(m_temp.c_str());
    }
    int fd() const { return m_fd; }
    void commit() {
        if (::close(m_fd) != 0) {
            m_fd = -1;
            throw TraceError(m_path + ": write error: " + std::strerror(errno));
        }
        m_fd = -1;
        if (std::rename(m_temp.c_str(), m_path.c_str()) != 0)
            throw TraceError(m_path + ": cannot rename the finished file into place: " + std::strerror(errno));
        m_temp.clear();
    }

 private:
    std::string m_path;
    std::string m_temp;
    int m_fd = -1;
};

// Writes libarchive output (a compressed raw stream or a zip) into a TempFile.
class ArchiveWriter {
 public:
    ArchiveWriter(const std::string& path, bool zip) : m_path(path), m_file(path) {
        m_owner.reset(archive_write_new());
        m_archive = m_owner.get();
        if (!m_archive) throw TraceError(path + ": out of memory");
        if (zip) {
            archive_write_set_format_zip(m_archive);
        } else {
            archive_write_set_format_raw(m_archive);
            if (ends_with(path, ".xz")) {
                archive_write_add_filter_xz(m_archive);
                // Several threads make several blocks, each with its sizes in
                // its header: readers can then decompress on several cores.
                archive_write_set_filter_option(m_archive, "xz", "threads", "2");
            }
            else if (ends_with(path, ".gz")) archive_write_add_filter_gzip(m_archive);
            else if (ends_with(path, ".zst")) archive_write_add_filter_zstd(m_archive);
            else archive_write_add_filter_none(m_archive);
        }
        archive_write_set_bytes_in_last_block(m_archive, 1);  // no padding after the data
        if (archive_write_open_fd(m_archive, m_file.fd()) != ARCHIVE_OK) fail();
        if (!zip) begin_entry("data", -1);
    }

    void begin_entry(const std::string& name, int64_t size) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, name.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_mtime(entry, 0, 0);  // reproducible outputs
        if (size >= 0) archive_entry_set_size(entry, size);
        const int r = archive_write_header(m_archive, entry);
        archive_entry_free(entry);
        if (r != ARCHIVE_OK) fail();
    }
    void put(const void* data, size_t n) {
        if (n && archive_write_data(m_archive, data, n) != la_ssize_t(n)) fail();
    }
    void commit() {
        if (archive_write_close(m_archive) != ARCHIVE_OK) fail();
        m_owner.reset();
        m_archive = nullptr;
        m_file.commit();
    }

 private:
    [[noreturn]] void fail() {
        const char* detail = archive_error_string(m_archive);
        throw TraceError(m_path + ": write error" + (detail ? std::string(": ") + detail : std::string()));
    }

    struct Free {
        void operator()(archive* a) const { archive_write_free(a); }
    };
    std::string m_path;
    TempFile m_file;
    std::unique_ptr<archive, Free> m_owner;  // freed even when the constructor throws
    archive* m_archive = nullptr;
};

class NativeExporter : public TraceExporter {
 public:
    NativeExporter(const std::string& path, NativeOptions options) : m_writer(path, options) {}
    void write(const Record* records, size_t count) override {
        m_writer.write(records, count);
        m_written += count;
    }
    void commit() override { m_writer.commit(); }

 private:
    NativeWriter m_writer;
};

// A byte-stream output with a buffer in front of the archive writer.
class StreamExporter : public TraceExporter {
 public:
    explicit StreamExporter(const std::string& path) : m_out(path, false) { m_buffer.reserve(kFlushAt + 256); }
    void commit() override {
        finish();
        flush();
        m_out.commit();
    }

 protected:
    static constexpr size_t kFlushAt = size_t(1) << 20;
    virtual void finish() {}
    void append(const void* data, size_t n) {
        const size_t at = m_buffer.size();
        m_buffer.resize(at + n);
        std::memcpy(m_buffer.data() + at, data, n);
        if (m_buffer.size() >= kFlushAt) flush();
    }
    void flush() {
        m_out.put(m_buffer.data(), m_buffer.size());
        m_buffer.clear();
    }

 private:
    ArchiveWriter m_out;
    std::vector<uint8_t> m_buffer;
};

// Native format through a compressor (OUT.native.zst and the like).
class CompressedNativeExporter : public StreamExporter {
 public:
    CompressedNativeExporter(const std::string& path, NativeOptions options) : StreamExporter(path), m_encoder(options) {
        uint8_t header[NativeEncoder::kHeaderBytes];
        m_encoder.header(header);
        append(header, sizeof header);
    }
    void write(const Record* records, size_t count) override {
        m_encoder.encode(records, count, m_bytes);
        if (!m_bytes.empty()) append(m_bytes.data(), m_bytes.size());  // empty until a block is complete
        m_bytes.clear();
        m_written += count;
    }

 private:
    void finish() override {
        m_encoder.end(m_written, m_bytes);
        append(m_bytes.data(), m_bytes.size());
        m_bytes.clear();
    }
    NativeEncoder m_encoder;
    std::vector<uint8_t> m_bytes;  // encoded, not yet appended
};

// lackey text. A load and a store of one address are written as L and S (the
// M form is not reconstructed); control events cannot be expressed.
class LackeyExporter : public StreamExporter {
 public:
    using StreamExporter::StreamExporter;
    void write(const Record* records, size_t count) override {
        char line[64];
        for (size_t i = 0; i < count; ++i) {
            const Record& r = records[i];
            const char* prefix = r.kind == RecordKind::fetch ? "I " : r.kind == RecordKind::load ? " L" : r.kind == RecordKind::store ? " S" : nullptr;
            if (!prefix) {
                ++m_dropped;
                continue;
            }
            const int n = std::snprintf(line, sizeof line, "%s %08llx,%u\n", prefix, static_cast<unsigned long long>(r.address), unsigned(r.size));
            append(line, size_t(n));
            ++m_written;
        }
    }
};

// ChampSim input_instr / cloudsuite_instr records: a fetch opens an
// instruction, its loads fill source_memory and its stores destination_memory.
class ChampsimExporter : public StreamExporter {
 public:
    ChampsimExporter(const std::string& path, bool cloudsuite)
        : StreamExporter(path), m_bytes(cloudsuite ? 96 : 64), m_destinations(cloudsuite ? 4 : 2),
          m_destination_offset(cloudsuite ? 24 : 16), m_source_offset(cloudsuite ? 56 : 32), m_cloudsuite(cloudsuite) {}

    void write(const Record* records, size_t count) override {
        for (size_t i = 0; i < count; ++i) {
            const Record& r = records[i];
            switch (r.kind) {
                case RecordKind::fetch:
                    emit();
                    std::memset(m_record, 0, sizeof m_record);
                    std::memcpy(m_record, &r.address, 8);
                    if (m_cloudsuite) m_record[88] = uint8_t(r.context);
                    m_open = true;
                    m_sources = m_stores = 0;
                    m_pending = 1;
                    break;
                case RecordKind::load:
                    if (!m_open || m_sources == 4) {
                        ++m_dropped;
                        break;
                    }
                    std::memcpy(m_record + m_source_offset + 8 * m_sources++, &r.address, 8);
                    note_data(r);
                    break;
                case RecordKind::store:
                    if (!m_open || m_stores == m_destinations) {
                        ++m_dropped;
                        break;
                    }
                    std::memcpy(m_record + m_destination_offset + 8 * m_stores++, &r.address, 8);
                    note_data(r);
                    break;
                default:
                    ++m_dropped;
            }
        }
    }

 private:
    void note_data(const Record& r) {
        if (m_cloudsuite) m_record[89] = uint8_t(r.context);
        ++m_pending;
    }
    void emit() {
        if (!m_open) return;
        append(m_record, m_bytes);
        m_written += m_pending;
        m_open = false;
    }
    void finish() override { emit(); }

    uint8_t m_record[96] = {};
    size_t m_bytes, m_destinations, m_destination_offset, m_source_offset;
    bool m_cloudsuite;
    bool m_open = false;
    unsigned m_sources = 0, m_stores = 0;
    uint64_t m_pending = 0;
};

// One drmemtrace thread as a zip of chunk.NNNN members of trace_entry_t.
class DrmemtraceExporter : public TraceExporter {
 public:
    DrmemtraceExporter(const std::string& path, const ExportOptions& options)
        : m_out(path, true), m_options(options) {
        if (m_options.drmemtrace_chunk_instructions == 0) m_options.drmemtrace_chunk_instructions = 1;
        // Thread header as drmemtrace writes it: header(version), version and file-type markers,
        // thread and process ids, then cache-line, chunk and page size markers.
        entry(kHeader, 0, kVersion);
        entry(kMarker, kMarkerVersion, kVersion);
        entry(kMarker, kMarkerFiletype, kFiletypeX86_64);
        entry(kThread, 4, m_options.drmemtrace_tid);
        entry(kPid, 4, m_options.drmemtrace_pid);
        entry(kMarker, kMarkerCacheLine, 64);
        entry(kMarker, kMarkerChunkInstrCount, m_options.drmemtrace_chunk_instructions);
        entry(kMarker, kMarkerPageSize, 4096);
        chunk_start();
    }

    void write(const Record* records, size_t count) override {
        for (size_t i = 0; i < count; ++i) {
            const Record& r = records[i];
            switch (r.kind) {
                case RecordKind::fetch:
                    if (m_chunk_instructions == m_options.drmemtrace_chunk_instructions) {
                        entry(kMarker, kMarkerChunkFooter, m_chunk);
                        end_chunk();
                        ++m_chunk;
                        chunk_start();
                    }
                    entry(kInstr, r.size, r.address);
                    ++m_chunk_instructions;
                    break;
                case RecordKind::load: entry(kRead, r.size, r.address); break;
                case RecordKind::store: entry(kWrite, r.size, r.address); break;
                default: ++m_dropped; continue;
            }
            ++m_written;
        }
    }

    void commit() override {
        entry(kThreadExit, 4, m_options.drmemtrace_tid);
        entry(kFooter, 0, 0);
        end_chunk();
        m_out.commit();
    }

 private:
    // trace_type_t and trace_marker_type_t values (DynamoRIO trace_entry.h).
    static constexpr uint16_t kRead = 0, kWrite = 1, kInstr = 10, kThread = 22, kThreadExit = 23, kPid = 24,
                              kHeader = 25, kFooter = 26, kMarker = 28;
    static constexpr uint16_t kMarkerTimestamp = 2, kMarkerCpuId = 3, kMarkerFiletype = 9, kMarkerCacheLine = 10,
                              kMarkerVersion = 12, kMarkerPageSize = 18, kMarkerChunkInstrCount = 20,
                              kMarkerChunkFooter = 21;
    static constexpr uint64_t kVersion = 4;           // TRACE_ENTRY_VERSION_ENCODINGS (no branch-outcome types)
    static constexpr uint64_t kFiletypeX86_64 = 0x40; // OFFLINE_FILE_TYPE_ARCH_X86_64

    void entry(uint16_t type, uint16_t size, uint64_t addr) {
        uint8_t e[12];
        e[0] = uint8_t(type);
        e[1] = uint8_t(type >> 8);
        e[2] = uint8_t(size);
        e[3] = uint8_t(size >> 8);
        std::memcpy(e + 4, &addr, 8);
        const size_t at = m_chunk_data.size();
        m_chunk_data.resize(at + sizeof e);
        std::memcpy(m_chunk_data.data() + at, e, sizeof e);
    }
    void chunk_start() {
        // A fixed timestamp keeps the output reproducible.
        entry(kMarker, kMarkerTimestamp, 13'000'000'000'000'000ull + m_chunk);
        entry(kMarker, kMarkerCpuId, 0);
        m_chunk_instructions = 0;
    }
    void end_chunk() {
        char name[32];
        std::snprintf(name, sizeof name, "chunk.%04llu", static_cast<unsigned long long>(m_chunk));
        m_out.begin_entry(name, int64_t(m_chunk_data.size()));
        m_out.put(m_chunk_data.data(), m_chunk_data.size());
        m_chunk_data.clear();
    }

    ArchiveWriter m_out;
    ExportOptions m_options;
    std::vector<uint8_t> m_chunk_data;
    uint64_t m_chunk = 0;
    uint64_t m_chunk_instructions = 0;
};

const char* const kExportFormats[] = {"native", "lackey", "champsim", "champsim-cloudsuite", "drmemtrace"};

}  // namespace

std::vector<std::string> export_formats() { return {std::begin(kExportFormats), std::end(kExportFormats)}; }

std::unique_ptr<TraceExporter> make_exporter(const std::string& path, const std::string& format,
                                             const ExportOptions& options) {
    if (format == "native") {
        if (ends_with(path, ".xz") || ends_with(path, ".gz") || ends_with(path, ".zst"))
            return std::make_unique<CompressedNativeExporter>(path, NativeOptions{options.native_checksums});
        return std::make_unique<NativeExporter>(path, NativeOptions{options.native_checksums});
    }
    if (format == "lackey") return std::make_unique<LackeyExporter>(path);
    if (format == "champsim") return std::make_unique<ChampsimExporter>(path, false);
    if (format == "champsim-cloudsuite") return std::make_unique<ChampsimExporter>(path, true);
    if (format == "drmemtrace") return std::make_unique<DrmemtraceExporter>(path, options);
    throw TraceError(path + ": cannot write trace format " + settings::quoted(format) +
                     " (writable: native, lackey, champsim, champsim-cloudsuite, drmemtrace)");
}

}  // namespace tlmmu::trace
