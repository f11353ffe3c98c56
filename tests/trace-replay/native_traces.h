// Small native traces written for the tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tlmmu/trace/native.h"
#include "tlmmu/trace/record.h"

namespace replay_test {

using tlmmu::trace::Record;
using tlmmu::trace::RecordKind;

inline std::string temp_path(const std::string& name) {
    std::filesystem::create_directories(TLMMU_TEST_TMP);
    return std::string(TLMMU_TEST_TMP) + "/" + name;
}

inline Record access(RecordKind kind, uint64_t address, uint8_t size = 8, uint32_t context = 0) {
    return access_record(kind, address, size, context);
}

inline Record control(RecordKind kind, uint32_t context = 0) {
    Record r;
    r.kind = kind;
    r.context = context;
    return r;
}

inline std::string write_native(const std::string& name, const std::vector<Record>& records) {
    const std::string path = temp_path(name);
    tlmmu::trace::NativeWriter w(path);
    for (const Record& r : records) w.write(r);
    w.commit();
    return path;
}

}  // namespace replay_test
