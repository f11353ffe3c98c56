// The kernel experiments (vmalloc, malloc, fork, reclaim) on the host: each
// record kind becomes a row of a Table with figures per page, per operation
// or per access; the report and the JSON render every Table the same way.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "results.h"

namespace tlmmu::experiments {

void Table::add(const std::vector<double>& numbers, const std::vector<std::string>& row_words) {
    std::vector<double> n(columns.size(), 0.0);
    std::vector<std::string> w(columns.size());
    size_t ni = 0, wi = 0;
    for (size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].decimals < 0) w[c] = wi < row_words.size() ? row_words[wi++] : "";
        else n[c] = ni < numbers.size() ? numbers[ni++] : 0.0;
    }
    rows.push_back(std::move(n));
    words.push_back(std::move(w));
}

size_t Table::column(const std::string& key) const {
    for (size_t c = 0; c < columns.size(); ++c)
        if (columns[c].key == key) return c;
    throw std::out_of_range("table " + name + " has no column " + key);
}

double Table::at(const std::string& key, const std::string& match_column, double match) const {
    const size_t c = column(key), m = column(match_column);
    for (const std::vector<double>& row : rows)
        if (row[m] == match) return row[c];
    throw std::out_of_range("table " + name + ": no row with " + match_column + " = " + std::to_string(match));
}

double Table::at_word(const std::string& key, const std::string& match_column, const std::string& match) const {
    const size_t c = column(key), m = column(match_column);
    for (size_t i = 0; i < rows.size(); ++i)
        if (words[i][m] == match) return rows[i][c];
    throw std::out_of_range("table " + name + ": no row with " + match_column + " = " + match);
}

const Table* Results::table(const std::string& name) const {
    for (const Table& t : tables)
        if (t.name == name) return &t;
    return nullptr;
}

std::string render_table(const Table& t) {
    std::vector<std::vector<std::string>> cells;
    std::vector<size_t> width;
    for (const Column& c : t.columns) width.push_back(c.header.size());
    for (size_t i = 0; i < t.rows.size(); ++i) {
        std::vector<std::string> row;
        for (size_t c = 0; c < t.columns.size(); ++c) {
            char buf[64];
            if (t.columns[c].decimals < 0) std::snprintf(buf, sizeof buf, "%s", t.words[i][c].c_str());
            else std::snprintf(buf, sizeof buf, "%.*f", t.columns[c].decimals, t.rows[i][c]);
            row.push_back(buf);
            width[c] = std::max(width[c], row.back().size());
        }
        cells.push_back(std::move(row));
    }
    std::ostringstream out;
    out << t.title << "\n";
    std::istringstream sentence(t.sentence);
    for (std::string line; std::getline(sentence, line);) out << "  " << line << "\n";
    auto put = [&](const std::vector<std::string>& row) {
        out << " ";
        for (size_t c = 0; c < row.size(); ++c) {
            const bool left = t.columns[c].decimals < 0;
            out << "  " << (left ? "" : std::string(width[c] - row[c].size(), ' ')) << row[c]
                << (left ? std::string(width[c] - row[c].size(), ' ') : "");
        }
        out << "\n";
    };
    std::vector<std::string> headers;
    for (const Column& c : t.columns) headers.push_back(c.header);
    put(headers);
    for (const auto& row : cells) put(row);
    return out.str();
}

