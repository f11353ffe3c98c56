// Opening a trace of any supported format: the format is detected from the
// content (magic bytes, then the file name) and the stream is decompressed on
// the fly (gzip, xz, zstd), so memory stays constant whatever the trace length.
// Formats and the native layout are documented in docs/trace-formats.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tlmmu/trace/record.h"
#include "tlmmu/trace/schedule.h"

namespace tlmmu::trace {

// One thread of execution in a trace source. A drmemtrace directory holds one
// file per thread; every other source is a single stream.
struct Stream {
    std::unique_ptr<Reader> reader;
    uint32_t process = 0;  // process id when the format records it (drmemtrace), else 0
    uint32_t thread = 0;   // thread id when the format records it (drmemtrace), else 0
    std::string name;      // file the stream reads, for messages
};

// Opens one trace. `format` is "auto" or one of known_formats(). Throws
// TraceError naming the file when it cannot be opened or its format is unknown.
// A drmemtrace directory with several threads is refused here: use open_streams.
std::unique_ptr<Reader> open_trace(const std::string& path, const std::string& format = "auto");

// Opens a trace source as its threads: one Stream per per-thread file of a
// drmemtrace directory, one Stream for anything else. With `interleave`
// schedule (or automatic, when the directory has a schedule file: schedule.h)
// a drmemtrace directory is one Stream instead, its threads in the order the
// recorded schedule gives, a context_switch record at each change of thread
// and each record's context the thread's process id.
std::vector<Stream> open_streams(const std::string& path, const std::string& format = "auto",
                                 Interleave interleave = Interleave::quantum);

// A reader over records its caller produces (a generator in a program, a
// Python iterable): `fill` writes up to `capacity` records and returns how
// many, 0 at the end; what it throws reaches the caller of read(). With
// `contexts`, each record's `context` names its address space. format() is
// "records".
std::unique_ptr<Reader> make_callback_reader(std::string name, std::function<size_t(Record*, size_t)> fill,
                                             bool contexts = false);

// "lackey", "champsim", "champsim-cloudsuite", "drmemtrace", "native".
std::vector<std::string> known_formats();

// The format open_trace would pick for `path` with format "auto" (reads the
// first bytes). Throws TraceError naming the file if none fits.
std::string detect_format(const std::string& path);

}  // namespace tlmmu::trace
