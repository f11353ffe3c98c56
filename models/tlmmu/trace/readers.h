// Internal: constructors of the format readers (open.cpp picks one).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "byte_source.h"
#include "tlmmu/trace/record.h"

namespace tlmmu::trace::detail {

// Native format: 8-byte magic at the start of the (decompressed) stream.
constexpr char kNativeMagic[8] = {'T', 'L', 'M', 'M', 'U', 'T', 'R', 'C'};
// Version 2 added the address-space event records; version 1 files read as before.
constexpr uint16_t kNativeVersion = 2;
constexpr uint16_t kNativeOldestVersion = 1;

std::unique_ptr<Reader> make_native_reader(std::unique_ptr<ByteSource> source, const std::string& name);
std::unique_ptr<Reader> make_lackey_reader(std::unique_ptr<ByteSource> source, const std::string& name);
std::unique_ptr<Reader> make_champsim_reader(std::unique_ptr<ByteSource> source, const std::string& name,
                                             bool cloudsuite);

// drmemtrace: `source` yields trace_entry_t records (a zip's chunks or a raw
// stream). The reader reads the thread's header records on construction, so
// tid() and pid() are known before the first read().
std::unique_ptr<Reader> make_drmemtrace_reader(std::unique_ptr<ByteSource> source, const std::string& name,
                                               uint32_t* pid_out, uint32_t* tid_out);

// The drmemtrace threads in `thread_files` as one stream, interleaved as the
// schedule file says they ran (schedule.h). pid/tid: those of the first thread.
std::unique_ptr<Reader> make_scheduled_drmemtrace_reader(const std::vector<std::string>& thread_files,
                                                         const std::string& schedule_path, uint32_t* pid_out,
                                                         uint32_t* tid_out);

}  // namespace tlmmu::trace::detail