namespace {

double per(double a, double b) { return b != 0 ? a / b : 0.0; }

Table& table_for(Results& r, const std::string& name, const std::string& title, const std::string& sentence,
                 std::vector<Column> columns) {
    for (Table& t : r.tables)
        if (t.name == name) return t;
    Table t;
    t.name = name;
    t.title = title;
    t.sentence = sentence;
    t.columns = std::move(columns);
    r.tables.push_back(std::move(t));
    return r.tables.back();
}

std::string size_text(uint64_t bytes) {
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + "M";
    return std::to_string(bytes >> 10) + "K";
}

void vmalloc_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "vmalloc", "vmalloc against kmalloc: cycles to allocate and free, and per load touching the memory",
        "kmalloc hands out a block of the direct map, which 2 MiB pages cover: touching it misses the TLB\n"
        "almost never. vmalloc takes one frame and maps one 4 KiB page at a time: it costs more to set up\n"
        "and every page touched needs a TLB entry of its own, so the walks grow with the size.",
        {{"size", "size", -1},
         {"bytes", "bytes", 0},
         {"kmalloc_cycles", "kmalloc", 0},
         {"vmalloc_cycles", "vmalloc", 0},
         {"kfree_cycles", "kfree", 0},
         {"vfree_cycles", "vfree", 0},
         {"kmalloc_touch_cycles_per_load", "kmalloc touch/load", 2},
         {"vmalloc_touch_cycles_per_load", "vmalloc touch/load", 2},
         {"kmalloc_walks_per_page", "kmalloc walks/page", 3},
         {"vmalloc_walks_per_page", "vmalloc walks/page", 3},
         {"vmalloc_l1d_misses_per_load", "vmalloc L1 misses/load", 3}});
    const double pages = double(rec.number("pages")), loads = double(rec.number("accesses"));
    t.add({double(rec.number("size")), double(rec.number("kmalloc_cycles")), double(rec.number("vmalloc_cycles")),
           double(rec.number("kfree_cycles")), double(rec.number("vfree_cycles")),
           per(double(rec.number("kmalloc_touch_cycles")), loads), per(double(rec.number("vmalloc_touch_cycles")), loads),
           per(double(rec.number("kmalloc_touch_walks")), pages), per(double(rec.number("vmalloc_touch_walks")), pages),
           per(double(rec.number("vmalloc_touch_misses")), loads)},
          {size_text(rec.number("size"))});
}

void vfree_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "vfree", "vfree: a TLB flush on every free against Linux-style lazy purging (cycles per round)",
        "Each round allocates, touches every page once and frees. Flushing on every free costs INVLPGs (a full\n"
        "flush above 33 pages) each time; lazy purging leaves the freed addresses unused until enough pages\n"
        "wait, then flushes their whole span once. It pays where each free would INVLPG page by page and the\n"
        "batch goes in one full flush; tiny areas gain nothing (the span's guard pages are flushed too), and\n"
        "above 33 pages both ways flush the whole TLB on each flush and mapping the pages dominates.",
        {{"size", "size", -1},
         {"bytes", "bytes", 0},
         {"rounds", "rounds", 0},
         {"eager_cycles_per_round", "eager cycles/round", 0},
         {"lazy_cycles_per_round", "lazy cycles/round", 0},
         {"eager_invlpgs", "eager INVLPGs", 0},
         {"eager_full_flushes", "eager full flushes", 0},
         {"lazy_invlpgs", "lazy INVLPGs", 0},
         {"lazy_full_flushes", "lazy full flushes", 0},
         {"lazy_purges", "purges", 0},
         {"eager_walks", "eager walks", 0},
         {"lazy_walks", "lazy walks", 0}});
    const double rounds = double(rec.number("rounds"));
    t.add({double(rec.number("size")), rounds, per(double(rec.number("eager_cycles")), rounds),
           per(double(rec.number("lazy_cycles")), rounds), double(rec.number("eager_invlpgs")),
           double(rec.number("eager_full_flushes")), double(rec.number("lazy_invlpgs")),
           double(rec.number("lazy_full_flushes")), double(rec.number("lazy_purges")), double(rec.number("eager_walks")),
           double(rec.number("lazy_walks"))},
          {size_text(rec.number("size"))});
}

void malloc_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "malloc", "User malloc: brk heap below the mmap threshold, a mapping per block above it",
        "Every page is paged in on its first touch. The heap keeps its pages after free (up to the trim\n"
        "threshold), so later rounds reuse them without faults; a block from mmap is unmapped on free and\n"
        "its pages fault again in every round: faults per MiB stay at 256 above the threshold.",
        {{"size", "size", -1},
         {"bytes", "bytes", 0},
         {"path", "path", -1},
         {"blocks", "blocks", 0},
         {"malloc_cycles", "malloc cycles", 0},
         {"free_cycles", "free cycles", 0},
         {"touch_cycles_per_page", "store/page (1st)", 0},
         {"first_faults_per_mib", "faults/MiB 1st", 1},
         {"later_faults_per_mib", "faults/MiB later", 1},
         {"first_faults", "faults 1st", 0},
         {"later_faults", "faults later", 0},
         {"cycles_per_fault", "cycles/fault", 0},
         {"brk_calls", "brk", 0},
         {"mmap_calls", "mmap", 0},
         {"munmap_calls", "munmap", 0},
         {"trims", "trims", 0}});
    const double size = double(rec.number("size")), blocks = double(rec.number("blocks"));
    const double rounds = double(rec.number("rounds"));
    const double mib_per_round = size * blocks / double(1u << 20);
    const double pages_per_block = std::ceil(size / 4096.0);
    t.add({size, blocks,
           per(double(rec.number("first_alloc_cycles") + rec.number("later_alloc_cycles")), blocks * rounds),
           per(double(rec.number("first_free_cycles") + rec.number("later_free_cycles")), blocks * rounds),
           per(double(rec.number("first_touch_cycles")), blocks * pages_per_block),
           per(double(rec.number("first_faults")), mib_per_round),
           per(double(rec.number("later_faults")), mib_per_round * (rounds - 1)), double(rec.number("first_faults")),
           double(rec.number("later_faults")), per(double(rec.number("fault_cycles")), double(rec.number("faults"))),
           double(rec.number("brk_calls")), double(rec.number("mmap_calls")), double(rec.number("munmap_calls")),
           double(rec.number("trims"))},
          {size >= 1024 ? size_text(uint64_t(size)) : std::to_string(uint64_t(size)), rec.word("path")});
}

