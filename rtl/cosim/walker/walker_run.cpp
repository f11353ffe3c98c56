// The page-walker co-simulation (walker_block.h): a Verilated walker (behind
// WalkerDut, from the table tlmmu_add_rtl_cosim generates) against the C++
// model's walker (tlmmu::Mmu with its TLBs disabled, so every translation
// walks). Each transaction: random stimulus (control state, page-table edits,
// an access, maybe another processor racing a locked update); the model
// translates it through a recording PhysicalAccess, whose writes are then
// undone; the RTL walks the same memory through a transactor with random
// handshake delays; the scoreboard compares the result and the sequence of
// page-table reads and compare-and-sets. The first mismatch ends the run with
// exit status 1 and names its transaction; with --vcd the run is repeated
// from the start and the cycles of the transactions before it are dumped.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

#include "command_line.h"
#include "harness.h"
#include "junit.h"
#include "scoreboard.h"
#include "stimulus.h"
#include "tlmmu/core/config.h"
#include "tlmmu/core/mmu.h"
#include "walker_block.h"

namespace tlmmu::cosim::walker {

namespace {

constexpr uint64_t kMemoryBytes = 1ull << 30;  // tables pointing above this are rejected (bus faults)
constexpr uint64_t kTableRegion = 0x100000;
constexpr unsigned kMaxTables = 256;
constexpr uint64_t kCycleLimit = 20000;  // per transaction; beyond it the RTL is hung

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

struct Options {
    unsigned levels = 4;
    uint64_t transactions = 100000;
    uint64_t seed = 1;
    std::string config;  // empty: the first build
    bool fault = false;
    bool quiet = false;
    bool psc = true;
    unsigned pool = 48;
    uint64_t rebuild_every = 2000;
    bool require_coverage = false;
    bool model_only = false;
    uint64_t progress = 0;
    std::string vcd;
    uint64_t vcd_window = 1000;
    std::string junit;
    const WalkerRtlConfig* rtl = nullptr;  // the build --config and --fault chose

    unsigned maxphyaddr() const { return rtl->maxphyaddr; }
    bool gb_pages() const { return rtl->gb_pages; }
};

// The command line (tlmmu's option layer): -1 to go on, else the exit status.
int parse_options(int argc, char** argv, Options& o) {
    tools::CommandLine cli("walker_cosim",
                           "Co-simulates the page-walker RTL against the C++ model on N seeded random walks and\n"
                           "compares every result and page-table access sequence.\n"
                           "\n"
                           "Exit status: 0 no mismatch, 1 mismatch (or --require-coverage unmet), 2 usage error,\n"
                           "3 internal error.");
    cli.count("--seed", o.seed, "stimulus seed (default 1)");
    cli.count("--transactions", o.transactions, "walks to run (default 100000)");
    cli.count("--levels", o.levels, "4-level or 5-level (CR4.LA57) paging (default 4)");
    cli.app()
        .add_option("--config", o.config, "RTL build (default: the first): " + walker_config_names())
        ->type_name("NAME");
    cli.app().add_flag("--fault", o.fault, "the build of --config with the planted fault (expect a mismatch)");
    cli.app().add_flag("!--no-psc", o.psc,
                       "always walk from CR3 (default: start below the model's paging-structure-cache hits, as a PSC "
                       "would tell the walker)");
    cli.count("--pool", o.pool, "pages in the linear-address pool, 1..4096 (default 48)");
    cli.count("--rebuild-every", o.rebuild_every, "new random page tables every N transactions (default 2000)");
    cli.app().add_flag("--require-coverage", o.require_coverage, "fail unless every coverage bin was reached");
    cli.count("--progress", o.progress, "print a line every N transactions (long soaks)");
    cli.app().add_option("--vcd", o.vcd, "on a mismatch, re-run and dump the cycles before it to FILE")->type_name("FILE");
    cli.count("--vcd-window", o.vcd_window, "transactions dumped before the mismatching one (default 1000)");
    cli.quiet(o.quiet, "no coverage table");
    cli.app().add_flag("--model-only", o.model_only, "run the model alone on the same stimulus (for speed comparisons)");
    cli.junit(o.junit, "one test case; a mismatch is a failure");
    if (const int status = cli.parse(argc, argv); status >= 0) return status;
    if (o.levels != 4 && o.levels != 5) return cli.usage_error("--levels: must be 4 or 5");
    if (o.pool == 0 || o.pool > 4096) return cli.usage_error("--pool: must be 1..4096");
    if (o.rebuild_every == 0) return cli.usage_error("--rebuild-every: must be at least 1");
    if (o.vcd_window == 0) return cli.usage_error("--vcd-window: must be at least 1");
    if (!o.vcd.empty()) {  // find out now, not after a long run
        const std::string part = o.vcd + ".part";
        std::FILE* f = std::fopen(part.c_str(), "w");
        if (!f) {
            return cli.usage_error("--vcd: cannot write " + part);
        }
        std::fclose(f);
        std::remove(part.c_str());
    }
    if (o.config.empty()) o.config = walker_configs().front().name;
    o.rtl = find_walker_config(o.config, o.fault);
    if (!o.rtl)
        return cli.usage_error(std::string("--config: no ") + (o.fault ? "planted-fault build of the " : "") +
                               "configuration '" + o.config + "'; available: " + walker_config_names());
    return -1;
}

// Where the walk starts: below the model's deepest paging-structure-cache
// hit, found exactly as Mmu::walk_and_fill will look it up.
struct WalkStart {
    bool from_psc = false;
    unsigned level = 0;  // level of the first entry read
    uint64_t table = 0;
    Rights rights;
};

WalkStart predict_start(const Mmu& mmu, uint64_t va) {
    WalkStart s;
    const unsigned top = mmu.regs().levels();
    const uint64_t mask = mmu.geometry().va_mask();
    s.level = top;
    s.table = entry_address(mmu.regs().cr3, mmu.config().maxphyaddr);
    for (unsigned l = 2; l <= top; ++l) {
        const PscEntry* p = mmu.psc(l).peek(va & mask, mask, mmu.current_pcid());
        if (!p) continue;
        s.from_psc = true;
        s.level = l - 1;
        s.table = p->table;
        s.rights = p->rights;
        break;
    }
    return s;
}

struct RunOutcome {
    bool mismatch = false;
    uint64_t transaction = 0;  // the mismatching one
    uint64_t transactions = 0;
    uint64_t cycles = 0;
    double model_seconds = 0;  // spent in Mmu::translate
};

// The Verilated walker behind WalkerDut, with the cycle count and the
// waveform written as FILE.part and renamed when complete.
class RtlWalker {
 public:
    RtlWalker(const WalkerRtlConfig& config, bool traceable) : m_dut(config.make_dut(traceable)) {}
    ~RtlWalker() {
        try {
            close_vcd();
        } catch (const std::exception&) {  // the run's own error is already on its way
        }
    }

