// DynamoRIO schedule files (schedule.h): reading, checking and merging them.
#include "tlmmu/trace/schedule.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <tuple>
#include <memory>

#include "byte_source.h"
#include "tlmmu/settings/parse.h"
#include "tlmmu/trace/record.h"

namespace tlmmu::trace {

namespace fs = std::filesystem;

namespace {

constexpr size_t kEntryBytes = 32;                      // packed schedule_entry_t
constexpr uint64_t kMaxScheduleBytes = uint64_t(1) << 28;  // 8 M entries: far beyond any real recording

const char* const kSerialName = "serial_schedule.bin";
const char* const kCpuName = "cpu_schedule.bin.zip";

uint64_t le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return v;
}

// Decodes one file's or member's bytes into `out`, checking the size and
// the timestamp order.
void decode_entries(const Schedule& schedule, const std::vector<uint8_t>& bytes, uint32_t member,
                    std::vector<ScheduleEntry>& out) {
    const size_t whole = bytes.size() / kEntryBytes * kEntryBytes;
    ScheduleEntry probe;
    probe.member = member;
    if (whole != bytes.size()) {
        probe.offset = whole;
        throw TraceError(schedule.where(probe) + ": truncated schedule entry (" + std::to_string(bytes.size() - whole) +
                         " of 32 bytes)");
    }
    for (size_t at = 0; at < bytes.size(); at += kEntryBytes) {
        ScheduleEntry e;
        e.thread = le64(&bytes[at]);
        e.timestamp = le64(&bytes[at + 8]);
        e.cpu = le64(&bytes[at + 16]);
        e.start_instruction = le64(&bytes[at + 24]);
        e.member = member;
        e.offset = at;
        if (at && e.timestamp < le64(&bytes[at - kEntryBytes + 8]))
            throw TraceError(schedule.where(e) + ": schedule entry out of order: timestamp " + std::to_string(e.timestamp) +
                             " is earlier than the previous entry's " + std::to_string(le64(&bytes[at - kEntryBytes + 8])));
        out.push_back(e);
    }
}

// The whole (decompressed) content of a serial schedule file.
std::vector<uint8_t> read_whole(const std::string& path) {
    auto source = detail::open_file_source(path);
    std::vector<uint8_t> bytes;
    uint8_t block[1 << 16];
    while (size_t n = source->read(block, sizeof block)) {
        if (bytes.size() + n > kMaxScheduleBytes)
            throw TraceError(path + ": schedule larger than " + std::to_string(kMaxScheduleBytes >> 20) + " MiB");
        bytes.insert(bytes.end(), block, block + n);
    }
    return bytes;
}

// Every member of a zip, by name, in archive order.
std::vector<std::pair<std::string, std::vector<uint8_t>>> read_zip_members(const std::string& path) {
    struct Free {
        void operator()(archive* a) const { archive_read_free(a); }
    };
    std::unique_ptr<archive, Free> owner(archive_read_new());
    archive* a = owner.get();
    if (!a) throw TraceError(path + ": out of memory");
    archive_read_support_format_zip(a);
    auto fail = [&](const char* what) {
        const char* detail = archive_error_string(a);
        const la_int64_t read = std::max<la_int64_t>(0, archive_filter_bytes(a, -1));
        throw TraceError(path + ": byte " + std::to_string(read) + " of the file: " + what +
                         (detail ? std::string(": ") + detail : std::string()));
    };
    if (archive_read_open_filename(a, path.c_str(), 1 << 16) != ARCHIVE_OK) fail("cannot open the zip archive");
    std::vector<std::pair<std::string, std::vector<uint8_t>>> members;
    uint64_t total = 0;
    for (;;) {
        archive_entry* entry = nullptr;
        const int r = archive_read_next_header(a, &entry);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) fail("corrupt zip archive");
        const char* name = archive_entry_pathname(entry);
        members.emplace_back(name ? name : "", std::vector<uint8_t>());
        std::vector<uint8_t>& bytes = members.back().second;
        uint8_t block[1 << 16];
        for (;;) {
            const la_ssize_t got = archive_read_data(a, block, sizeof block);
            if (got < 0) fail("corrupt zip member");
            if (got == 0) break;
            total += uint64_t(got);
            if (total > kMaxScheduleBytes)
                throw TraceError(path + ": schedule larger than " + std::to_string(kMaxScheduleBytes >> 20) + " MiB");
            bytes.insert(bytes.end(), block, block + got);
        }
    }
    return members;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string Schedule::where(const ScheduleEntry& e) const {
    std::string at = file;
    if (!members.empty() && e.member < members.size()) at += " (member " + settings::quoted(members[e.member]) + ")";
    return at + ": byte " + std::to_string(e.offset);
}

Schedule read_schedule(const std::string& path) {
    Schedule schedule;
    schedule.file = path;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw TraceError(path + ": no such schedule file");
    const std::vector<uint8_t> head = detail::read_head(path, 4);
    std::vector<ScheduleEntry> entries;
    if (head.size() == 4 && std::memcmp(head.data(), "PK\x03\x04", 4) == 0) {
        // cpu_schedule: one member per CPU, named by its id.
        auto members = read_zip_members(path);
        for (auto& [name, bytes] : members) schedule.members.push_back(name);
        for (uint32_t m = 0; m < members.size(); ++m) {
            const std::string& name = members[m].first;
            const size_t first = entries.size();
            decode_entries(schedule, members[m].second, m, entries);
            const bool numeric = !name.empty() && name.size() <= 19 && name.find_first_not_of("0123456789") == std::string::npos;
            if (!numeric)
                throw TraceError(path + ": zip member " + settings::quoted(name) + " is not named by a CPU number");
            const uint64_t cpu = std::stoull(name);
            for (size_t i = first; i < entries.size(); ++i)
                if (entries[i].cpu != cpu)
                    throw TraceError(schedule.where(entries[i]) + ": schedule entry of cpu " + std::to_string(entries[i].cpu) +
                                     " in the member of cpu " + std::to_string(cpu));
        }
        // One serial list, as DynamoRIO orders its serial schedule.
        std::stable_sort(entries.begin(), entries.end(), [](const ScheduleEntry& l, const ScheduleEntry& r) {
            return std::tie(l.timestamp, l.cpu, l.thread, l.start_instruction) <
                   std::tie(r.timestamp, r.cpu, r.thread, r.start_instruction);
        });
    } else {
        decode_entries(schedule, read_whole(path), 0, entries);
    }
    if (entries.empty()) throw TraceError(path + ": holds no schedule entries");
    // Consecutive entries of one thread are one stretch on the CPU.
    std::map<uint64_t, uint64_t> last_start;
    for (const ScheduleEntry& e : entries) {
        auto it = last_start.find(e.thread);
        if (it != last_start.end() && e.start_instruction < it->second)
            throw TraceError(schedule.where(e) + ": thread " + std::to_string(e.thread) + " resumes at instruction " +
                             std::to_string(e.start_instruction) + ", before its previous entry's " +
                             std::to_string(it->second));
        last_start[e.thread] = e.start_instruction;
        if (!schedule.entries.empty() && schedule.entries.back().thread == e.thread) continue;
        schedule.entries.push_back(e);
    }
    return schedule;
}

std::string find_schedule(const std::string& dir) {
    std::vector<fs::path> roots{fs::path(dir)};
    if (fs::is_directory(fs::path(dir) / "trace")) roots.insert(roots.begin(), fs::path(dir) / "trace");
    for (const char* wanted : {kSerialName, kCpuName}) {
        for (const fs::path& root : roots) {
            std::error_code ec;
            std::vector<std::string> found;
            for (const auto& entry : fs::directory_iterator(root, ec)) {
                const std::string name = entry.path().filename().string();
                if (entry.is_regular_file() && (wanted == kCpuName ? name == kCpuName : starts_with(name, kSerialName)))
                    found.push_back(entry.path().string());
            }
            std::sort(found.begin(), found.end());
            if (!found.empty()) return found.front();
        }
    }
    return "";
}

const char* to_string(Interleave interleave) {
    switch (interleave) {
        case Interleave::automatic: return "auto";
        case Interleave::schedule: return "schedule";
        case Interleave::quantum: return "quantum";
    }
    return "?";
}

std::vector<std::string> interleave_names() { return {"auto", "schedule", "quantum"}; }

Interleave parse_interleave(const std::string& text) {
    for (Interleave i : {Interleave::automatic, Interleave::schedule, Interleave::quantum})
        if (text == to_string(i)) return i;
    throw TraceError("unknown interleave " + settings::quoted(text) + " (auto, schedule or quantum)");
}

}  // namespace tlmmu::trace
