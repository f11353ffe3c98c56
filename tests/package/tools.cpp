// A user's program over the installed trace, replay, OS-model and platform
// libraries: counts the records of TRACE (tlmmu::trace), replays it through
// the OS model and the MMU (tlmmu::replay, tlmmu::os) and runs ELF on the
// platform (tlmmu::platform). install_and_run.cmake compares the figures it
// prints with `tlmmu trace --json` of the installed command on the same file.
#include <iostream>
#include <sstream>
#include <vector>

#include <tlmmu/os/os_model.h>
#include <tlmmu/platform/platform.h>
#include <tlmmu/replay/replay.h>
#include <tlmmu/trace/open.h>

// The platform links SystemC, whose shared library refers to sc_main (C
// linkage); this program has a main of its own and never starts SystemC.
extern "C" int sc_main(int, char*[]) { return 2; }

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: consumer_tools TRACE ELF\n";
        return 2;
    }
    try {
        uint64_t records = 0;
        std::unique_ptr<tlmmu::trace::Reader> reader = tlmmu::trace::open_trace(argv[1]);
        std::vector<tlmmu::trace::Record> batch(4096);
        while (const size_t n = reader->read(batch.data(), batch.size())) records += n;

        tlmmu::replay::ReplayOptions options;
        const tlmmu::replay::ReplayResult replayed = tlmmu::replay::replay({argv[1]}, options);

        std::ostringstream uart;
        tlmmu::platform::PlatformOptions platform;
        platform.max_instructions = 2'000'000;
        const tlmmu::platform::RunResult run = tlmmu::platform::run_elf(argv[2], platform, uart);

        std::cout << "format " << reader->format() << "\n"
                  << "read_records " << records << "\n"
                  << "records " << replayed.records << "\n"
                  << "walks " << replayed.mmu.walk.walks << "\n"
                  << "demand_faults " << replayed.os.demand_faults << "\n"
                  << "elf_stop " << tlmmu::platform::to_string(run.stop) << "\n"
                  << "elf_exit_code " << run.exit_code << "\n"
                  << "elf_instructions " << run.instructions << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "consumer_tools: " << e.what() << "\n";
        return 1;
    }
}
