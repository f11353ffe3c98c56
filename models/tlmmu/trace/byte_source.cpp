#include "byte_source.h"

#include "prefetch_source.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include "tlmmu/settings/parse.h"

namespace tlmmu::trace::detail {

namespace {

std::string errno_text() { return std::strerror(errno); }

// A plain file read with large read() calls.
class FileSource : public ByteSource {
 public:
    explicit FileSource(const std::string& path) : m_path(path) {
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0) throw TraceError(path + ": cannot open: " + errno_text());
    }
    ~FileSource() override { ::close(m_fd); }
    size_t read(uint8_t* dst, size_t n) override {
        for (;;) {
            const ssize_t got = ::read(m_fd, dst, n);
            if (got >= 0) return size_t(got);
            if (errno != EINTR) throw TraceError(m_path + ": read error: " + errno_text());
        }
    }

 private:
    std::string m_path;
    int m_fd = -1;
};

// xz through liblzma's multi-threaded decoder: files written in several
// blocks with their sizes in the block headers (as `tlmmu convert` and
// `xz -T` write them) decode on several cores; other files decode as with the
// single-threaded decoder. The integrity check of every block is verified.
class XzSource : public ByteSource {
 public:
    explicit XzSource(const std::string& path) : m_path(path), m_file(path), m_in(size_t(1) << 17) {
        lzma_mt mt{};
        mt.flags = LZMA_CONCATENATED;
        mt.threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
        mt.memlimit_threading = uint64_t(1) << 30;  // fewer threads rather than more than 1 GiB
        mt.memlimit_stop = UINT64_MAX;
        if (lzma_stream_decoder_mt(&m_stream, &mt) != LZMA_OK) throw TraceError(path + ": cannot start the xz decoder");
    }
    ~XzSource() override { lzma_end(&m_stream); }

    size_t read(uint8_t* dst, size_t n) override {
        if (m_ended) return 0;
        m_stream.next_out = dst;
        m_stream.avail_out = n;
        while (m_stream.avail_out == n) {
            lzma_action action = LZMA_RUN;
            if (m_stream.avail_in == 0 && !m_input_done) {
                const size_t got = m_file.read(m_in.data(), m_in.size());
                m_stream.next_in = m_in.data();
                m_stream.avail_in = got;
                m_input_done = got == 0;
            }
            if (m_input_done) action = LZMA_FINISH;
            const lzma_ret r = lzma_code(&m_stream, action);
            if (r == LZMA_STREAM_END) {
                m_ended = true;
                break;
            }
            if (r != LZMA_OK) fail(r);
        }
        return n - m_stream.avail_out;
    }

 private:
    [[noreturn]] void fail(lzma_ret r) {
        const char* what = r == LZMA_DATA_ERROR    ? "corrupt xz data"
                           : r == LZMA_BUF_ERROR   ? "truncated xz data"
                           : r == LZMA_FORMAT_ERROR ? "not xz data"
                           : r == LZMA_MEM_ERROR   ? "out of memory"
                                                   : "xz decompression error";
        throw TraceError(m_path + ": byte " + std::to_string(m_stream.total_in) + " of the file: " + what);
    }

    std::string m_path;
    FileSource m_file;
    std::vector<uint8_t> m_in;
    lzma_stream m_stream = LZMA_STREAM_INIT;
    bool m_input_done = false;
    bool m_ended = false;
};

// gzip through zlib, which checks the CRC-32 and length (ISIZE) that end
// every member; multi-member files (concatenated gzip streams, as `cat a.gz
// b.gz` or pigz make) are read member after member.
class GzipSource : public ByteSource {
 public:
    explicit GzipSource(const std::string& path) : m_path(path), m_file(path), m_in(size_t(1) << 17) {
        if (inflateInit2(&m_stream, 16 + MAX_WBITS) != Z_OK) throw TraceError(path + ": cannot start the gzip decoder");
    }
    ~GzipSource() override { inflateEnd(&m_stream); }

    size_t read(uint8_t* dst, size_t n) override {
        m_stream.next_out = dst;
        m_stream.avail_out = unsigned(std::min<size_t>(n, 1u << 30));
        const unsigned want = m_stream.avail_out;
        while (m_stream.avail_out == want && !m_ended) {
            if (m_stream.avail_in == 0) {
                const size_t got = m_file.read(m_in.data(), m_in.size());
                if (got == 0) {
                    if (m_in_member) fail("truncated gzip data (the file ends inside a member)");
                    m_ended = true;
                    break;
                }
                m_consumed_before += m_stream.total_in;  // total_in restarts with every member
                m_stream.total_in = 0;
                m_stream.next_in = m_in.data();
                m_stream.avail_in = unsigned(got);
            }
            m_in_member = true;
            const int r = inflate(&m_stream, Z_NO_FLUSH);
            if (r == Z_STREAM_END) {  // CRC-32 and ISIZE checked; another member may follow
                m_in_member = false;
                m_consumed_before += m_stream.total_in;
                m_stream.total_in = 0;
                inflateReset(&m_stream);
                continue;
            }
            if (r == Z_DATA_ERROR) fail(m_stream.msg ? m_stream.msg : "corrupt gzip data");
            if (r == Z_MEM_ERROR) fail("out of memory");
            if (r != Z_OK && r != Z_BUF_ERROR) fail("gzip decompression error");
        }
        return want - m_stream.avail_out;
    }