    WalkerInputs& in() { return m_in; }
    const WalkerOutputs& out() const { return m_out; }
    uint64_t cycle() const { return m_cycle; }

    void open_vcd(const std::string& path) {
        m_dut->start_trace(path);
        m_tracing = true;
    }
    void close_vcd() {
        if (!m_tracing) return;
        m_tracing = false;
        m_dut->stop_trace();
    }
    void reset() {
        m_dut->reset(m_out);
        m_cycle += 2;
    }
    // One clock cycle: the inputs set by the caller are sampled at the rising edge.
    void tick() {
        m_dut->tick(m_in, m_out);
        ++m_cycle;
    }

 private:
    std::unique_ptr<WalkerDut> m_dut;
    WalkerInputs m_in;
    WalkerOutputs m_out;
    uint64_t m_cycle = 0;
    bool m_tracing = false;
};

// One run: the model, the memory, the stimulus and the RTL, from the seed.
class WalkerBench {
 public:
    WalkerBench(const Options& options, bool traceable)
        : m_options(options),
          m_memory(kMemoryBytes),
          m_port(m_memory),
          m_mmu(model_config(options), m_port),
          m_tables(m_memory, options.levels, options.maxphyaddr(), kTableRegion, kMaxTables),
          m_rng(options.seed),
          m_rtl_rng(options.seed ^ 0x9e3779b97f4a7c15ull),
          m_rtl(*options.rtl, traceable) {}

    const Coverage& coverage() const { return m_coverage; }

