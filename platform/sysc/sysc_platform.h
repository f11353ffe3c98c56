// The SystemC TLM-2.0 assembly of the platform: the hart in an SC_THREAD with
// a quantum keeper, an interconnect decoding the address map, the devices as
// TLM targets and RAM as tlmmu::sysc::MemoryModule reached through DMI.
#pragma once

#include <iosfwd>
#include <string>

#include "platform.h"

namespace tlmmu::platform {

// run_elf for Backend::systemc. SystemC elaborates once per process: a second
// call returns StopReason::error. Throws ElfError / ConfigError like run_elf's body.
RunResult run_elf_systemc(const std::string& path, const PlatformOptions& options, std::ostream& uart);

}  // namespace tlmmu::platform
