// Format detection and the dispatch to the readers. Detection order: the
// content (native magic, zip magic, drmemtrace header record, lackey text),
// then the file name (ChampSim traces have no magic).
#include "tlmmu/trace/open.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "byte_source.h"
#include "readers.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::trace {

namespace fs = std::filesystem;

namespace {

const char* const kFormats[] = {"lackey", "champsim", "champsim-cloudsuite", "drmemtrace", "native"};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// The file name without directories and compression suffixes, lower case.
std::string base_name(const std::string& path) {
    std::string name = lower(fs::path(path).filename().string());
    for (const char* suffix : {".xz", ".gz", ".zst", ".zstd", ".bz2"}) {
        const size_t n = std::strlen(suffix);
        if (name.size() > n && name.compare(name.size() - n, n, suffix) == 0) {
            name.resize(name.size() - n);
            break;
        }
    }
    return name;
}

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool is_lackey_text(const uint8_t* b, size_t n) {
    if (n >= 2 && ((b[0] == '=' && b[1] == '=') || (b[0] == '-' && b[1] == '-'))) return true;  // ==PID==, --PID--
    if (n >= 3 && b[0] == 'I' && b[1] == ' ' && b[2] == ' ') return true;             // "I  addr,size"
    if (n >= 3 && b[0] == ' ' && std::strchr("LSM", b[1]) && b[1] && b[2] == ' ') return true;
    return false;
}

// drmemtrace raw stream: the first trace_entry_t is TRACE_TYPE_HEADER (25).
bool is_drmemtrace_raw(const uint8_t* b, size_t n) { return n >= 12 && b[0] == 25 && b[1] == 0; }

bool is_zip(const uint8_t* b, size_t n) { return n >= 4 && std::memcmp(b, "PK\x03\x04", 4) == 0; }

// The first bytes of the decompressed content.
std::vector<uint8_t> content_head(const std::string& path, size_t n) {
    auto source = detail::open_file_source(path);
    std::vector<uint8_t> head(n);
    size_t got = 0;
    while (got < n) {
        const size_t r = source->read(head.data() + got, n - got);
        if (r == 0) break;
        got += r;
    }
    head.resize(got);
    return head;
}

std::string format_by_name(const std::string& path) {
    const std::string name = base_name(path);
    if (name.find("cloudsuite") != std::string::npos) return "champsim-cloudsuite";
    if (name.find("champsim") != std::string::npos) return "champsim";
    if (ends_with(name, ".lackey")) return "lackey";
    if (ends_with(name, ".native") || ends_with(name, ".tlmmutrace")) return "native";
    if (ends_with(name, ".zip")) return "drmemtrace";
    return "";
}

void check_format_name(const std::string& path, const std::string& format) {
    if (format == "auto") return;
    for (const char* f : kFormats)
        if (format == f) return;
    std::string list;
    for (const char* f : kFormats) list += std::string(list.empty() ? "" : ", ") + f;
    throw TraceError(path + ": unknown trace format " + settings::quoted(format) + " (known: auto, " + list + ")");
}

// The per-thread files of a drmemtrace directory (its trace/ subdirectory if
// it has one, as drrun's drmemtrace.APP.PID.NNNN.dir does), sorted by name.
std::vector<std::string> drmemtrace_thread_files(const std::string& dir) {
    fs::path root(dir);
    if (fs::is_directory(root / "trace")) root /= "trace";
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        if (!entry.is_regular_file()) continue;
        const std::string name = entry.path().filename().string();
        // DynamoRIO writes the schedules it recorded (cpu_schedule.bin.zip,
        // serial_schedule.bin.gz) beside the threads: they hold no trace entries.
        if (name.find("_schedule.bin") != std::string::npos) continue;
        if (ends_with(name, ".zip") || ends_with(name, ".gz") || ends_with(name, ".zst") || ends_with(name, ".xz"))
            files.push_back(entry.path().string());
    }
    if (ec) throw TraceError(dir + ": cannot list directory: " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw TraceError(dir + ": directory holds no drmemtrace thread files (*.zip, *.gz, *.zst, *.xz)");
    return files;
}

std::unique_ptr<Reader> open_file(const std::string& path, const std::string& format, uint32_t* pid, uint32_t* tid) {
    if (format == "drmemtrace") {
        const std::vector<uint8_t> raw = detail::read_head(path, 4);
        auto source = is_zip(raw.data(), raw.size()) ? detail::open_zip_chunks_source(path) : detail::open_file_source(path);
        return detail::make_drmemtrace_reader(std::move(source), path, pid, tid);
    }
    auto source = detail::open_file_source(path);
    if (format == "native") return detail::make_native_reader(std::move(source), path);
    if (format == "lackey") return detail::make_lackey_reader(std::move(source), path);
    if (format == "champsim") return detail::make_champsim_reader(std::move(source), path, false);
    if (format == "champsim-cloudsuite") return detail::make_champsim_reader(std::move(source), path, true);
    throw TraceError(path + ": unknown trace format " + settings::quoted(format));
}

}  // namespace