 private:
    // zlib says "incorrect data check" for a CRC-32 mismatch and "incorrect
    // length check" for a wrong ISIZE; the offset is in the file as stored.
    [[noreturn]] void fail(const std::string& what) {
        throw TraceError(m_path + ": byte " + std::to_string(m_consumed_before + m_stream.total_in) +
                         " of the file: " + what);
    }

    std::string m_path;
    FileSource m_file;
    std::vector<uint8_t> m_in;
    z_stream m_stream{};
    uint64_t m_consumed_before = 0;  // compressed bytes of the members before this one
    bool m_in_member = false;
    bool m_ended = false;
};

// libarchive reading: a compressed single stream (format "raw" with every
// decompression filter) or the chunk members of a zip.
class ArchiveSource : public ByteSource {
 public:
    // `compression`: the one decompression filter to enable. Enabling them all
    // would let libarchive re-bid on the decompressed bytes and misread binary
    // trace data as another filter's input.
    ArchiveSource(const std::string& path, bool zip, Compression compression) : m_path(path), m_zip(zip) {
        m_owner.reset(archive_read_new());
        m_archive = m_owner.get();
        if (!m_archive) throw TraceError(path + ": out of memory");
        switch (compression) {
            case Compression::gzip: archive_read_support_filter_gzip(m_archive); break;
            case Compression::xz: archive_read_support_filter_xz(m_archive); break;
            case Compression::zstd: archive_read_support_filter_zstd(m_archive); break;
            case Compression::bzip2: archive_read_support_filter_bzip2(m_archive); break;
            case Compression::none: break;
        }
        if (zip) archive_read_support_format_zip(m_archive);
        else archive_read_support_format_raw(m_archive);
        if (archive_read_open_filename(m_archive, path.c_str(), size_t(kOpenBlock)) != ARCHIVE_OK) fail("cannot open");
        m_in_entry = next_entry();
    }

    size_t read(uint8_t* dst, size_t n) override {
        while (m_in_entry) {
            const la_ssize_t got = archive_read_data(m_archive, dst, n);
            if (got < 0) fail("decompression error");
            if (got > 0) return size_t(got);
            m_in_entry = m_zip && next_entry();
        }
        return 0;
    }

 private:
    // Names the offset in the file as stored (compressed bytes read so far)
    // and, in a zip, the member being read: a corrupt or cut-off archive is
    // located even though no record around it could be decoded.
    [[noreturn]] void fail(const char* what) {
        const char* detail = archive_error_string(m_archive);
        // The offset is how far into the file (as stored) reading had got.
        // libarchive reads ahead while opening and has no count yet if that
        // fails: it had read the first block, or the whole of a smaller file.
        la_int64_t read = archive_filter_bytes(m_archive, -1);
        if (read < 0) {
            std::error_code ec;
            const uint64_t size = std::filesystem::file_size(m_path, ec);
            read = la_int64_t(ec ? kOpenBlock : std::min(size, kOpenBlock));
        }
        std::string where = m_path + ": byte " + std::to_string(read) + " of the file";
        if (m_zip && !m_member.empty()) where += " (zip member " + settings::quoted(m_member) + ")";
        throw TraceError(where + ": " + what + (detail ? std::string(": ") + detail : std::string()));
    }

    // Advances to the next entry to read; false at the end of the archive.
    bool next_entry() {
        for (;;) {
            archive_entry* entry = nullptr;
            const int r = archive_read_next_header(m_archive, &entry);
            if (r == ARCHIVE_EOF) {
                if (m_zip && m_chunks == 0) throw TraceError(m_path + ": zip archive holds no chunk.NNNN member");
                return false;
            }
            if (r != ARCHIVE_OK && r != ARCHIVE_WARN) fail("corrupt archive");
            if (!m_zip) return true;
            const char* raw_name = archive_entry_pathname(entry);
            const std::string name = raw_name ? raw_name : "";
            const size_t slash = name.rfind('/');
            const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
            if (base.rfind("chunk.", 0) != 0) continue;  // not trace data
            const std::string digits = base.substr(6);
            if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
                throw TraceError(m_path + ": zip member " + settings::quoted(name) + " is not named chunk.NNNN");
            const long number = std::stol(digits);
            if (m_chunks > 0 && number <= m_last_chunk)
                throw TraceError(m_path + ": zip member " + settings::quoted(name) + " is out of order (after chunk " +
                                 std::to_string(m_last_chunk) + ")");
            m_last_chunk = number;
            m_member = name;
            ++m_chunks;
            return true;
        }
    }

