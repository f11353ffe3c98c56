// Smallest use of the installed package: an initiator thread, the MMU and a
// memory; one page mapped, paging turned on, one translated read.
#include <cstdint>
#include <iostream>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <tlmmu/core/page_table_builder.h>
#include <tlmmu/sysc/extension.h>
#include <tlmmu/sysc/memory.h>
#include <tlmmu/sysc/mmu_module.h>

struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};
    bool passed = false;

    SC_HAS_PROCESS(Initiator);
    explicit Initiator(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }

    void run() {
        uint64_t value = 0;
        tlm::tlm_generic_payload trans;
        tlmmu::sysc::TranslationExtension ext;
        trans.set_read();
        trans.set_address(0x7000'0010);
        trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
        trans.set_data_length(8);
        trans.set_streaming_width(8);
        trans.set_extension(&ext);
        sc_core::sc_time delay;
        socket->b_transport(trans, delay);
        trans.clear_extension(&ext);
        passed = trans.is_response_ok() && value == 0x1234 && ext.pa == 0x30'0010;
        std::cout << "read " << std::hex << value << " from pa " << ext.pa << " in " << delay << "\n";
    }
};

int sc_main(int, char*[]) {
    Initiator cpu("cpu");
    tlmmu::sysc::MmuModule mmu("mmu", tlmmu::MmuConfig::skylake());
    tlmmu::sysc::MemoryModule memory("memory", 16 << 20, sc_core::sc_time(20, sc_core::SC_NS),
                                     sc_core::sc_time(20, sc_core::SC_NS));
    cpu.socket.bind(mmu.in);
    mmu.mem.bind(memory.in);

    uint64_t next_table = 0x10'0000;
    tlmmu::PageTableBuilder tables(memory.storage(), [&] { return (next_table += 0x1000) - 0x1000; });
    const uint64_t root = tables.new_root();
    tables.map(root, 0x7000'0000, 0x30'0000, tlmmu::PageSize::k4, tlmmu::pte::RW);
    memory.storage().write64(0x30'0010, 0x1234);

    sc_core::sc_time delay;
    mmu.write_efer(tlmmu::efer::LME, delay);
    mmu.write_cr4(tlmmu::cr4::PAE, delay);
    mmu.write_cr3(root, delay);
    if (!mmu.write_cr0(tlmmu::cr0::PE | tlmmu::cr0::PG, delay).ok()) return 1;

    sc_core::sc_start();
    return cpu.passed ? 0 : 1;
}
