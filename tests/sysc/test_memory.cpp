// MemoryModule on its own: data, latency, the errors it answers and DMI.
#include "testbench.h"

using namespace tlmmu;
using namespace tlmmu::test;

namespace {
constexpr uint64_t kSize = 1 << 20;

struct MemoryBench {
    Cpu cpu{"cpu"};
    sysc::MemoryModule memory{"memory", kSize, ns(5), ns(7)};
    MemoryBench() {
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
        cpu.qk.reset();
        cpu.socket.bind(memory.in);
    }
};
}  // namespace

TEST_CASE("memory reads back what was written, after its read and write latency") {
    MemoryBench bench;
    Result write, read;
    simulate(bench.cpu, [&] {
        write = bench.cpu.write(0x1234, 0x8877665544332211);
        read = bench.cpu.read(0x1234);
    });
    REQUIRE(write.ok());
    CHECK(write.delay == ns(7));
    REQUIRE(read.ok());
    CHECK(read.delay == ns(5));
    CHECK(read.value == 0x8877665544332211);
    uint64_t stored = 0;
    bench.memory.storage().read64(0x1234, stored);
    CHECK(stored == 0x8877665544332211);
}

TEST_CASE("memory answers address, byte-enable and burst errors") {
    MemoryBench bench;
    Result straddling_end, beyond_end, byte_enabled;
    tlm::tlm_response_status streaming = tlm::TLM_INCOMPLETE_RESPONSE;
    simulate(bench.cpu, [&] {
        straddling_end = bench.cpu.read(kSize - 4);
        beyond_end = bench.cpu.read(kSize);
        uint8_t data[8] = {}, enable[1] = {0xff};
        byte_enabled = bench.cpu.transfer(tlm::TLM_WRITE_COMMAND, 0, data, 8, {}, enable, 1);

        tlm::tlm_generic_payload trans;
        trans.set_read();
        trans.set_address(0x100);
        trans.set_data_ptr(data);
        trans.set_data_length(8);
        trans.set_streaming_width(4);
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time delay;
        bench.cpu.socket->b_transport(trans, delay);
        streaming = trans.get_response_status();
    });
    CHECK(straddling_end.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(beyond_end.status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(byte_enabled.status == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    CHECK(streaming == tlm::TLM_BURST_ERROR_RESPONSE);
}

TEST_CASE("memory debug transport copies the bytes inside memory and takes no time") {
    MemoryBench bench;
    bench.memory.storage().write64(kSize - 8, 0x1111'2222'3333'4444);
    unsigned inside = 0, straddling = 0, outside = 1;
    uint64_t value = 0;
    simulate(bench.cpu, [&] {
        inside = bench.cpu.debug(tlm::TLM_READ_COMMAND, kSize - 8, reinterpret_cast<unsigned char*>(&value), 8);
        uint8_t data[8];
        straddling = bench.cpu.debug(tlm::TLM_READ_COMMAND, kSize - 4, data, 8);
        outside = bench.cpu.debug(tlm::TLM_READ_COMMAND, kSize, data, 8);
    });
    CHECK(inside == 8);
    CHECK(value == 0x1111'2222'3333'4444);
    CHECK(straddling == 4);
    CHECK(outside == 0);
    CHECK(sc_core::sc_time_stamp() == sc_core::SC_ZERO_TIME);
}

TEST_CASE("memory grants DMI per 64 KiB block with its latencies, and none beyond its end") {
    MemoryBench bench;
    tlm::tlm_dmi block, beyond;
    bool block_granted = false, beyond_granted = true;
    simulate(bench.cpu, [&] {
        block_granted = bench.cpu.dmi(0x2'3456, block, tlm::TLM_WRITE_COMMAND);
        beyond_granted = bench.cpu.dmi(kSize + 0x10, beyond);
    });
    REQUIRE(block_granted);
    CHECK(block.get_start_address() == 0x2'0000);
    CHECK(block.get_end_address() == 0x2'ffff);
    CHECK(block.is_read_write_allowed());
    CHECK(block.get_read_latency() == ns(5));
    CHECK(block.get_write_latency() == ns(7));
    block.get_dmi_ptr()[0x3456] = 0x5a;
    uint8_t stored = 0;
    bench.memory.storage().read(0x2'3456, &stored, 1);
    CHECK(stored == 0x5a);
    CHECK(!beyond_granted);
    CHECK(beyond.is_none_allowed());
}
