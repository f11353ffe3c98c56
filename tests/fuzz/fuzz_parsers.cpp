// tlmmu_fuzz: a seeded mutation fuzzer for every parser of user input: the
// trace readers (lackey, ChampSim, cloudsuite, drmemtrace, native; plain and
// compressed), drmemtrace schedule files, the ELF loader, configuration
// files, scenario files and sweep specs. Each input is a mutation (bit flips, byte writes, inserted, deleted
// or repeated chunks, truncation) of a valid seed. A parser may refuse an
// input only by throwing an exception with a message; a crash, an abort or a
// sanitizer report ends the process (the test fails), and an input that takes
// longer than the time budget is reported as a hang.
//
// usage: tlmmu_fuzz [--iterations N] [--seed S] [--only PARSER] [--budget SECONDS]
//                   --elf FILE --scenarios DIR --sweeps DIR
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include "elf/elf_loader.h"
#include "scenario_parser.h"
#include "sweep_spec.h"
#include "tlmmu/core/config.h"
#include "tlmmu/trace/export.h"
#include "tlmmu/trace/open.h"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// One mutation of `seed`: 1-8 edits of the kinds that find parser bugs.
Bytes mutate(const Bytes& seed, std::mt19937_64& rng) {
    Bytes b = seed;
    auto below = [&](size_t n) { return n ? size_t(rng() % n) : 0; };
    const unsigned edits = 1 + unsigned(rng() % 8);
    for (unsigned e = 0; e < edits; ++e) {
        switch (rng() % 7) {
            case 0:  // flip a bit
                if (!b.empty()) b[below(b.size())] ^= uint8_t(1u << (rng() % 8));
                break;
            case 1:  // an interesting byte
                if (!b.empty()) {
                    static const uint8_t kBytes[] = {0x00, 0xff, 0x7f, 0x80, '\n', ' ', ',', '0', '9', 'x', '='};
                    b[below(b.size())] = kBytes[rng() % sizeof kBytes];
                }
                break;
            case 2:  // random bytes over a stretch
                for (size_t i = below(b.size()), n = 1 + below(16); n-- && i < b.size(); ++i) b[i] = uint8_t(rng());
                break;
            case 3:  // delete a chunk
                if (!b.empty()) {
                    const size_t at = below(b.size()), n = std::min(b.size() - at, 1 + below(64));
                    b.erase(b.begin() + long(at), b.begin() + long(at + n));
                }
                break;
            case 4:  // repeat a chunk
                if (!b.empty() && b.size() < (1u << 22)) {
                    const size_t at = below(b.size()), n = std::min(b.size() - at, 1 + below(64));
                    const Bytes chunk(b.begin() + long(at), b.begin() + long(at + n));
                    b.insert(b.begin() + long(below(b.size())), chunk.begin(), chunk.end());
                }
                break;
            case 5:  // truncate
                b.resize(below(b.size() + 1));
                break;
            default:  // a 64-bit field set to an extreme
                if (b.size() >= 8) {
                    const uint64_t v = (rng() & 1) ? ~0ull : (1ull << (rng() % 64));
                    std::memcpy(&b[below(b.size() - 7)], &v, 8);
                }
        }
    }
    return b;
}

struct Target {
    std::string name;
    std::string file_name;       // what the mutated input is saved as (its suffix matters to some readers)
    std::vector<Bytes> seeds;
    std::function<void(const std::string& path, const Bytes& bytes)> parse;
};

std::vector<tlmmu::trace::Record> seed_records() {
    using tlmmu::trace::Record;
    using tlmmu::trace::RecordKind;
    std::vector<Record> out;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 400; ++i) {
        Record fetch;
        fetch.kind = RecordKind::fetch;
        fetch.address = 0x400000 + 4 * uint64_t(i);
        fetch.size = 4;
        out.push_back(fetch);
        if (i % 3 == 0) {
            Record data;
            data.kind = (i % 2) ? RecordKind::store : RecordKind::load;
            data.address = 0x10000000 + (rng() % 4096) * 8;
            data.size = 8;
            out.push_back(data);
        }
    }
    return out;
}

