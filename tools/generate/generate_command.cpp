#include "generate_command.h"

#include <iostream>

#include "command_line.h"
#include "tlmmu/synth/synthetic.h"
#include "tlmmu/trace/native.h"

namespace tlmmu::generate {
int run_generate_command(const std::vector<std::string>& args) {
    std::string spec, out;
    trace::NativeOptions native;
    tools::CommandLine cli("tlmmu generate",
                           "Writes the synthetic trace SPEC (e.g. synth:chase,pages=4096,passes=4,seed=1;\n"
                           "patterns and keys in traces/README.md) to OUT.native in the native trace format.\n"
                           "The file appears only once complete.\n"
                           "\n"
                           "Exit status: 0 written, 1 bad spec or write error, 2 bad usage.");
    cli.app().add_option("SPEC", spec, "synth:PATTERN,KEY=VALUE,...")->required();
    cli.app().add_option("OUT.native", out, "the trace file to write")->required();
    cli.native_checksums(native.checksums);
    if (const int status = cli.parse(args); status >= 0) return status;
    if (!synth::is_synthetic_spec(spec)) {
        std::cerr << "tlmmu generate: '" << spec << "' is not a synthetic trace spec (synth:PATTERN,KEY=VALUE,...)\n";
        return 2;
    }
    try {
        auto reader = synth::open_synthetic(spec);
        trace::NativeWriter writer(out, native);
        std::vector<trace::Record> batch(4096);
        while (size_t n = reader->read(batch.data(), batch.size())) writer.write(batch.data(), n);
        writer.commit();
        std::cerr << "tlmmu generate: wrote " << writer.records_written() << " records to " << out << "\n";
    } catch (const trace::TraceError& e) {
        std::cerr << "tlmmu generate: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace tlmmu::generate
