#include "atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace tlmmu::tools {

bool write_file_atomically(const std::string& path, const std::string& text) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path target(path);
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    const std::string temp = path + ".partial";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << text;
        if (!out.flush()) {
            std::remove(temp.c_str());
            return false;
        }
    }
    fs::rename(temp, target, ec);
    if (ec) std::remove(temp.c_str());
    return !ec;
}

}  // namespace tlmmu::tools
