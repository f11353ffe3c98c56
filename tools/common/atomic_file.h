// Output files of the command-line tools. A regular file (or a new path) is
// written whole or not at all: the bytes go to a temporary file beside it,
// which is renamed over it at the end, so a reader (or a resumed run) never
// sees a partial file as if it were complete. Anything else is respected:
//   `-`                          the bytes go to standard output;
//   a device, FIFO or socket     the bytes are written through to it (never replaced);
//   a symbolic link              followed: its target is written (the link stays);
//   a directory                  refused.
// Nothing the command did not create is ever deleted, on success or error.
#pragma once

#include <string>

namespace tlmmu::tools {

// Writes `text` to `path` as above; creates missing parent directories of a
// new file. Returns false, with the reason in *error if given, on failure.
bool write_file_atomically(const std::string& path, const std::string& text, std::string* error = nullptr);

// For outputs another program produces (gnuplot's PNGs): a fresh temporary
// path beside the file `path` names (the link's target for a link), for the
// producer to write; "" with *error set when `path` cannot take output.
std::string temporary_output_path(const std::string& path, std::string* error = nullptr);
// Moves the finished temporary file into place as write_file_atomically
// would, and removes it. On failure the temporary file is removed too.
bool install_output(const std::string& temporary, const std::string& path, std::string* error = nullptr);

}  // namespace tlmmu::tools