    // Runs the transactions; with `vcd`, dumps the cycles from transaction
    // `vcd_from` on. `report` gets the mismatch description. `advance` lets
    // SystemC time pass by the cycles of each transaction.
    RunOutcome run(const std::string& vcd, uint64_t vcd_from, std::ostream* report,
                   const std::function<void(uint64_t cycles)>& advance) {
        const Options& o = m_options;
        RunOutcome outcome;
        m_rtl.reset();
        boot(m_tables.rebuild(m_rng, o.pool));

        std::vector<MemoryAccess> rtl_log;
        for (uint64_t n = 0; n < o.transactions; ++n) {
            if (!vcd.empty() && n == vcd_from) m_rtl.open_vcd(vcd);
            if (n && n % o.rebuild_every == 0) check(m_mmu.write_cr3(m_tables.rebuild(m_rng, o.pool)).ok(), "CR3");
            if (m_rng.percent(3)) apply(random_control(m_rng));
            if (m_rng.percent(8)) m_tables.mutate(m_rng);
            if (m_rng.percent(6)) m_tables.repair(m_rng);
            const Access access = random_access(m_rng, m_tables.random_va(m_rng));
            const Interference plan = random_interference();
            const WalkStart start = predict_start(m_mmu, access.va);

            // The model first; then its writes are undone so the RTL finds the same memory.
            m_port.begin(plan);
            const auto model_started = std::chrono::steady_clock::now();
            const Translation t = m_mmu.translate(access);
            outcome.model_seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - model_started).count();
            const WalkResult model = from_translation(t);
            if (o.model_only) {  // the same stimulus, the model's writes kept, no RTL
                ++outcome.transactions;
                m_coverage.count(model, m_port.log(), start.level);
                continue;
            }
            const std::vector<MemoryAccess> model_log = m_port.log();
            m_port.undo_writes();
            if (t.fault.kind != FaultKind::gp && t.psc_level != (start.from_psc ? start.level + 1 : 0u))
                throw std::runtime_error("transaction " + std::to_string(n) +
                                         ": the model's walk did not start where predicted");

            WalkResult rtl;
            rtl_log.clear();
            std::string problem;
            const uint64_t cycle0 = m_rtl.cycle();
            const bool finished = run_rtl(access, start, plan, rtl, rtl_log, problem);
            std::string differences = finished ? compare(model, rtl) : "  " + problem + "\n";
            if (finished && model_log != rtl_log) differences += "  page-table access sequences differ\n";
            ++outcome.transactions;
            if (!differences.empty()) {
                if (report) describe_mismatch(*report, n, access, start, plan, model, rtl, model_log, rtl_log, differences);
                for (unsigned i = 0; i < 16; ++i) m_rtl.tick();  // a little waveform after it
                outcome.mismatch = true;
                outcome.transaction = n;
                break;
            }
            m_coverage.count(model, model_log, start.level);
            advance(m_rtl.cycle() - cycle0);
            if (o.progress && (n + 1) % o.progress == 0)
                std::cout << "walker co-simulation: " << (n + 1) << " transactions, no mismatch" << std::endl;
        }
        m_rtl.close_vcd();
        outcome.cycles = m_rtl.cycle();
        return outcome;
    }

 private:
    static MmuConfig model_config(const Options& o) {
        MmuConfig c = MmuConfig::skylake();
        apply_setting(c, "l1i.arrays", "none");
        apply_setting(c, "l1d.arrays", "none");
        apply_setting(c, "l2.arrays", "none");
        if (!o.psc)
            for (const char* level : {"psc.pml5", "psc.pml4", "psc.pdpt", "psc.pd"}) apply_setting(c, level, "none");
        c.maxphyaddr = o.maxphyaddr();  // the RTL's MAXPHYADDR parameter
        c.gb_pages = o.gb_pages();      // GB_PAGES
        c.walk_restart_limit = o.rtl->restart_limit;  // RESTART_LIMIT
        validate(c);
        return c;
    }

    static void check(bool ok, const char* what) {
        if (!ok) throw std::runtime_error(std::string("the model refused a write of ") + what);
    }

    void boot(uint64_t root) {
        check(m_mmu.write_efer(efer::LME | efer::NXE).ok(), "EFER");
        check(m_mmu.write_cr4(cr4::PAE | (m_options.levels == 5 ? cr4::LA57 : 0)).ok(), "CR4");
        check(m_mmu.write_cr3(root).ok(), "CR3");
        check(m_mmu.write_cr0(cr0::PE | cr0::PG | cr0::WP).ok(), "CR0");
    }

    void apply(const ControlState& c) {
        check(m_mmu.write_cr0(cr0::PE | cr0::PG | (c.wp ? cr0::WP : 0)).ok(), "CR0");
        check(m_mmu.write_cr4(cr4::PAE | (m_options.levels == 5 ? cr4::LA57 : 0) | (c.smep ? cr4::SMEP : 0) |
                              (c.smap ? cr4::SMAP : 0) | (c.pke ? cr4::PKE : 0) | (c.pge ? cr4::PGE : 0))
                  .ok(),
              "CR4");
        check(m_mmu.write_efer(efer::LME | (c.nxe ? efer::NXE : 0)).ok(), "EFER");
        check(m_mmu.write_pkru(c.pkru).ok(), "PKRU");
        m_mmu.set_ac(c.ac);
    }