void fork_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "fork", "fork with copy-on-write: cost against resident size, and the COW faults of the child",
        "fork copies the page tables, not the pages: its cost grows with the resident pages (each leaf\n"
        "copied and write-protected, the parent's PCID flushed). Every page the child then writes takes\n"
        "one COW fault (copy 4 KiB, remap writable, INVLPG), dearer than a demand fault's zeroing.",
        {{"pages", "resident pages", 0},
         {"writes", "pages written", 0},
         {"fork_cycles", "fork cycles", 0},
         {"fork_cycles_per_page", "fork/page", 1},
         {"tables_created", "tables", 0},
         {"cow_faults", "COW faults", 0},
         {"cow_reuses", "reuses", 0},
         {"cycles_per_cow_fault", "handler/COW fault", 0},
         {"write_cycles_per_page", "1st write/page", 0},
         {"rewrite_cycles_per_page", "2nd write/page", 1},
         {"leaked_pages", "leaked pages", 0}});
    const double pages = double(rec.number("pages")), writes = double(rec.number("writes"));
    const double copies = double(rec.number("cow_copies"));
    t.add({pages, writes, double(rec.number("fork_cycles")), per(double(rec.number("fork_cycles")), pages),
           double(rec.number("tables_created")), copies, double(rec.number("cow_reuses")),
           per(double(rec.number("cow_fault_cycles")), copies), per(double(rec.number("first_write_cycles")), writes),
           per(double(rec.number("second_write_cycles")), writes), double(rec.signed_number("leaked_pages"))});
}

void shm_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "shm", "A segment shared by two processes at different addresses and PCIDs, write-protected for tracking",
        "Both processes write the segment, so each PCID caches it writable across no-flush switches. Write-\n"
        "protecting it must flush the other process's PCID too (INVPCID type 0 per page): then every write\n"
        "after it faults once per page and mapping. Flushing only the current PCID lets the other process\n"
        "write through its stale writable entries: its writes are never seen.",
        {{"flush", "flush", -1},
         {"pages", "pages", 0},
         {"pcid_a", "PCID A", 0},
         {"pcid_b", "PCID B", 0},
         {"tracked_a", "faults A", 0},
         {"tracked_b", "faults B", 0},
         {"invlpgs", "INVLPGs", 0},
         {"invpcids", "INVPCIDs", 0},
         {"protect_cycles", "protect cycles", 0},
         {"write_a_cycles_per_page", "A write/page", 0},
         {"write_b_cycles_per_page", "B write/page", 0},
         {"same_frames", "same frames", 0}});
    const double pages = double(rec.number("pages"));
    t.add({pages, double(rec.number("pcid_a")), double(rec.number("pcid_b")), double(rec.number("tracked_a")),
           double(rec.number("tracked_b")), double(rec.number("invlpgs")), double(rec.number("invpcids")),
           double(rec.number("protect_cycles")), per(double(rec.number("write_a_cycles")), pages),
           per(double(rec.number("write_b_cycles")), pages), double(rec.number("shared_ok"))},
          {rec.word("flush")});
}

