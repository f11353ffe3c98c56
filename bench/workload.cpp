#include "workload.h"

#include <algorithm>
#include <sstream>

#include "tlmmu/core/page_table_builder.h"
#include "tlmmu/core/splitmix64.h"

namespace tlmmu::bench {

namespace {

// Linear bases of the three streams' regions.
constexpr uint64_t kL1Base = 0x0000'1000'0000ull;
constexpr uint64_t kL2Base = 0x0000'2000'0000ull;
constexpr uint64_t kWalkBase = 0x0040'0000'0000ull;

constexpr uint64_t kL1Pages = 16;    // one per set of the default 16x4 L1 DTLB 4K array
constexpr uint64_t kL2Pages = 1024;  // 64 per L1 DTLB set, 8 per set of the 128x12 L2 TLB
constexpr size_t kHitStream = 1u << 16;

// The workload's addresses: a fixed sequence for a given seed.
class Rng : public SplitMix64 {
 public:
    using SplitMix64::SplitMix64;
    uint64_t below(uint64_t n) { return next() % n; }
    uint64_t offset() { return below(4096 / 8) * 8; }  // an 8-byte-aligned offset in a page
};

std::string hex(uint64_t v) {
    std::ostringstream out;
    out << "0x" << std::hex << v;
    return out.str();
}

}  // namespace

Workload::Workload(SparseMemory& memory, const WorkloadSize& size) : m_memory(memory) {
    // Table frames are handed out from kTableBase; PageTableBuilder zeroes them.
    m_root = PageTableBuilder(m_memory, [this] {
                 const uint64_t frame = m_next_table;
                 m_next_table += 4096;
                 return frame;
             }).new_root();

    map_range(kL1Base, kL1Pages, 0);
    map_range(kL2Base, kL2Pages, kL1Pages);
    map_range(kWalkBase, size.walk_pages, 0);

    Stream l1;
    l1.name = "l1-hit";
    l1.description = "random 8-byte reads in 16 pages (one per L1 DTLB set)";
    l1.pages = kL1Pages;
    l1.per_repetition = size.l1_accesses;
    Rng r1(0x11);
    for (size_t i = 0; i < kHitStream; ++i) l1.va.push_back(kL1Base + r1.below(kL1Pages) * 4096 + r1.offset());

    Stream l2;
    l2.name = "l2-hit";
    l2.description = "1024 pages in a fixed cycle: 64 per L1 DTLB set, 8 per L2 TLB set";
    l2.pages = kL2Pages;
    l2.per_repetition = size.l2_accesses;
    Rng r2(0x22);
    for (size_t i = 0; i < kHitStream; ++i) l2.va.push_back(kL2Base + (i % kL2Pages) * 4096 + r2.offset());

    Stream walk;
    walk.name = "walk";
    std::ostringstream text;
    text << "uniformly random pages among " << size.walk_pages << " (" << (size.walk_pages * 4096 >> 20)
         << " MiB of 4K pages)";
    walk.description = text.str();
    walk.pages = size.walk_pages;
    walk.per_repetition = size.walk_accesses;
    Rng r3(0x33);
    for (size_t i = 0; i < size.walk_stream; ++i)
        walk.va.push_back(kWalkBase + r3.below(size.walk_pages) * 4096 + r3.offset());

    m_streams = {std::move(l1), std::move(l2), std::move(walk)};
}

void Workload::map_range(uint64_t va, uint64_t pages, uint64_t first_frame) {
    PageTableBuilder builder(m_memory, [this] {
        const uint64_t frame = m_next_table;
        m_next_table += 4096;
        return frame;
    });
    // A set in every entry: the walks read and never need a locked update.
    const uint64_t leaf = pte::RW | pte::A | pte::D;
    const uint64_t table = pte::RW | pte::US | pte::A;
    for (uint64_t i = 0; i < pages; ++i) {
        const uint64_t frame = (first_frame + i) % kDataFrames;
        builder.map(m_root, va + i * 4096, kDataBase + frame * 4096, PageSize::k4, leaf, table);
    }
}

bool Workload::resolve(const Mmu& mmu, std::string& error) {
    for (Stream& s : m_streams) {
        s.pa.resize(s.va.size());
        for (size_t i = 0; i < s.va.size(); ++i) {
            Access a;
            a.va = s.va[i];
            const Translation t = mmu.translate_debug(a);
            if (!t.ok()) {
                error = s.name + ": " + hex(s.va[i]) + " does not translate (" + to_string(t.fault.kind) + ")";
                return false;
            }
            s.pa[i] = t.pa;
        }
    }
    return true;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace tlmmu::bench
