// The swap disk: pages copied between its slots and RAM, each transfer
// taking the configured latency plus its size over the bandwidth, the STATUS
// register holding the reader until the transfers are done.
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "devices/devices.h"

using namespace tlmmu;
using namespace tlmmu::platform;

namespace {

constexpr uint64_t kRamBase = 0x80000000ull;

uint64_t get(SwapDevice& d, uint64_t offset, uint64_t now) {
    uint8_t b[8];
    REQUIRE(d.read(offset, b, 8, now));
    uint64_t v;
    std::memcpy(&v, b, 8);
    return v;
}

void put(SwapDevice& d, uint64_t offset, uint64_t value, uint64_t now) {
    uint8_t b[8];
    std::memcpy(b, &value, 8);
    REQUIRE(d.write(offset, b, 8, now));
}

}  // namespace

TEST_CASE("swap device: a page goes out and comes back; the reader waits latency + size / bandwidth", "[swap]") {
    SparseMemory ram(1 << 20);
    SwapDevice d(ram, kRamBase, 16, 1000, 2.0);  // 1000 cycles + 4096 / 2 = 3048 cycles per page
    std::vector<uint8_t> page(4096), back(4096);
    for (size_t i = 0; i < page.size(); ++i) page[i] = uint8_t(i * 7 + 1);
    ram.write(0x3000, page.data(), page.size());
    CHECK(get(d, SwapDevice::kSlots, 0) == 16);
    put(d, SwapDevice::kSlot, 5, 100);
    put(d, SwapDevice::kAddr, kRamBase + 0x3000, 100);
    put(d, SwapDevice::kCmd, 2, 100);  // write RAM -> slot 5
    CHECK(d.stall_cycles(SwapDevice::kStatus, false, 100) == 3048);
    CHECK(d.stall_cycles(SwapDevice::kStatus, false, 3148) == 0);
    CHECK(d.stall_cycles(SwapDevice::kSlot, false, 100) == 0);  // only STATUS blocks
    CHECK(get(d, SwapDevice::kStatus, 3148) == 0);
    // Two transfers queue one after the other.
    put(d, SwapDevice::kAddr, kRamBase + 0x5000, 4000);
    put(d, SwapDevice::kCmd, 1, 4000);  // slot 5 -> RAM 0x5000
    put(d, SwapDevice::kCmd, 1, 4000);
    CHECK(d.stall_cycles(SwapDevice::kStatus, false, 4000) == 2 * 3048);
    ram.read(0x5000, back.data(), back.size());
    CHECK(back == page);
    CHECK(d.reads() == 2);
    CHECK(d.writes() == 1);
}

TEST_CASE("swap device: bad slots, addresses and commands set an error status", "[swap]") {
    SparseMemory ram(1 << 20);
    SwapDevice d(ram, kRamBase, 4, 10, 1.0);
    put(d, SwapDevice::kSlot, 4, 0);  // one past the end
    put(d, SwapDevice::kAddr, kRamBase, 0);
    put(d, SwapDevice::kCmd, 2, 0);
    CHECK(get(d, SwapDevice::kStatus, 0) == 1);
    put(d, SwapDevice::kSlot, 0, 0);
    put(d, SwapDevice::kAddr, kRamBase + (1 << 20), 0);  // outside RAM
    put(d, SwapDevice::kCmd, 2, 0);
    CHECK(get(d, SwapDevice::kStatus, 0) == 2);
    put(d, SwapDevice::kAddr, kRamBase + 0x800, 0);  // not page aligned
    put(d, SwapDevice::kCmd, 2, 0);
    CHECK(get(d, SwapDevice::kStatus, 0) == 2);
    put(d, SwapDevice::kAddr, kRamBase, 0);
    put(d, SwapDevice::kCmd, 9, 0);
    CHECK(get(d, SwapDevice::kStatus, 0) == 3);
    uint8_t b[8] = {};
    CHECK_FALSE(d.read(0x80, b, 8, 0));  // no register there
    CHECK(d.writes() == 0);
}