void belady_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "belady", "Belady's anomaly: faults on 1,2,3,4,1,2,5,1,2,3,4,5 with 3 and 4 frames",
        "FIFO faults more with 4 frames than with 3 (Belady, Nelson and Shedler 1969); LRU is a stack\n"
        "algorithm, so its resident set with 3 frames is always inside the one with 4: never more faults.",
        {{"policy", "policy", -1}, {"frames", "frames", 0}, {"faults", "faults", 0}, {"evictions", "evictions", 0}});
    t.add({double(rec.number("frames")), double(rec.number("faults")), double(rec.number("evictions"))},
          {rec.word("policy")});
}

void thrash_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "reclaim", "Reclaim and swap: faults per thousand accesses against memory size (the thrashing curve)",
        "A store per access along a seeded string with locality; pages beyond the memory size go to the swap\n"
        "disk. Faults climb steeply as memory shrinks below the working set. Clock without a flush after\n"
        "clearing A sees pages whose TLB entry survived as unused and evicts them anyway (wasted evictions:\n"
        "touched since the clear); with the flush it never does. Exact LRU is the reference.",
        {{"policy", "policy", -1},
         {"frames", "frames", 0},
         {"ws_pages", "ws pages", 0},
         {"faults_per_kilo_access", "faults/1000", 1},
         {"faults", "faults", 0},
         {"swap_ins", "swap-ins", 0},
         {"swap_outs", "swap-outs", 0},
         {"evictions", "evictions", 0},
         {"wasted_evictions", "wasted", 0},
         {"a_clears", "A clears", 0},
         {"a_flushes", "A flushes", 0},
         {"cycles_per_access", "cycles/access", 0},
         {"swap_cycles_share", "swap wait %", 1}});
    const double accesses = double(rec.number("accesses")), loop = double(rec.number("loop_cycles"));
    t.add({double(rec.number("frames")), double(rec.number("ws_pages")),
           per(1000.0 * double(rec.number("faults")), accesses), double(rec.number("faults")),
           double(rec.number("swap_ins")), double(rec.number("swap_outs")), double(rec.number("evictions")),
           double(rec.number("wasted")), double(rec.number("a_clears")), double(rec.number("a_flushes")),
           per(loop, accesses), per(100.0 * double(rec.number("swap_cycles")), loop)},
          {rec.word("policy")});
}

std::string ceiling_flush(uint64_t pages, uint64_t ceiling) { return pages > ceiling ? "full" : "pages"; }

void shootdown_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "shootdown", "TLB shootdown latency: CPU 0 changes N pages of an mm that k CPUs run (mprotect), then flushes",
        "initiator: cycles of the PTE change plus the flush, until every CPU has dropped the pages (per shootdown).\n"
        "stolen: cycles each receiver lost to the flush (gaps in a loop reading the cycle counter), per receiver.\n"
        "IPI: one interrupt per other CPU of the mm's mask, each acknowledged; the initiator flushes its own TLB\n"
        "while they fly. Above the ceiling (33 pages, Linux's tlb_single_page_flush_ceiling) every CPU flushes the\n"
        "whole PCID instead of INVLPG per page. INVLPGB broadcasts to all CPUs on the mm's global PCID (up to the\n"
        "platform's page count per instruction) and TLBSYNC waits for it: receivers lose nothing.",
        {{"mechanism", "mechanism", -1},
         {"cpus", "CPUs", 0},
         {"pages", "pages", 0},
         {"flush", "flush", -1},
         {"initiator_cycles", "initiator cycles", 0},
         {"stolen_cycles_per_receiver", "stolen/receiver", 0},
         {"stolen_cycles_max", "stolen max", 0},
         {"ipis_per_shootdown", "IPIs", 1},
         {"ack_wait_cycles", "ack wait", 0},
         {"remote_partial_flushes", "remote INVLPG flushes", 1},
         {"remote_full_flushes", "remote PCID flushes", 1},
         {"invlpgs_per_shootdown", "INVLPGs", 1},
         {"invlpgb_per_shootdown", "INVLPGBs", 1},
         {"ceiling", "ceiling", 0},
         {"reps", "reps", 0}});
    const double reps = double(rec.number("reps")), cpus = double(rec.number("cpus"));
    const uint64_t pages = rec.number("pages");
    t.add({cpus, double(pages), per(double(rec.number("initiator_cycles")), reps),
           per(double(rec.number("stolen_cycles")), reps * (cpus - 1)), double(rec.number("stolen_max")),
           per(double(rec.number("ipis_sent")), reps), per(double(rec.number("ack_wait_cycles")), reps),
           per(double(rec.number("remote_partial")), reps), per(double(rec.number("remote_full")), reps),
           per(double(rec.number("invlpgs")), reps), per(double(rec.number("invlpgb")), reps),
           double(rec.number("ceiling")), reps},
          {rec.word("mech"), ceiling_flush(pages, rec.number("ceiling"))});
}

