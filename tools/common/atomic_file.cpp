#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

namespace tlmmu::tools {

namespace {

namespace fs = std::filesystem;

enum class Kind { stdout_stream, replace, write_through };

bool fail(std::string* error, const std::string& why) {
    if (error) *error = why;
    return false;
}

// What writing to `path` means, and the file it lands in (a link's target).
bool classify(const std::string& path, Kind& kind, std::string& file, std::string* error) {
    if (path == "-") {
        kind = Kind::stdout_stream;
        return true;
    }
    if (path.empty()) return fail(error, "empty output path");
    file = path;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
        const fs::path target = fs::read_symlink(path, ec);
        if (ec) return fail(error, path + ": cannot read the symbolic link: " + ec.message());
        file = (target.is_absolute() ? target : fs::path(path).parent_path() / target).string();
    }
    const fs::file_status s = fs::status(file, ec);
    if (!fs::exists(s)) {
        kind = Kind::replace;
        return true;
    }
    if (fs::is_directory(s)) return fail(error, path + ": is a directory, not a file");
    kind = fs::is_regular_file(s) ? Kind::replace : Kind::write_through;
    return true;
}

bool write_all(int fd, const char* data, size_t n) {
    while (n) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += w;
        n -= size_t(w);
    }
    return true;
}

// A new, exclusively created file beside `file`; its descriptor in fd.
std::string create_temporary(const std::string& file, int& fd, std::string* error) {
    std::error_code ec;
    const fs::path parent = fs::path(file).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    std::string pattern = file + ".partial-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    fd = ::mkstemp(name.data());
    if (fd < 0) return fail(error, file + ": cannot create a file beside it: " + std::strerror(errno)), "";
    ::fchmod(fd, 0644);  // what a plain create gives under the usual umask, not mkstemp's 0600
    return name.data();
}

bool copy_into(const std::string& from, const std::string& to, std::string* error) {
    std::ifstream in(from, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int fd = ::open(to.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail(error, to + ": cannot open for writing: " + std::strerror(errno));
    const bool ok = write_all(fd, bytes.data(), bytes.size());
    const int saved = errno;
    ::close(fd);
    return ok || fail(error, to + ": write error: " + std::strerror(saved));
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& text, std::string* error) {
    Kind kind;
    std::string file;
    if (!classify(path, kind, file, error)) return false;
    if (kind == Kind::stdout_stream) {
        std::cout << text << std::flush;
        return std::cout.good() || fail(error, "write error on standard output");
    }
    if (kind == Kind::write_through) {
        const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return fail(error, path + ": cannot open for writing: " + std::strerror(errno));
        const bool ok = write_all(fd, text.data(), text.size());
        const int saved = errno;
        ::close(fd);
        return ok || fail(error, path + ": write error: " + std::strerror(saved));
    }
    int fd = -1;
    const std::string temp = create_temporary(file, fd, error);
    if (temp.empty()) return false;
    const bool written = write_all(fd, text.data(), text.size());
    const int saved = errno;
    if (::close(fd) != 0 || !written) {
        std::remove(temp.c_str());
        return fail(error, path + ": write error: " + std::strerror(written ? errno : saved));
    }
    if (std::rename(temp.c_str(), file.c_str()) != 0) {
        const int e = errno;
        std::remove(temp.c_str());
        return fail(error, path + ": cannot move the finished file into place: " + std::strerror(e));
    }
    return true;
}

std::string temporary_output_path(const std::string& path, std::string* error) {
    Kind kind;
    std::string file;
    if (!classify(path, kind, file, error)) return "";
    // Standard output and devices get the finished bytes copied in at the
    // end; the temporary file then lives in the working directory.
    const std::string beside = kind == Kind::replace ? file : "tlmmu-output";
    int fd = -1;
    const std::string temp = create_temporary(beside, fd, error);
    if (!temp.empty()) ::close(fd);
    return temp;
}

bool install_output(const std::string& temporary, const std::string& path, std::string* error) {
    Kind kind;
    std::string file;
    bool ok = classify(path, kind, file, error);
    if (ok && kind == Kind::replace) {
        if (std::rename(temporary.c_str(), file.c_str()) == 0) return true;
        ok = fail(error, path + ": cannot move the finished file into place: " + std::strerror(errno));
    } else if (ok && kind == Kind::write_through) {
        ok = copy_into(temporary, file, error);
    } else if (ok) {
        std::ifstream in(temporary, std::ios::binary);
        std::cout << in.rdbuf() << std::flush;
        ok = std::cout.good() || fail(error, "write error on standard output");
    }
    std::remove(temporary.c_str());
    return ok;
}

}  // namespace tlmmu::tools
