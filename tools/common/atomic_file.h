// Output files of the command-line tools are written whole or not at all:
// a reader (or a resumed run) never sees a partial file as if it were complete.
#pragma once

#include <string>

namespace tlmmu::tools {

// Writes `text` to `path.partial`, then renames it over `path`; creates
// missing parent directories. Returns false (leaving `path` as it was) on error.
bool write_file_atomically(const std::string& path, const std::string& text);

}  // namespace tlmmu::tools