    Interference random_interference() {
        Interference plan;
        if (!m_rng.percent(3)) return plan;
        plan.active = true;
        plan.every = m_rng.percent(25);
        plan.ordinal = unsigned(m_rng.below(2));
        static const uint64_t masks[] = {1ull << 9, pte::A, pte::P, pte::RW, pte::US};
        plan.xor_mask = masks[m_rng.below(sizeof masks / sizeof masks[0])];
        return plan;
    }

    // The RTL's side of one transaction: drives the request, serves the memory
    // port with random delays, takes the result. False when the RTL hangs or
    // breaks the handshake (`problem` says how).
    bool run_rtl(const Access& access, const WalkStart& start, const Interference& plan, WalkResult& result,
                 std::vector<MemoryAccess>& log, std::string& problem) {
        WalkerInputs& io = m_rtl.in();
        const WalkerOutputs& dut = m_rtl.out();
        const ControlRegs& regs = m_mmu.regs();
        io.req_va = access.va;
        io.req_type = uint8_t(access.type);
        io.req_user = access.user;
        io.req_implicit = access.implicit;
        io.req_start_valid = start.from_psc;
        io.req_start_level = uint8_t(start.from_psc ? start.level : 0);
        io.req_start_table = start.from_psc ? start.table : 0;
        io.req_start_w = start.rights.writable;
        io.req_start_u = start.rights.user;
        io.req_start_nx = start.rights.nx;
        io.cr3 = regs.cr3;
        io.la57 = regs.levels() == 5;
        io.cr0_wp = regs.wp();
        io.cr4_smep = regs.smep();
        io.cr4_smap = regs.smap();
        io.cr4_pke = regs.pke();
        io.cr4_pge = regs.pge();
        io.efer_nxe = regs.nxe();
        io.eflags_ac = regs.ac;
        io.pkru = regs.pkru;
        ++io.walk;

        unsigned request_delay = unsigned(m_rtl_rng.below(3));
        bool accepted = false, pending = false, done = false;
        uint64_t due = 0;
        unsigned cas_count = 0;
        bool held = false;  // a memory request waited last cycle: it must be presented unchanged
        uint64_t held_addr = 0, held_cmp = 0, held_wdata = 0;
        bool held_cas = false;
        const uint64_t first_cycle = m_rtl.cycle();
        while (!done) {
            if (m_rtl.cycle() - first_cycle > kCycleLimit) {
                problem = "the RTL gave no result within " + std::to_string(kCycleLimit) + " cycles";
                return false;
            }
            // Request.
            io.req_valid = !accepted && request_delay == 0;
            if (request_delay) --request_delay;
            const bool accepting = io.req_valid && dut.req_ready;

            // Memory response, then request.
            io.mem_resp_valid = 0;
            io.mem_resp_err = 0;
            io.mem_resp_data = 0;
            if (pending && m_rtl.cycle() == due) {
                io.mem_resp_valid = 1;
                io.mem_resp_err = log.back().error;
                io.mem_resp_data = log.back().value;
                pending = false;
            }
            io.mem_req_ready = m_rtl_rng.percent(60);
            if (held && (!dut.mem_req_valid || dut.mem_req_addr != held_addr || dut.mem_req_cas != held_cas ||
                         dut.mem_req_cmp != held_cmp || dut.mem_req_wdata != held_wdata)) {
                problem = "the memory request changed before it was accepted";
                return false;
            }
            held = false;
            if (dut.mem_req_valid) {
                if (pending || !accepted) {
                    problem = pending ? "a memory request while a response is outstanding"
                                      : "a memory request before the walk request was accepted";
                    return false;
                }
                if (!io.mem_req_ready) {
                    ++m_coverage.memory_stalls;
                    held = true;
                    held_addr = dut.mem_req_addr;
                    held_cas = dut.mem_req_cas;
                    held_cmp = dut.mem_req_cmp;
                    held_wdata = dut.mem_req_wdata;
                } else {
                    log.push_back(serve(dut, plan, cas_count));
                    pending = true;
                    due = m_rtl.cycle() + 1 + m_rtl_rng.below(4);
                }
            }

            // Result.
            io.res_ready = m_rtl_rng.percent(70);
            if (dut.res_valid && io.res_ready) {
                if (!accepted) {
                    problem = "a result before the request was accepted";
                    return false;
                }
                result.fault = WalkFault(dut.res_fault);
                result.error_code = dut.res_error_code;
                result.fault_address = dut.res_fault_addr;
                if (result.fault == WalkFault::none) {
                    result.pa = dut.res_pa;
                    result.size = PageSize(dut.res_size);
                    result.rights.writable = dut.res_w;
                    result.rights.user = dut.res_u;
                    result.rights.nx = dut.res_nx;
                    result.pkey = dut.res_pkey;
                    result.global = dut.res_global;
                    result.dirty = dut.res_dirty;
                }
                done = true;
            }
            if (accepting) accepted = true;
            m_rtl.tick();
        }
        io.req_valid = 0;
        io.res_ready = 0;
        io.mem_resp_valid = 0;
        if (pending) {
            problem = "a result while a memory response is outstanding";
            return false;
        }
        return true;
    }

