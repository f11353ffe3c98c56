// The thread schedules DynamoRIO records beside a drmemtrace directory's
// threads, and the interleave of those threads in trace mode.
//
// raw2trace (and record_filter) write two files of packed 32-byte
// schedule_entry_t {u64 thread; u64 timestamp; u64 cpu; u64 start_instruction}
// records (DynamoRIO clients/drcachesim/common/trace_entry.h; written by
// clients/drcachesim/common/schedule_file.cpp, repository DynamoRIO/dynamorio):
//   serial_schedule.bin[.gz]  every CPU's switches in one list, sorted by
//                             timestamp (then cpu, thread, start_instruction);
//   cpu_schedule.bin.zip      one member per CPU, named by its decimal id,
//                             that CPU's switches sorted by timestamp.
// Consecutive entries of one thread are merged. An entry says: at `timestamp`
// `thread` ran on `cpu`, from its instruction number `start_instruction`
// (instructions counted from the thread's start, fetched or not).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tlmmu::trace {

struct ScheduleEntry {
    uint64_t thread = 0;
    uint64_t timestamp = 0;  // microseconds since 1601 (DynamoRIO's trace timestamps)
    uint64_t cpu = 0;
    uint64_t start_instruction = 0;
    uint32_t member = 0;     // index into Schedule::members (cpu_schedule), 0 for a serial file
    uint64_t offset = 0;     // byte offset of the entry in its file or member, for messages
};

// A schedule in serial order: one CPU's view of when each thread ran.
struct Schedule {
    std::string file;
    std::vector<std::string> members;  // zip member names (cpu_schedule); empty for a serial file
    std::vector<ScheduleEntry> entries;

    // "FILE: byte N" or "FILE (member "3"): byte N" for an entry.
    std::string where(const ScheduleEntry& e) const;
};

// Reads a serial schedule (plain or compressed, detected from its magic) or
// a cpu_schedule zip (its CPUs' entries merged by timestamp). Throws
// TraceError naming the file and the byte offset: a size that is not a whole
// number of entries, timestamps out of order, a thread whose
// start_instruction goes backwards, a cpu field that disagrees with its
// member's name, no entries at all.
Schedule read_schedule(const std::string& path);

// The schedule file of a drmemtrace directory (or of its trace/
// subdirectory): serial_schedule.bin* first, then cpu_schedule.bin.zip;
// empty if it has none.
std::string find_schedule(const std::string& dir);

// How the threads of a drmemtrace directory share the simulated CPU.
enum class Interleave {
    automatic,  // as recorded when the directory has a schedule file, else by quantum
    schedule,   // as recorded; a directory without a schedule file is refused
    quantum,    // round robin, os.quantum records at a time (the OS model's timer)
};
// "auto", "schedule", "quantum"; parse_interleave throws TraceError for other text.
const char* to_string(Interleave interleave);
Interleave parse_interleave(const std::string& text);
std::vector<std::string> interleave_names();

}  // namespace tlmmu::trace
