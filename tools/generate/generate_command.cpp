#include "generate_command.h"

#include <iostream>

#include "tlmmu/synth/synthetic.h"
#include "tlmmu/trace/native.h"

namespace tlmmu::generate {
namespace {

const char* const kUsage =
    "usage: tlmmu generate SPEC OUT.native\n"
    "\n"
    "Writes the synthetic trace SPEC (e.g. synth:chase,pages=4096,passes=4,seed=1;\n"
    "patterns and keys in traces/README.md) to OUT.native in the native trace format.\n"
    "The file appears only once complete.\n"
    "\n"
    "Exit status: 0 written, 1 bad spec or write error, 2 bad usage.\n";

}  // namespace

int run_generate_command(const std::vector<std::string>& args) {
    if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
        std::cout << kUsage;
        return 0;
    }
    if (args.size() != 2 || (!args[0].empty() && args[0][0] == '-') || (!args[1].empty() && args[1][0] == '-')) {
        std::cerr << "tlmmu generate: expected SPEC and OUT.native\n" << kUsage;
        return 2;
    }
    const std::string& spec = args[0];
    const std::string& out = args[1];
    if (!synth::is_synthetic_spec(spec)) {
        std::cerr << "tlmmu generate: '" << spec << "' is not a synthetic trace spec (synth:PATTERN,KEY=VALUE,...)\n";
        return 2;
    }
    try {
        auto reader = synth::open_synthetic(spec);
        trace::NativeWriter writer(out);
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