    // The memory transactor: performs the request the RTL presents on the
    // model's memory, as one atomic access for a compare-and-set.
    MemoryAccess serve(const WalkerOutputs& io, const Interference& plan, unsigned& cas_count) {
        MemoryAccess a;
        a.pa = io.mem_req_addr;
        if (!io.mem_req_cas) {
            a.error = !m_memory.read64(a.pa, a.value);
            if (a.error) a.value = 0;
            return a;
        }
        a.compare_and_set = true;
        a.expected = io.mem_req_cmp;
        a.bits = io.mem_req_wdata ^ io.mem_req_cmp;
        interfere(m_memory, plan, cas_count++, a.pa, nullptr);
        a.error = !m_memory.read64(a.pa, a.value);
        if (a.error) a.value = 0;
        else if (a.value == a.expected) m_memory.write64(a.pa, io.mem_req_wdata);
        return a;
    }

    void describe_mismatch(std::ostream& out, uint64_t n, const Access& access, const WalkStart& start,
                           const Interference& plan, const WalkResult& model, const WalkResult& rtl,
                           const std::vector<MemoryAccess>& model_log, const std::vector<MemoryAccess>& rtl_log,
                           const std::string& differences) {
        const ControlRegs& r = m_mmu.regs();
        out << "walker co-simulation: first MISMATCH at transaction " << n << " (seed " << m_options.seed << ")\n";
        out << "  access: " << to_string(access.type) << " " << hex(access.va)
            << (access.implicit ? " implicit-supervisor" : access.user ? " user" : " supervisor") << "\n";
        out << "  control: cr3 " << hex(r.cr3) << (r.levels() == 5 ? " la57" : "") << (r.wp() ? " wp" : "")
            << (r.smep() ? " smep" : "") << (r.smap() ? " smap" : "") << (r.pke() ? " pke" : "")
            << (r.pge() ? " pge" : "") << (r.nxe() ? " nxe" : "") << (r.ac ? " ac" : "") << " pkru "
            << hex(r.pkru) << "\n";
        out << "  walk starts at " << level_name(start.level) << " table " << hex(start.table)
            << (start.from_psc ? " (paging-structure-cache hit)" : " (CR3)") << "\n";
        if (plan.active)
            out << "  another processor XORs " << hex(plan.xor_mask) << " into the entry before "
                << (plan.every ? std::string("every compare-and-set")
                               : "compare-and-set #" + std::to_string(plan.ordinal))
                << "\n";
        out << "  model: " << describe(model) << "\n  rtl:   " << describe(rtl) << "\n" << differences;
        out << "  page-table accesses (model | rtl):\n";
        const size_t rows = std::max(model_log.size(), rtl_log.size());
        for (size_t i = 0; i < rows; ++i) {
            const std::string a = i < model_log.size() ? describe(model_log[i]) : "-";
            const std::string b = i < rtl_log.size() ? describe(rtl_log[i]) : "-";
            const bool differ = i >= model_log.size() || i >= rtl_log.size() || model_log[i] != rtl_log[i];
            out << (differ ? "  * " : "    ") << i << ": " << a << " | " << b << "\n";
        }
        out << std::flush;
    }