std::vector<std::string> known_formats() { return {std::begin(kFormats), std::end(kFormats)}; }

std::string detect_format(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        drmemtrace_thread_files(path);  // throws if there are none
        return "drmemtrace";
    }
    if (!fs::exists(path, ec)) throw TraceError(path + ": no such file");
    const std::vector<uint8_t> raw = detail::read_head(path, 8);
    if (is_zip(raw.data(), raw.size())) return "drmemtrace";
    const std::vector<uint8_t> head = content_head(path, 64);
    if (head.size() >= 8 && std::memcmp(head.data(), detail::kNativeMagic, 8) == 0) return "native";
    if (is_drmemtrace_raw(head.data(), head.size())) return "drmemtrace";
    if (is_lackey_text(head.data(), head.size())) return "lackey";
    const std::string by_name = format_by_name(path);
    if (!by_name.empty()) return by_name;
    if (head.empty()) throw TraceError(path + ": empty file: unknown trace format");
    const detail::Compression c = detail::sniff_compression(raw.data(), raw.size());
    throw TraceError(path + ": unknown trace format (" +
                     (c == detail::Compression::none ? std::string("uncompressed")
                                                     : std::string(detail::to_string(c)) + "-compressed") +
                     ", content matches none of native, drmemtrace, lackey; ChampSim traces are recognised by "
                     "'champsim' or 'cloudsuite' in the file name): name the format with --format");
}

std::unique_ptr<Reader> open_trace(const std::string& path, const std::string& format) {
    check_format_name(path, format);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (format != "auto" && format != "drmemtrace")
            throw TraceError(path + ": is a directory; only drmemtrace traces are directories");
        const std::vector<std::string> files = drmemtrace_thread_files(path);
        if (files.size() != 1)
            throw TraceError(path + ": drmemtrace directory holds " + std::to_string(files.size()) +
                             " threads: open it as several streams");
        return open_file(files[0], "drmemtrace", nullptr, nullptr);
    }
    return open_file(path, format == "auto" ? detect_format(path) : format, nullptr, nullptr);
}

std::vector<Stream> open_streams(const std::string& path, const std::string& format, Interleave interleave) {
    check_format_name(path, format);
    std::vector<Stream> streams;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (format != "auto" && format != "drmemtrace")
            throw TraceError(path + ": is a directory; only drmemtrace traces are directories");
        const std::vector<std::string> files = drmemtrace_thread_files(path);
        const std::string schedule = interleave == Interleave::quantum ? std::string() : find_schedule(path);
        if (interleave == Interleave::schedule && schedule.empty())
            throw TraceError(path + ": interleave 'schedule' needs a schedule file (serial_schedule.bin.gz or "
                                    "cpu_schedule.bin.zip) in the directory; it has none");
        if (!schedule.empty()) {
            Stream s;
            s.name = path;
            s.reader = detail::make_scheduled_drmemtrace_reader(files, schedule, &s.process, &s.thread);
            streams.push_back(std::move(s));
            return streams;
        }
        for (const std::string& file : files) {
            Stream s;
            s.name = file;
            s.reader = open_file(file, "drmemtrace", &s.process, &s.thread);
            streams.push_back(std::move(s));
        }
        return streams;
    }
    Stream s;
    s.name = path;
    const std::string fmt = format == "auto" ? detect_format(path) : format;
    s.reader = open_file(path, fmt, &s.process, &s.thread);
    streams.push_back(std::move(s));
    return streams;
}

namespace {

class CallbackReader final : public Reader {
 public:
    CallbackReader(std::string name, std::function<size_t(Record*, size_t)> fill, bool contexts)
        : m_name(std::move(name)), m_fill(std::move(fill)), m_contexts(contexts) {}
    size_t read(Record* out, size_t capacity) override {
        if (m_done) return 0;
        const size_t n = m_fill(out, capacity);
        if (n > capacity) throw TraceError(position() + ": the record source returned more records than asked for");
        m_done = n == 0;
        m_records += n;
        return n;
    }
    std::string position() const override { return m_name + ": record " + std::to_string(m_records); }
    const char* format() const override { return "records"; }
    bool carries_contexts() const override { return m_contexts; }

 private:
    std::string m_name;
    std::function<size_t(Record*, size_t)> m_fill;
    bool m_contexts;
    bool m_done = false;
    uint64_t m_records = 0;
};

}  // namespace

std::unique_ptr<Reader> make_callback_reader(std::string name, std::function<size_t(Record*, size_t)> fill,
                                             bool contexts) {
    return std::make_unique<CallbackReader>(std::move(name), std::move(fill), contexts);
}

}  // namespace tlmmu::trace
