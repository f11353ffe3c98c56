#include "core_measurements.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tlmmu/core/system.h"

namespace tlmmu::demo {

namespace {

// Every experiment maps its pages onto a small pool of physical frames: the
// TLBs only see page numbers, and the sparse memory stays small.
constexpr uint64_t kDataFrames = 0x40000000;  // 1 GiB-aligned, inside 4 GiB
constexpr uint64_t kUserBase = 0x0000'1000'0000'0000ull;
constexpr uint64_t kKernelBase = 0xffff'8000'0000'0000ull;

SystemOptions options(unsigned memory_latency) {
    SystemOptions o;
    o.memory_latency = memory_latency;
    return o;
}

Access data_read(uint64_t va) { return {va, AccessType::read, false, false}; }

uint64_t page_address(Layout layout, PageSize size, unsigned i) {
    switch (layout) {
        case Layout::dense: return kUserBase + uint64_t(i) * page_bytes(size);
        case Layout::per_gib: return kUserBase + uint64_t(i) * ((1ull << 30) + page_bytes(size));
        case Layout::scattered:  // PML4 slot changes with every page (128 slots); the
                                 // low page-number bits still vary so TLB sets are all used
            return (uint64_t(i % 128) << 39) + (uint64_t(i / 128 % 512) << 30) + (uint64_t(i / 65536) << 21) +
                   (uint64_t(i % 512) << 12);
    }
    return 0;
}

// Cyclic sweep over `pages` pages, one access per page, until the TLBs are in
// their steady state; the last passes are measured.
WorkingSetPoint working_set(const MmuConfig& config, unsigned latency, PageSize size, unsigned pages, Layout layout) {
    System sys(config, options(latency));
    const uint64_t root = sys.builder.new_root();
    std::vector<uint64_t> va(pages);
    for (unsigned i = 0; i < pages; ++i) {
        va[i] = page_address(layout, size, i);
        sys.builder.map(root, va[i], kDataFrames, size, pte::RW | pte::A | pte::D);
    }
    sys.boot(root);

    const unsigned warm_passes = 3, measured_passes = 4;
    for (unsigned p = 0; p < warm_passes; ++p)
        for (unsigned i = 0; i < pages; ++i) sys.mmu.translate(data_read(va[i] + 64));
    sys.mmu.reset_stats();
    uint64_t cycles = 0, l1 = 0, l2 = 0, walk = 0;
    for (unsigned p = 0; p < measured_passes; ++p) {
        for (unsigned i = 0; i < pages; ++i) {
            const Translation t = sys.mmu.translate(data_read(va[i] + 64));
            cycles += t.cycles;
            l1 += t.source == Source::l1;
            l2 += t.source == Source::l2;
            walk += t.source == Source::walk;
        }
    }
    const double n = double(pages) * measured_passes;
    const WalkStats& ws = sys.mmu.stats().walk;
    return {size,
            layout,
            pages,
            double(cycles) / n,
            double(l1) / n,
            double(l2) / n,
            double(walk) / n,
            ws.walks ? double(ws.pt_reads) / double(ws.walks) : 0.0};
}

// Two processes alternate; after each switch the incoming one touches its
// working set and some kernel pages (shared mapping, optionally global).
ContextSwitchPoint context_switch(const MmuConfig& config, unsigned latency, const std::string& mode,
                                  bool global_kernel, unsigned user_pages, unsigned kernel_pages,
                                  unsigned switches) {
    System sys(config, options(latency));
    const uint64_t roots[2] = {sys.builder.new_root(), sys.builder.new_root()};
    for (uint64_t root : roots) {
        for (unsigned i = 0; i < user_pages; ++i)
            sys.builder.map(root, kUserBase + i * 4096ull, kDataFrames, PageSize::k4, pte::RW | pte::US | pte::A | pte::D);
        for (unsigned i = 0; i < kernel_pages; ++i)
            sys.builder.map(root, kKernelBase + i * 4096ull, kDataFrames, PageSize::k4,
                            pte::RW | pte::A | pte::D | (global_kernel ? pte::G : 0));
    }
    const bool pcid = mode != "pcid-off";
    const bool noflush = mode == "pcid-noflush";
    sys.boot(roots[0], global_kernel ? cr4::PGE : 0);
    if (pcid) sys.mmu.write_cr4(sys.mmu.regs().cr4 | cr4::PCIDE);

    uint64_t switch_cycles = 0, refill_cycles = 0, walks = 0;
    for (unsigned s = 0; s < switches + 2; ++s) {
        const unsigned who = s % 2;
        // PCID 1 and 2; the no-flush hint only once each PCID holds its own tables.
        uint64_t value = roots[who] | (pcid ? who + 1 : 0);
        if (noflush && s >= 2) value |= cr3::NOFLUSH;
        const OperationResult op = sys.mmu.write_cr3(value);
        const uint64_t walks_before = sys.mmu.stats().walk.walks;
        uint64_t cycles = 0;
        for (unsigned i = 0; i < user_pages; ++i)
            cycles += sys.mmu.translate({kUserBase + i * 4096ull, AccessType::read, true, false}).cycles;
        for (unsigned i = 0; i < kernel_pages; ++i)
            cycles += sys.mmu.translate(data_read(kKernelBase + i * 4096ull)).cycles;
        if (s >= 2) {  // the first two switches only warm up
            switch_cycles += op.cycles;
            refill_cycles += cycles;
            walks += sys.mmu.stats().walk.walks - walks_before;
        }
    }
    return {mode, global_kernel, double(switch_cycles) / switches, double(refill_cycles) / switches,
            double(walks) / switches};
}

// After `changed` of `resident` pages change mapping, software either issues
// one INVLPG per page or reloads CR3; then the process touches all pages again.
RangeFlushPoint range_flush(const MmuConfig& config, unsigned latency, unsigned resident, unsigned changed) {
    auto run = [&](bool per_page) {
        System sys(config, options(latency));
        const uint64_t root = sys.builder.new_root();
        for (unsigned i = 0; i < resident; ++i)
            sys.builder.map(root, kUserBase + i * 4096ull, kDataFrames, PageSize::k4, pte::RW | pte::A | pte::D);
        sys.boot(root);
        for (unsigned pass = 0; pass < 2; ++pass)
            for (unsigned i = 0; i < resident; ++i) sys.mmu.translate(data_read(kUserBase + i * 4096ull));
        uint64_t cycles = 0;
        if (per_page) {
            for (unsigned i = 0; i < changed; ++i) cycles += sys.mmu.invlpg(kUserBase + i * 4096ull).cycles;
        } else {
            cycles += sys.mmu.write_cr3(root).cycles;
        }
        for (unsigned i = 0; i < resident; ++i) cycles += sys.mmu.translate(data_read(kUserBase + i * 4096ull)).cycles;
        return double(cycles);
    };
    return {changed, run(true), run(false)};
}

}  // namespace

const char* to_string(Layout l) {
    switch (l) {
        case Layout::dense: return "dense";
        case Layout::per_gib: return "per-gib";
        case Layout::scattered: return "scattered";
    }
    return "?";
}

Results run_all(const MmuConfig& config, unsigned memory_latency, bool quick) {
    Results r;
    r.memory_latency = memory_latency;
    const std::vector<unsigned> sizes_4k = quick ? std::vector<unsigned>{1, 64, 1024, 8192}
                                                 : std::vector<unsigned>{1, 16, 32, 64, 96, 256, 1024, 1536, 2048,
                                                                         4096, 16384, 65536};
    const std::vector<unsigned> sizes_2m = quick ? std::vector<unsigned>{1, 32, 2048}
                                                 : std::vector<unsigned>{1, 16, 32, 64, 256, 1536, 2048, 8192};
    const std::vector<unsigned> sizes_1g = quick ? std::vector<unsigned>{1, 64}
                                                 : std::vector<unsigned>{1, 4, 8, 16, 32, 512};
    const std::vector<unsigned> sparse_4k = quick ? std::vector<unsigned>{8, 256, 2048}
                                                  : std::vector<unsigned>{8, 64, 128, 1024, 2048, 4096};
    const PageSize k4 = PageSize::k4;
    for (unsigned n : sizes_4k) r.working_set.push_back(working_set(config, memory_latency, k4, n, Layout::dense));
    for (unsigned n : sparse_4k) r.working_set.push_back(working_set(config, memory_latency, k4, n, Layout::per_gib));
    for (unsigned n : sparse_4k) r.working_set.push_back(working_set(config, memory_latency, k4, n, Layout::scattered));
    for (unsigned n : sizes_2m)
        r.working_set.push_back(working_set(config, memory_latency, PageSize::m2, n, Layout::dense));
    for (unsigned n : sizes_1g)
        r.working_set.push_back(working_set(config, memory_latency, PageSize::g1, n, Layout::dense));

    const unsigned switches = quick ? 20 : 200;
    for (const char* mode : {"pcid-off", "pcid-on", "pcid-noflush"})
        for (bool global : {false, true})
            r.context_switch.push_back(context_switch(config, memory_latency, mode, global, 64, 16, switches));

    const unsigned resident = 512;
    for (unsigned k : {1u, 2u, 4u, 8u, 16u, 32u, 33u, 48u, 64u, 96u, 128u, 256u, 512u}) {
        if (quick && k != 1 && k != 33 && k != 512) continue;
        r.range_flush.push_back(range_flush(config, memory_latency, resident, k));
    }
    for (const RangeFlushPoint& p : r.range_flush) {
        if (p.full_flush_cycles < p.invlpg_cycles) {
            r.range_flush_crossover = p.pages;
            break;
        }
        r.range_flush_invlpg_cheaper_at = p.pages;
    }
    return r;
}

std::string report(const Results& r) {
    std::ostringstream out;
    char line[256];
    out << "Translation latency against working set (cyclic sweep, one access per page, memory "
        << r.memory_latency << " cycles)\n";
    out << "  page  layout        pages   cycles/access    L1%    L2%  walk%  reads/walk\n";
    for (const WorkingSetPoint& p : r.working_set) {
        std::snprintf(line, sizeof line, "  %-4s  %-10s %8u %15.2f %6.1f %6.1f %6.1f %11.2f\n",
                      to_string(p.page_size), to_string(p.layout), p.pages, p.mean_cycles, 100 * p.l1_fraction, 100 * p.l2_fraction, 100 * p.walk_fraction,
                      p.reads_per_walk);
        out << line;
    }
    out << "\nContext switch between two processes (64 user pages + 16 kernel pages touched after each switch)\n";
    out << "  mode           kernel      switch cycles   refill cycles   walks/switch\n";
    for (const ContextSwitchPoint& p : r.context_switch) {
        std::snprintf(line, sizeof line, "  %-14s %-10s %14.1f %15.1f %14.1f\n", p.mode.c_str(),
                      p.global_kernel ? "global" : "non-global", p.switch_cycles, p.refill_cycles,
                      p.walks_per_switch);
        out << line;
    }
    out << "\nRange flush: N of 512 resident pages change, then all 512 are touched again\n";
    out << "  pages   INVLPG each (cycles)   CR3 reload (cycles)   cheaper\n";
    for (const RangeFlushPoint& p : r.range_flush) {
        std::snprintf(line, sizeof line, "  %5u %22.0f %21.0f   %s\n", p.pages, p.invlpg_cycles, p.full_flush_cycles,
                      p.invlpg_cycles <= p.full_flush_cycles ? "INVLPG" : "CR3 reload");
        out << line;
    }
    if (r.range_flush_crossover && r.range_flush_crossover > r.range_flush_invlpg_cheaper_at + 1)
        out << "  crossover: between " << r.range_flush_invlpg_cheaper_at + 1 << " and " << r.range_flush_crossover
            << " pages (only these counts were sampled; the full run samples 13; Linux switches at 33)\n";
    else if (r.range_flush_crossover)
        out << "  crossover: a full flush is cheaper from " << r.range_flush_crossover
            << " pages (Linux switches at 33)\n";
    else
        out << "  crossover: INVLPG per page stayed cheaper up to 512 pages\n";
    return out.str();
}

std::string to_json(const Results& r) {
    nlohmann::ordered_json j;
    j["memory_latency_cycles"] = r.memory_latency;
    for (const WorkingSetPoint& p : r.working_set)
        j["working_set"].push_back({{"page_size", to_string(p.page_size)},
                                    {"layout", to_string(p.layout)},
                                    {"pages", p.pages},
                                    {"mean_cycles", p.mean_cycles},
                                    {"l1_fraction", p.l1_fraction},
                                    {"l2_fraction", p.l2_fraction},
                                    {"walk_fraction", p.walk_fraction},
                                    {"reads_per_walk", p.reads_per_walk}});
    for (const ContextSwitchPoint& p : r.context_switch)
        j["context_switch"].push_back({{"mode", p.mode},
                                       {"global_kernel", p.global_kernel},
                                       {"switch_cycles", p.switch_cycles},
                                       {"refill_cycles", p.refill_cycles},
                                       {"walks_per_switch", p.walks_per_switch}});
    for (const RangeFlushPoint& p : r.range_flush)
        j["range_flush"].push_back(
            {{"pages", p.pages}, {"invlpg_cycles", p.invlpg_cycles}, {"full_flush_cycles", p.full_flush_cycles}});
    j["range_flush_crossover"] = r.range_flush_crossover;
    j["range_flush_invlpg_cheaper_at"] = r.range_flush_invlpg_cheaper_at;
    return j.dump(2);
}

}  // namespace tlmmu::demo