    const Options m_options;
    SparseMemory m_memory;
    RecordingAccess m_port;
    Mmu m_mmu;
    RandomPageTables m_tables;
    Random m_rng;      // stimulus: the same sequence whatever the RTL does
    Random m_rtl_rng;  // handshake delays
    RtlWalker m_rtl;
    Coverage m_coverage;
};

std::string rate(uint64_t count, double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", seconds > 0 ? double(count) / seconds : 0.0);
    return buf;
}

// The whole job for the chosen Verilated build; returns the exit status.
int cosimulate(const Options& o, const std::function<void(uint64_t)>& advance) {
    const auto started = std::chrono::steady_clock::now();
    Coverage coverage;
    RunOutcome outcome;
    {
        WalkerBench bench(o, false);
        outcome = bench.run("", 0, &std::cout, advance);
        coverage = bench.coverage();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (outcome.mismatch) {
        if (!o.vcd.empty()) {
            // Same seed, same transactions: dump the window before the mismatch.
            const uint64_t from = outcome.transaction > o.vcd_window ? outcome.transaction - o.vcd_window : 0;
            Options again = o;
            again.transactions = outcome.transaction + 1;
            WalkerBench replay(again, true);
            const RunOutcome repeated = replay.run(o.vcd, from, nullptr, [](uint64_t) {});
            if (!repeated.mismatch || repeated.transaction != outcome.transaction) {
                std::cout << "walker co-simulation: the replay did not repeat the mismatch; " << o.vcd
                          << " shows transactions " << from << " to " << outcome.transaction << " of the replay\n";
                return 1;
            }
            std::cout << "waveform of transactions " << from << " to " << outcome.transaction << " written to "
                      << o.vcd << "\n";
        }
        return 1;
    }
    if (o.model_only) {
        std::cout << "walker model alone: " << outcome.transactions << " transactions (seed " << o.seed << ", "
                  << o.levels << "-level, " << o.config << (o.psc ? "" : ", no PSC") << ", " << seconds << " s, "
                  << rate(outcome.transactions, seconds) << " walks/s; in Mmu::translate "
                  << rate(outcome.transactions, outcome.model_seconds) << " walks/s)\n";
        if (!o.quiet) std::cout << coverage.report(o.levels, o.psc);
        return 0;
    }
    std::cout << "walker co-simulation: " << outcome.transactions << " transactions, 0 mismatches (seed " << o.seed
              << ", " << o.levels << "-level, " << o.config << (o.psc ? "" : ", no PSC") << ", " << outcome.cycles
              << " RTL cycles, " << seconds << " s)\n";
    std::cout << "throughput: co-simulated " << rate(outcome.transactions, seconds)
              << " walks/s; the model's share of the same run " << rate(outcome.transactions, outcome.model_seconds)
              << " walks/s\n";
    if (!o.quiet) std::cout << coverage.report(o.levels, o.psc);
    if (o.require_coverage) {
        const std::vector<std::string> missing = coverage.missing(o.levels, o.psc, o.gb_pages());
        if (!missing.empty()) {
            std::cout << "coverage missing:";
            for (const std::string& m : missing) std::cout << " [" << m << "]";
            std::cout << "\n";
            return 1;
        }
        std::cout << "coverage: every bin reached\n";
    }
    return 0;
}

}  // namespace

int walker_cosim_main(int argc, char** argv) {
    Options options;
    if (const int status = parse_options(argc, argv, options); status >= 0) return status;
    const auto started = std::chrono::steady_clock::now();
    // SystemC time advances by the RTL's cycles (1 ns each), in batches.
    const int status = run_timed([&](const Advance& advance) {
        try {
            CycleBatch time(advance);
            return cosimulate(options, [&](uint64_t cycles) { time.add(cycles); });
        } catch (const std::exception& e) {
            std::cerr << "walker_cosim: " << e.what() << "\n";
            return 3;
        }
    });
    if (!options.junit.empty()) {
        tools::JunitCase tc;
        tc.name = "walker " + options.config + (options.fault ? " (planted fault)" : "") + ", " +
                  std::to_string(options.levels) + "-level, seed " + std::to_string(options.seed) + ", " +
                  std::to_string(options.transactions) + " transactions";
        tc.classname = "cosim.walker";
        tc.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (status != 0) {
            tc.outcome = status == 1 ? tools::JunitCase::Outcome::failure : tools::JunitCase::Outcome::error;
            tc.message = status == 1 ? "mismatch or coverage not reached (see the log)" : "internal error";
        }
        if (!tools::write_junit(options.junit, {{"walker_cosim", {tc}}})) {
            std::cerr << "walker_cosim: cannot write " << options.junit << "\n";
            return 2;
        }
    }
    return status;
}

}  // namespace tlmmu::cosim::walker