// Seeds of one trace format, plain and compressed, written by the project's exporters.
std::vector<Bytes> trace_seeds(const std::string& format, const std::string& dir) {
    std::vector<Bytes> seeds;
    const auto records = seed_records();
    for (const char* suffix : {"", ".gz", ".xz", ".zst"}) {
        if (format == "drmemtrace" && *suffix) continue;  // a zip already
        const std::string path = dir + "/seed." + format + (format == "drmemtrace" ? ".zip" : "") + suffix;
        auto exporter = tlmmu::trace::make_exporter(path, format);
        exporter->write(records.data(), records.size());
        exporter->commit();
        seeds.push_back(read_file(path));
    }
    if (format == "native") {  // the unchecked layout too, so mutations reach the record decoder
        tlmmu::trace::ExportOptions options;
        options.native_checksums = false;
        const std::string path = dir + "/seed-unchecked.native";
        auto exporter = tlmmu::trace::make_exporter(path, format, options);
        exporter->write(records.data(), records.size());
        exporter->commit();
        seeds.push_back(read_file(path));
        // Address-space events (unmap, protect, drop) among the accesses, unchecked.
        using tlmmu::trace::RecordKind;
        std::vector<tlmmu::trace::Record> with_events(records.begin(), records.begin() + 100);
        with_events.push_back(tlmmu::trace::event_record(RecordKind::unmap, 0x10000000, 16, 1));
        with_events.push_back(tlmmu::trace::event_record(RecordKind::protect, 0x10001000, 2, 1, tlmmu::trace::prot::READ));
        with_events.push_back(tlmmu::trace::event_record(RecordKind::drop, 0x7f0000000000, 512));
        with_events.insert(with_events.end(), records.begin() + 100, records.begin() + 200);
        const std::string events_path = dir + "/seed-events.native";
        auto events = tlmmu::trace::make_exporter(events_path, format, options);
        events->write(with_events.data(), with_events.size());
        events->commit();
        seeds.push_back(read_file(events_path));
    }
    return seeds;
}

// A drmemtrace directory of two threads (tids 1 and 2 of process 7, the
// seed records each) for the schedule parser: its schedule is what mutates.
void write_schedule_threads(const std::string& dir) {
    fs::create_directories(dir);
    const auto records = seed_records();
    for (uint32_t tid : {1u, 2u}) {
        tlmmu::trace::ExportOptions options;
        options.drmemtrace_pid = 7;
        options.drmemtrace_tid = tid;
        auto exporter = tlmmu::trace::make_exporter(dir + "/thread." + std::to_string(tid) + ".zip", "drmemtrace", options);
        exporter->write(records.data(), records.size());
        exporter->commit();
    }
}

// Packed schedule_entry_t {thread, timestamp, cpu, start_instruction} records.
Bytes schedule_entries(const std::vector<std::vector<uint64_t>>& entries) {
    Bytes b;
    for (const auto& e : entries)
        for (uint64_t field : e)
            for (int i = 0; i < 8; ++i) b.push_back(uint8_t(field >> (8 * i)));
    return b;
}

Bytes zip_of(const std::string& path, const std::vector<std::pair<std::string, Bytes>>& members) {
    archive* a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_open_filename(a, path.c_str());
    for (const auto& [name, bytes] : members) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, la_int64_t(bytes.size()));
        archive_write_header(a, e);
        archive_write_data(a, bytes.data(), bytes.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return read_file(path);
}

// Reads a drmemtrace directory interleaved by its schedule file, to the end.
void read_scheduled(const std::string& dir) {
    auto streams = tlmmu::trace::open_streams(dir, "auto", tlmmu::trace::Interleave::schedule);
    std::vector<tlmmu::trace::Record> batch(4096);
    for (auto& s : streams)
        while (s.reader->read(batch.data(), batch.size())) {
        }
}

void read_whole_trace(const std::string& path, const std::string& format) {
    auto reader = tlmmu::trace::open_trace(path, format);
    std::vector<tlmmu::trace::Record> batch(4096);
    uint64_t total = 0;
    while (size_t n = reader->read(batch.data(), batch.size())) {
        total += n;
        if (total > (uint64_t(1) << 26)) break;  // a mutation may only grow an input so far
    }
}

}  // namespace

// The platform library (the ELF loader's home) links SystemC, whose shared
// library refers to sc_main (C linkage); this program has a main of its own and never
// starts SystemC.
extern "C" int sc_main(int, char*[]) { return 2; }

