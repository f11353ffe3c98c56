// `tlmmu run FILE.elf`: runs a bare-metal RISC-V ELF on the platform and
// exits with the guest's status.
#pragma once

#include <string>
#include <vector>

namespace tlmmu::run {

// args are the words after `tlmmu run`. Returns the process exit code: the
// guest's exit code, or one of tlmmu::platform::kExit* (limits, bad ELF, bad usage).
int run_run_command(const std::vector<std::string>& args);

}  // namespace tlmmu::run