    static constexpr uint64_t kOpenBlock = uint64_t(1) << 17;  // bytes libarchive reads at a time
    struct Free {
        void operator()(archive* a) const { archive_read_free(a); }
    };
    std::string m_path;
    bool m_zip;
    std::unique_ptr<archive, Free> m_owner;  // freed even when the constructor throws
    archive* m_archive = nullptr;
    bool m_in_entry = false;
    long m_last_chunk = -1;
    unsigned m_chunks = 0;
    std::string m_member;  // the zip member being read, for messages
};

}  // namespace

Compression sniff_compression(const uint8_t* b, size_t n) {
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return Compression::gzip;
    if (n >= 6 && std::memcmp(b, "\xfd" "7zXZ\0", 6) == 0) return Compression::xz;
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) return Compression::zstd;
    if (n >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h') return Compression::bzip2;
    return Compression::none;
}

const char* to_string(Compression c) {
    switch (c) {
        case Compression::none: return "none";
        case Compression::gzip: return "gzip";
        case Compression::xz: return "xz";
        case Compression::zstd: return "zstd";
        case Compression::bzip2: return "bzip2";
    }
    return "?";
}

std::vector<uint8_t> read_head(const std::string& path, size_t n) {
    FileSource file(path);
    std::vector<uint8_t> head(n);
    size_t got = 0;
    while (got < n) {
        const size_t r = file.read(head.data() + got, n - got);
        if (r == 0) break;
        got += r;
    }
    head.resize(got);
    return head;
}

std::unique_ptr<ByteSource> open_file_source(const std::string& path) {
    const std::vector<uint8_t> head = read_head(path, 8);
    const Compression c = sniff_compression(head.data(), head.size());
    if (c == Compression::none) return std::make_unique<FileSource>(path);
    if (c == Compression::gzip) return std::make_unique<PrefetchSource>(std::make_unique<GzipSource>(path));
    if (c == Compression::xz) return std::make_unique<PrefetchSource>(std::make_unique<XzSource>(path));
    return std::make_unique<PrefetchSource>(std::make_unique<ArchiveSource>(path, false, c));
}

std::unique_ptr<ByteSource> open_zip_chunks_source(const std::string& path) {
    return std::make_unique<PrefetchSource>(std::make_unique<ArchiveSource>(path, true, Compression::none));
}

InputBuffer::InputBuffer(std::unique_ptr<ByteSource> source, std::string name, size_t capacity)
    : m_source(std::move(source)), m_name(std::move(name)), m_data(capacity + kPadding, 0), m_capacity(capacity) {
    cur = end = m_data.data();
}

bool InputBuffer::refill(size_t min_bytes) {
    if (available() >= min_bytes) return true;
    if (m_eof) return false;
    // Move the unread tail to the front, then read until enough or the end.
    const size_t keep = available();
    uint8_t* base = m_data.data();
    m_base_offset += uint64_t(cur - base);
    std::memmove(base, cur, keep);
    cur = base;
    size_t have = keep;
    min_bytes = std::min(min_bytes, m_capacity);
    while (have < m_capacity) {
        const size_t got = m_source->read(base + have, m_capacity - have);
        if (got == 0) {
            m_eof = true;
            break;
        }
        have += got;
        if (have >= min_bytes && have >= m_capacity / 2) break;
    }
    end = base + have;
    std::memset(base + have, 0, kPadding);
    return have >= min_bytes;
}

std::string InputBuffer::where(const uint8_t* p) const { return m_name + ": byte " + std::to_string(offset_of(p)); }

size_t BatchReader::read(Record* out, size_t capacity) {
    if (capacity == 0) return 0;
    if (m_stage_pos == m_stage_len) {
        if (capacity >= kMinBatch) return fill(out, capacity);
        m_stage_pos = 0;
        m_stage_len = fill(m_stage, sizeof m_stage / sizeof m_stage[0]);
        if (m_stage_len == 0) return 0;
    }
    const size_t n = std::min(capacity, m_stage_len - m_stage_pos);
    std::copy(m_stage + m_stage_pos, m_stage + m_stage_pos + n, out);
    m_stage_pos += n;
    return n;
}

}  // namespace tlmmu::trace::detail