int main(int argc, char** argv) {
    uint64_t iterations = 1000, seed = 1;
    double budget = 5.0;
    std::string only, elf, scenarios, sweeps;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "tlmmu_fuzz: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--iterations") iterations = std::stoull(value());
        else if (a == "--seed") seed = std::stoull(value());
        else if (a == "--only") only = value();
        else if (a == "--budget") budget = std::stod(value());
        else if (a == "--elf") elf = value();
        else if (a == "--scenarios") scenarios = value();
        else if (a == "--sweeps") sweeps = value();
        else {
            std::cerr << "tlmmu_fuzz: unknown option " << a << "\n";
            return 2;
        }
    }
    const fs::path dir = fs::temp_directory_path() / ("tlmmu-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(dir);

    std::vector<Target> targets;
    for (const std::string format : {"lackey", "champsim", "champsim-cloudsuite", "drmemtrace", "native"}) {
        Target t;
        t.name = "trace:" + format;
        t.file_name = "input." + format + (format == "drmemtrace" ? ".zip" : "");
        t.seeds = trace_seeds(format, dir.string());
        t.parse = [format](const std::string& path, const Bytes&) { read_whole_trace(path, format); };
        targets.push_back(std::move(t));
    }
    {
        Target t;  // format detection over every seed
        t.name = "trace:auto";
        t.file_name = "input.trace";
        for (const Target& other : std::vector<Target>(targets.begin(), targets.end()))
            t.seeds.insert(t.seeds.end(), other.seeds.begin(), other.seeds.end());
        t.parse = [](const std::string& path, const Bytes&) { read_whole_trace(path, "auto"); };
        targets.push_back(std::move(t));
    }
    {
        // Schedule files: threads 1 and 2 switching four times (400 instructions each).
        const std::vector<std::vector<uint64_t>> entries = {
            {1, 10, 0, 0}, {2, 20, 1, 0}, {1, 30, 0, 100}, {2, 40, 1, 150}, {1, 50, 0, 300}};
        Target serial;
        serial.name = "schedule:serial";
        serial.file_name = "serial/serial_schedule.bin";
        write_schedule_threads((dir / "serial").string());
        serial.seeds = {schedule_entries(entries)};
        serial.parse = [dir](const std::string&, const Bytes&) { read_scheduled((dir / "serial").string()); };
        targets.push_back(std::move(serial));

        Target cpu;
        cpu.name = "schedule:cpu";
        cpu.file_name = "cpu/cpu_schedule.bin.zip";
        write_schedule_threads((dir / "cpu").string());
        cpu.seeds = {zip_of((dir / "cpu-seed.zip").string(),
                            {{"0", schedule_entries({entries[0], entries[2], entries[4]})},
                             {"1", schedule_entries({entries[1], entries[3]})}})};
        cpu.parse = [dir](const std::string&, const Bytes&) { read_scheduled((dir / "cpu").string()); };
        targets.push_back(std::move(cpu));
    }
    if (!elf.empty() && !fs::exists(elf))
        std::printf("elf: skipped: no seed ELF at %s (the RISC-V cross compiler builds it)\n", elf.c_str());
    if (!elf.empty() && fs::exists(elf)) {
        Target t;
        t.name = "elf";
        t.file_name = "input.elf";
        t.seeds = {read_file(elf)};
        t.parse = [](const std::string&, const Bytes& bytes) {
            tlmmu::platform::parse_elf(bytes, "input.elf", {{0x80000000ull, 512ull << 20}});
        };
        targets.push_back(std::move(t));
    }
    {
        Target t;
        t.name = "config";
        t.file_name = "input.cfg";
        t.seeds = {text_bytes(tlmmu::dump_config(tlmmu::MmuConfig::skylake()))};
        t.parse = [](const std::string& path, const Bytes&) {
            tlmmu::MmuConfig c = tlmmu::MmuConfig::skylake();
            tlmmu::load_config_file(c, path);
        };
        targets.push_back(std::move(t));
    }
    if (!scenarios.empty()) {
        Target t;
        t.name = "scenario";
        t.file_name = "input.scn";
        for (const auto& entry : fs::directory_iterator(scenarios))
            if (entry.path().extension() == ".scn") t.seeds.push_back(read_file(entry.path().string()));
        t.parse = [](const std::string&, const Bytes& bytes) {
            std::istringstream in(std::string(bytes.begin(), bytes.end()));
            std::vector<tlmmu::scenario::ScenarioError> errors;
            tlmmu::scenario::parse_scenario(in, errors);
        };
        targets.push_back(std::move(t));
    }
    if (!sweeps.empty()) {
        Target t;
        t.name = "sweep-spec";
        t.file_name = "input.json";
        for (const auto& entry : fs::directory_iterator(sweeps))
            if (entry.path().extension() == ".json") t.seeds.push_back(read_file(entry.path().string()));
        t.parse = [](const std::string& path, const Bytes& bytes) {
            tlmmu::sweep::parse_spec(std::string(bytes.begin(), bytes.end()), path);
        };
        targets.push_back(std::move(t));
    }

    int status = 0;
    for (Target& t : targets) {
        if (!only.empty() && t.name != only) continue;
        if (t.seeds.empty()) continue;
        std::mt19937_64 rng(seed ^ std::hash<std::string>{}(t.name));
        const std::string path = (dir / t.file_name).string();
        uint64_t refused = 0, hangs = 0;
        double slowest = 0;
        const auto start = std::chrono::steady_clock::now();
        for (uint64_t i = 0; i < iterations; ++i) {
            const Bytes input = mutate(t.seeds[rng() % t.seeds.size()], rng);
            write_file(path, input);
            const auto t0 = std::chrono::steady_clock::now();
            try {
                t.parse(path, input);
            } catch (const std::exception& e) {
                ++refused;
                if (std::string(e.what()).empty()) {
                    std::cerr << t.name << ": input " << i << " refused with an empty message\n";
                    status = 1;
                }
            }
            const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            slowest = std::max(slowest, took);
            if (took > budget) {
                ++hangs;
                status = 1;
                const std::string kept = (fs::temp_directory_path() / ("tlmmu-fuzz-hang-" + t.name + "-" + std::to_string(i))).string();
                write_file(kept, input);
                std::cerr << t.name << ": input " << i << " took " << took << " s (kept as " << kept << ")\n";
            }
        }
        const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%-26s %8llu inputs  %8llu refused  %llu hangs  slowest %.3f s  total %.1f s\n", t.name.c_str(),
                    (unsigned long long)iterations, (unsigned long long)refused, (unsigned long long)hangs, slowest,
                    total);
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    return status;
}
