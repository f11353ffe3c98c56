#include "convert_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>

#include "command_line.h"
#include "tlmmu/trace/export.h"
#include "tlmmu/trace/open.h"

namespace tlmmu::convert {

int run_convert_command(const std::vector<std::string>& args) {
    std::vector<std::string> paths;
    std::string from = "auto";
    std::string to = "native";
    uint64_t limit = std::numeric_limits<uint64_t>::max();
    trace::ExportOptions options;
    tools::CommandLine cli("tlmmu convert",
                           "Streams the trace IN into OUT (constant memory). OUT is written whole or not at all.\n"
                           "Native, lackey and ChampSim outputs named *.xz, *.gz or *.zst are compressed.\n"
                           "Formats: docs/trace-formats.md.");
    std::string input_formats = "auto", output_formats;
    for (const std::string& f : trace::known_formats()) input_formats += ", " + f;
    for (const std::string& f : trace::export_formats()) output_formats += (output_formats.empty() ? "" : ", ") + f;
    cli.app()
        .add_option("--from", from, "input format: " + input_formats + " (auto: detected from the content, then the name)")
        ->type_name("FMT");
    cli.app()
        .add_option("--to", to, "output format: " + output_formats + " (drmemtrace: a zip of chunk.NNNN members)")
        ->type_name("FMT");
    cli.count("--limit", limit, "convert the first N records only");
    cli.count("--pid", options.drmemtrace_pid, "drmemtrace output: process id (default 1)");
    cli.count("--tid", options.drmemtrace_tid, "drmemtrace output: thread id (default 1)");
    cli.count("--chunk", options.drmemtrace_chunk_instructions, "drmemtrace output: instructions per chunk (default 10000000)");
    cli.native_checksums(options.native_checksums);
    cli.app().add_option("IN OUT", paths, "the trace to read and the file to write");
    if (const int status = cli.parse(args); status >= 0) return status;
    if (paths.size() != 2) return cli.usage_error("needs an input and an output path");
    const std::vector<std::string> outputs = trace::export_formats();
    if (std::find(outputs.begin(), outputs.end(), to) == outputs.end())
        return cli.usage_error("unknown output format '" + to + "' (" + output_formats + ")");
    const std::string& in = paths[0];
    const std::string& out = paths[1];
    std::error_code ec;
    if (std::filesystem::equivalent(in, out, ec)) {
        std::cerr << "tlmmu convert: " << out << ": output would overwrite the input\n";
        return 2;
    }
    try {
        // A drmemtrace directory with a schedule file is one stream in the
        // recorded order (context switches included); without one, its threads
        // have no single order to write.
        std::vector<trace::Stream> streams = trace::open_streams(in, from, trace::Interleave::automatic);
        if (streams.size() != 1)
            throw trace::TraceError(in + ": holds " + std::to_string(streams.size()) +
                                    " threads and no schedule file; convert each thread's file on its own");
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