void lazy_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "shootdown_lazy", "Lazy TLB: some receivers run a kernel thread (the mm stays loaded) during the shootdown",
        "With lazy TLB on, the initiator sends no IPI to a lazy CPU: it flushes the PCID when it switches back\n"
        "to the mm, if the mm's tlb_gen moved on meanwhile (switch flushes). Off, lazy CPUs are interrupted like\n"
        "the others. Figures per shootdown (initiator) and per receiver (stolen).",
        {{"lazy", "lazy TLB", -1},
         {"cpus", "CPUs", 0},
         {"lazy_cpus", "lazy CPUs", 0},
         {"pages", "pages", 0},
         {"initiator_cycles", "initiator cycles", 0},
         {"ipis_per_shootdown", "IPIs", 1},
         {"lazy_skipped_per_shootdown", "IPIs skipped", 1},
         {"active_stolen_cycles", "stolen/active CPU", 0},
         {"lazy_stolen_cycles", "stolen/lazy CPU", 0},
         {"lazy_ipis", "IPIs to lazy CPUs", 0},
         {"lazy_switch_flushes", "switch-back flushes", 0},
         {"reps", "reps", 0}});
    const double reps = double(rec.number("reps")), cpus = double(rec.number("cpus"));
    const double lazy = double(rec.number("lazy_cpus")), active = cpus - 1 - lazy;
    t.add({cpus, lazy, double(rec.number("pages")), per(double(rec.number("initiator_cycles")), reps),
           per(double(rec.number("ipis_sent")), reps), per(double(rec.number("lazy_skipped")), reps),
           per(double(rec.number("active_stolen")), reps * active), per(double(rec.number("lazy_stolen")), reps * lazy),
           double(rec.number("lazy_ipis")), double(rec.number("lazy_switch_flushes")), reps},
          {rec.word("lazy")});
}

void storm_record(Results& r, const Record& rec) {
    Table& t = table_for(
        r, "munmap_storm", "munmap storm: T threads of one process map, touch and unmap pages of their own, in a loop",
        "Every munmap shoots down the pages on every CPU running the process; with IPIs each thread is\n"
        "interrupted by all the others' unmaps, so throughput (munmaps per million cycles, all threads) stops\n"
        "growing with the threads. INVLPGB needs no receiver work.",
        {{"mechanism", "mechanism", -1},
         {"threads", "threads", 0},
         {"munmaps", "munmaps", 0},
         {"pages", "pages each", 0},
         {"cycles", "cycles (slowest thread)", 0},
         {"munmaps_per_mcycle", "munmaps/M cycles", 1},
         {"cycles_per_munmap", "cycles/munmap (thread)", 0},
         {"ipis_received_per_munmap", "IPIs received/munmap", 2},
         {"handler_cycles_per_munmap", "handler cycles/munmap", 0},
         {"invlpgb", "INVLPGBs", 0}});
    const double threads = double(rec.number("threads")), ops = double(rec.number("ops"));
    const double munmaps = threads * ops, cycles = double(rec.number("cycles"));
    t.add({threads, munmaps, double(rec.number("pages")), cycles, per(munmaps * 1e6, cycles), per(cycles, ops),
           per(double(rec.number("ipis_received")), munmaps), per(double(rec.number("handler_cycles")), munmaps),
           double(rec.number("invlpgb"))},
          {rec.word("mech")});
}

}  // namespace

void kernel_record(Results& r, const Record& rec) {
    if (rec.kind == "belady") belady_record(r, rec);
    else if (rec.kind == "thrash") thrash_record(r, rec);
    else if (rec.kind == "fork") fork_record(r, rec);
    else if (rec.kind == "shm") shm_record(r, rec);
    else if (rec.kind == "vmalloc") vmalloc_record(r, rec);
    else if (rec.kind == "malloc") malloc_record(r, rec);
    else if (rec.kind == "vfree") vfree_record(r, rec);
    else if (rec.kind == "shootdown") shootdown_record(r, rec);
    else if (rec.kind == "lazy") lazy_record(r, rec);
    else if (rec.kind == "storm") storm_record(r, rec);
}

}  // namespace tlmmu::experiments
