// ChampSim traces: fixed-size records, no header (ChampSim inc/trace_instruction.h).
//   input_instr (64 bytes):  u64 ip; u8 is_branch, branch_taken; u8 dst_regs[2], src_regs[4];
//                            u64 destination_memory[2] @16; u64 source_memory[4] @32
//   cloudsuite_instr (96):   u64 ip; u8 is_branch, branch_taken; u8 dst_regs[4], src_regs[4];
//                            (6 bytes padding) u64 destination_memory[4] @24;
//                            u64 source_memory[4] @56; u8 asid[2] @88; (6 bytes padding)
// Each instruction becomes a fetch of `ip`, then a load per non-zero source
// address, then a store per non-zero destination address (the order in which
// ChampSim issues them). ChampSim records no access sizes: size is 0.
#include <cstring>

#include "byte_source.h"
#include "readers.h"

namespace tlmmu::trace::detail {

namespace {

inline uint64_t load_u64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);  // the traces are little-endian, as is every host this builds on
    return v;
}

struct Layout {
    size_t bytes;
    size_t destinations;
    size_t destination_offset;
    size_t source_offset;
    bool has_asid;
};
constexpr Layout kInputInstr{64, 2, 16, 32, false};
constexpr Layout kCloudsuiteInstr{96, 4, 24, 56, true};
constexpr size_t kSources = 4;

class ChampsimReader : public BatchReader {
 public:
    ChampsimReader(std::unique_ptr<ByteSource> source, const std::string& name, bool cloudsuite)
        : m_in(std::move(source), name), m_layout(cloudsuite ? kCloudsuiteInstr : kInputInstr),
          m_format(cloudsuite ? "champsim-cloudsuite" : "champsim") {}

    std::string position() const override { return m_in.where(m_in.cur); }
    const char* format() const override { return m_format; }
    bool carries_contexts() const override { return m_layout.has_asid; }  // CloudSuite: an ASID per instruction

 protected:
    size_t fill(Record* out, size_t capacity) override {
        const size_t per_instruction = 1 + kSources + m_layout.destinations;
        size_t n = 0;
        while (n + per_instruction <= capacity) {
            if (m_in.available() < m_layout.bytes && !m_in.refill(m_layout.bytes)) {
                if (m_in.available() == 0) break;
                throw TraceError(m_in.where(m_in.cur) + ": truncated " + m_format + " record (" +
                                 std::to_string(m_in.available()) + " of " + std::to_string(m_layout.bytes) +
                                 " bytes)");
            }
            const uint8_t* rec = m_in.cur;
            if (rec[8] > 1 || rec[9] > 1)
                throw TraceError(m_in.where(rec) + ": corrupt " + m_format +
                                 " record (is_branch/branch_taken not 0 or 1; wrong format or record size?)");
            const uint32_t fetch_context = m_layout.has_asid ? rec[88] : 0;
            const uint32_t data_context = m_layout.has_asid ? rec[89] : 0;
            out[n++] = make(RecordKind::fetch, load_u64(rec), fetch_context);
            for (size_t i = 0; i < kSources; ++i)
                if (uint64_t a = load_u64(rec + m_layout.source_offset + 8 * i)) out[n++] = make(RecordKind::load, a, data_context);
            for (size_t i = 0; i < m_layout.destinations; ++i)
                if (uint64_t a = load_u64(rec + m_layout.destination_offset + 8 * i))
                    out[n++] = make(RecordKind::store, a, data_context);
            m_in.cur += m_layout.bytes;
        }
        return n;
    }

 private:
    static Record make(RecordKind kind, uint64_t address, uint32_t context) {
        Record r;
        r.address = address;
        r.context = context;
        r.kind = kind;
        return r;
    }

    InputBuffer m_in;
    Layout m_layout;
    const char* m_format;
};

}  // namespace

std::unique_ptr<Reader> make_champsim_reader(std::unique_ptr<ByteSource> source, const std::string& name,
                                             bool cloudsuite) {
    return std::make_unique<ChampsimReader>(std::move(source), name, cloudsuite);
}

}  // namespace tlmmu::trace::detail
