#include "convert_command.h"

#include <filesystem>
#include <iostream>
#include <limits>

#include "tlmmu/trace/export.h"
#include "tlmmu/trace/open.h"

namespace tlmmu::convert {

namespace {

const char* kUsage =
    "usage: tlmmu convert IN OUT [--from FMT] [--to FMT] [--limit N] [--pid N] [--tid N] [--chunk N]\n"
    "  Streams the trace IN into OUT (constant memory). OUT is written whole or not at all.\n"
    "  --from FMT   input format: auto (default: detected from the content, then the name),\n"
    "               lackey, champsim, champsim-cloudsuite, drmemtrace, native\n"
    "  --to FMT     output format: native (default), lackey, champsim, champsim-cloudsuite,\n"
    "               drmemtrace (a zip of chunk.NNNN members). Native, lackey and ChampSim outputs named\n"
    "               *.xz, *.gz or *.zst are compressed.\n"
    "  --limit N    convert the first N records only\n"
    "  --pid N, --tid N, --chunk N   drmemtrace output: process and thread id (default 1),\n"
    "               instructions per chunk (default 10000000)\n"
    "  Formats: docs/trace-formats.md.\n";

uint64_t parse_count(const std::string& option, const std::string& text) {
    size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(text, &used, 0);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || text[0] == '-')
        throw std::invalid_argument(option + " needs a non-negative integer, not '" + text + "'");
    return v;
}

}  // namespace

int run_convert_command(const std::vector<std::string>& args) {
    std::vector<std::string> paths;
    std::string from = "auto";
    std::string to = "native";
    uint64_t limit = std::numeric_limits<uint64_t>::max();
    trace::ExportOptions options;
    try {
        for (size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            auto value = [&]() -> const std::string& {
                if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
                return args[++i];
            };
            if (a == "-h" || a == "--help") {
                std::cout << kUsage;
                return 0;
            } else if (a == "--from") from = value();
            else if (a == "--to") to = value();
            else if (a == "--limit") limit = parse_count(a, value());
            else if (a == "--pid") options.drmemtrace_pid = uint32_t(parse_count(a, value()));
            else if (a == "--tid") options.drmemtrace_tid = uint32_t(parse_count(a, value()));
            else if (a == "--chunk") options.drmemtrace_chunk_instructions = parse_count(a, value());
            else if (a.size() > 1 && a[0] == '-' && a != "-") throw std::invalid_argument("unknown option '" + a + "'");
            else paths.push_back(a);
        }
        if (paths.size() != 2) throw std::invalid_argument("needs an input and an output path");
        bool known = false;
        for (const std::string& f : trace::export_formats()) known |= f == to;
        if (!known) throw std::invalid_argument("unknown output format '" + to + "'");
    } catch (const std::invalid_argument& e) {
        std::cerr << "tlmmu convert: " << e.what() << "\n" << kUsage;
        return 2;
    }
    const std::string& in = paths[0];
    const std::string& out = paths[1];
    std::error_code ec;
    if (std::filesystem::equivalent(in, out, ec)) {
        std::cerr << "tlmmu convert: " << out << ": output would overwrite the input\n";
        return 2;
    }
    try {
        std::vector<trace::Stream> streams = trace::open_streams(in, from);
        if (streams.size() != 1)
            throw trace::TraceError(in + ": holds " + std::to_string(streams.size()) +
                                    " threads; convert each thread's file on its own");
        trace::Reader& reader = *streams[0].reader;
        auto exporter = trace::make_exporter(out, to, options);
        std::vector<trace::Record> batch(4096);
        uint64_t total = 0;
        while (total < limit) {
            const size_t want = size_t(std::min<uint64_t>(batch.size(), limit - total));
            const size_t n = reader.read(batch.data(), want);
            if (n == 0) break;
            exporter->write(batch.data(), n);
            total += n;
        }
        exporter->commit();
        std::cout << in << " (" << reader.format() << "): " << total << " records -> " << out << " (" << to
                  << ", " << std::filesystem::file_size(out, ec) << " bytes)\n";
        if (exporter->dropped())
            std::cerr << "tlmmu convert: warning: " << exporter->dropped() << " records cannot be expressed in " << to
                      << " and were left out (docs/trace-formats.md)\n";
        return 0;
    } catch (const trace::TraceError& e) {
        std::cerr << "tlmmu convert: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace tlmmu::convert
