#include "tlmmu/replay/replay.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <tuple>

#include "tlmmu/synth/synthetic.h"
#include "tlmmu/trace/open.h"

namespace tlmmu::replay {

namespace {

using trace::Record;
using trace::RecordKind;

constexpr size_t kBatch = 4096;  // records per reader call: amortises the virtual call

// One thread of a traced process: a stream and its batch buffer.
struct Thread {
    std::unique_ptr<trace::Reader> reader;
    unsigned argument = 0;         // index of the TRACE argument (the process, unless contexts)
    uint32_t stream_process = 0;   // process id the format recorded (drmemtrace)
    bool contexts = false;         // records carry the address space in `context` (native, cloudsuite)
    bool bound = false;            // `process` is known
    unsigned process = 0;          // address space the thread runs in now
    uint32_t context = 0;
    std::unique_ptr<Record[]> buffer{new Record[kBatch]};
    size_t pos = 0, count = 0;
    bool done = false;

    // True when at least one record is buffered.
    bool refill() {
        if (pos < count) return true;
        if (done) return false;
        pos = 0;
        count = reader->read(buffer.get(), kBatch);
        if (!count) done = true;
        return count != 0;
    }
};

std::vector<trace::Stream> open_argument(const std::string& arg, const std::string& format,
                                         trace::Interleave interleave = trace::Interleave::quantum) {
    std::vector<trace::Stream> streams;
    if (synth::is_synthetic_spec(arg)) {
        streams = synth::open_synthetic_streams(arg);
    } else {
        streams = trace::open_streams(arg, format, interleave);
        if (streams.empty()) throw trace::TraceError(arg + ": no trace streams found");
    }
    return streams;
}

// Sums the counters of several CPUs' MMUs (derive() afterwards).
void add(StructureStats& to, const StructureStats& from) {
    for (unsigned a = 0; a < kAccessTypes; ++a) {
        for (unsigned p = 0; p < kPageSizes; ++p) to.hits[a][p] += from.hits[a][p];
        for (unsigned p = 0; p <= kPageSizes; ++p) to.misses[a][p] += from.misses[a][p];
    }
    to.fills += from.fills;
    to.evictions += from.evictions;
    for (unsigned c = 0; c < kInvalidationCauses; ++c) to.invalidations[c] += from.invalidations[c];
}

void add(LatencyHistogram& to, const LatencyHistogram& from) {
    to.count += from.count;
    to.sum += from.sum;
    to.max = std::max(to.max, from.max);
    for (unsigned i = 0; i < LatencyHistogram::kBuckets; ++i) to.buckets[i] += from.buckets[i];
}

void add(MmuStats& to, const MmuStats& from) {
    add(to.l1i, from.l1i);
    add(to.l1d, from.l1d);
    add(to.l2, from.l2);
    for (unsigned l = 0; l < 6; ++l) {
        PscStats& t = to.psc[l];
        const PscStats& f = from.psc[l];
        t.lookups += f.lookups;
        t.hits += f.hits;
        t.fills += f.fills;
        t.evictions += f.evictions;
        for (unsigned c = 0; c < kInvalidationCauses; ++c) t.invalidations[c] += f.invalidations[c];
    }
    WalkStats& w = to.walk;
    const WalkStats& v = from.walk;
    w.walks += v.walks;
    w.pt_reads += v.pt_reads;
    w.ad_updates += v.ad_updates;
    w.restarts += v.restarts;
    w.fills_suppressed += v.fills_suppressed;
    w.d_bit_assists += v.d_bit_assists;
    for (unsigned i = 0; i < WalkStats::kReadBuckets; ++i) w.reads_per_walk[i] += v.reads_per_walk[i];
    for (unsigned i = 0; i < 6; ++i) w.started_from[i] += v.started_from[i];
    add(to.latency, from.latency);
    add(to.walk_latency, from.walk_latency);
    to.untranslated += from.untranslated;
    for (unsigned i = 0; i < 4; ++i) to.faults[i] += from.faults[i];
    for (unsigned i = 0; i < kOperations; ++i) {
        to.ops[i].count += from.ops[i].count;
        to.ops[i].faults += from.ops[i].faults;
        to.ops[i].cycles += from.ops[i].cycles;
    }
}

class Replayer {
 public:
    Replayer(std::vector<Source> sources, const ReplayOptions& options)
        : m_options(options),
          m_caches(options.cache.enabled ? std::make_unique<cache::Hierarchy>(options.cache) : nullptr),
          m_os(options.mmu, options.os, m_caches.get(), options.smp) {
        for (unsigned i = 0; i < sources.size(); ++i) {
            Source& source = sources[i];
            if (source.streams.empty()) throw trace::TraceError(source.name + ": no trace streams found");
            m_result.traces.push_back(source.name);
            m_result.formats.push_back(source.format);
            for (trace::Stream& s : source.streams) {
                Thread t;
                t.reader = std::move(s.reader);
                t.argument = i;
                t.stream_process = s.process;
                t.contexts = t.reader->carries_contexts();
                m_threads.push_back(std::move(t));
            }
        }
        m_result.streams = m_threads.size();
        // Per-CPU run queues: thread k on CPU k mod smp.cpus, for good.
        m_queues.resize(m_os.cpus());
        for (size_t k = 0; k < m_threads.size(); ++k) m_queues[k % m_queues.size()].threads.push_back(k);
        m_cpu_records.assign(m_queues.size(), 0);
    }

    ReplayResult run() {
        const auto start = std::chrono::steady_clock::now();
        const uint64_t quantum = m_options.os.quantum;
        m_left = m_options.limit ? m_options.limit : ~0ull;
        m_next_progress = kProgressStep;
        m_os.start_measuring();
        if (m_caches) m_caches->reset_stats();
        if (m_os.cached_port()) m_os.cached_port()->reset_cycles();

        const unsigned cpus = unsigned(m_queues.size());
        bool any = false;
        for (unsigned cpu = 0; cpu < cpus; ++cpu) {
            CpuQueue& q = m_queues[cpu];
            size_t first;
            if (q.threads.empty() || !next_runnable(q, q.threads.size() - 1, first)) continue;
            m_os.select_cpu(cpu);
            m_os.schedule(m_threads[q.threads[first]].process, false);
            q.current = first;
            q.budget = quantum;
            any = true;
        }
        if (!any) return finish(start);
        // The CPUs take turns of at most kSlice records (one CPU: its whole
        // quantum), so that their threads' events interleave finely.
        const uint64_t slice = cpus == 1 ? ~0ull : kSlice;
        while (any) {
            any = false;
            for (unsigned cpu = 0; cpu < cpus; ++cpu) {
                CpuQueue& q = m_queues[cpu];
                if (q.current == kNone) continue;
                any = true;
                if (cpus > 1) m_os.select_cpu(cpu);
                Thread& t = m_threads[q.threads[q.current]];
                uint64_t turn = std::min(q.budget, slice);
                bool ended = false;
                while (turn && m_left) {
                    if (!t.refill()) {
                        ended = true;
                        break;
                    }
                    const size_t n = size_t(std::min<uint64_t>({t.count - t.pos, turn, m_left}));
                    run_records(t, n);
                    turn -= n;
                    q.budget -= n;
                    m_left -= n;
                    m_result.records += n;
                    m_cpu_records[cpu] += n;
                    if (m_result.records >= m_next_progress) {
                        m_next_progress += kProgressStep;
                        if (m_options.progress) m_options.progress(m_result.records);
                    }
                }
                if (!m_left) {
                    m_result.limited = records_left();
                    return finish(start);
                }
                if (!ended && q.budget) continue;  // the quantum goes on at this CPU's next turn
                size_t next;
                if (!next_runnable(q, q.current, next)) {
                    q.current = kNone;
                    if (cpus > 1) m_os.idle();
                    continue;
                }
                m_os.schedule(m_threads[q.threads[next]].process, !ended);
                q.current = next;
                q.budget = quantum;
            }
        }
        return finish(start);
    }

 private:
    static constexpr uint64_t kProgressStep = 1u << 20;
    static constexpr uint64_t kSlice = 1024;  // records of one CPU's turn with several CPUs
    static constexpr size_t kNone = ~size_t(0);

    // One CPU's run queue: the threads placed on it and the one it runs.
    struct CpuQueue {
        std::vector<size_t> threads;  // indices into m_threads
        size_t current = kNone;       // position in `threads`
        uint64_t budget = 0;          // records left in the current quantum
    };

    unsigned process_of(const Thread& t, uint32_t context) {
        const auto key = std::make_tuple(t.argument, t.stream_process, context);
        auto it = m_processes.find(key);
        if (it != m_processes.end()) return it->second;
        const unsigned p = m_os.create_process();
        m_processes.emplace(key, p);
        return p;
    }

    // The first thread of `q` after position `from` (round robin, `from`
    // itself last) that still has records; binds it to its address space.
    bool next_runnable(const CpuQueue& q, size_t from, size_t& next) {
        for (size_t i = 1; i <= q.threads.size(); ++i) {
            const size_t k = (from + i) % q.threads.size();
            Thread& t = m_threads[q.threads[k]];
            if (!t.refill()) continue;
            if (!t.bound) {
                t.context = t.contexts ? t.buffer[t.pos].context : 0;
                t.process = process_of(t, t.context);
                t.bound = true;
            }
            next = k;
            return true;
        }
        return false;
    }

    // Whether any thread still has records (the limit stopped the replay).
    bool records_left() {
        for (const CpuQueue& q : m_queues) {
            size_t next;
            if (!q.threads.empty() && next_runnable(q, q.current == kNone ? q.threads.size() - 1 : q.current, next))
                return true;
        }
        return false;
    }

    // A record of another address space in a trace that carries them: the
    // OS switches to it (kernel entry, switch_mm, return to user).
    void switch_context(Thread& t, uint32_t context) {
        t.context = context;
        t.process = process_of(t, context);
        m_os.schedule(t.process, false);
    }

    void control(Thread& t, const Record& r) {
        switch (r.kind) {
            case RecordKind::cr3_write:
                t.context = r.context;
                t.process = process_of(t, r.context);
                m_os.trace_cr3_write(t.process, r.pcid, r.noflush);
                break;
            case RecordKind::invlpg: m_os.trace_invlpg(r.address); break;
            case RecordKind::invpcid: m_os.trace_invpcid(r.type, r.pcid, r.address); break;
            case RecordKind::context_switch: switch_context(t, r.context); break;
            case RecordKind::unmap:
            case RecordKind::protect:
            case RecordKind::drop:
                // An event of another address space of the trace switches to it first, as an access does.
                if (t.contexts && r.context != t.context) switch_context(t, r.context);
                if (r.kind == RecordKind::unmap) m_os.unmap(r.address, r.pages);
                else if (r.kind == RecordKind::drop) m_os.drop(r.address, r.pages);
                else m_os.protect(r.address, r.pages, r.type);
                break;
            default: break;
        }
    }

    void run_records(Thread& t, size_t n) {
        if (m_caches) run_records_through<true>(t, n);
        else run_records_through<false>(t, n);
    }

    // One access: translated (demand paging included), then, with the
    // caches, its data at the physical address. A translation that still
    // faults after the handler reaches no cache (the OS model skipped it).
    template <bool kCaches>
    void access(Mmu& mmu, uint64_t va, AccessType type, unsigned kind) {
        if (!kCaches) return m_os.replay_access(mmu, va, type);
        static constexpr cache::Requester kRequesters[3] = {cache::Requester::fetch, cache::Requester::load,
                                                            cache::Requester::store};
        uint64_t pa = 0;
        if (__builtin_expect(m_os.replay_access(mmu, va, type, pa), 1)) m_caches->access(pa, kRequesters[kind], kind == 2);
    }

    // The hot loop: no allocation, no virtual call per record.
    template <bool kCaches>
    void run_records_through(Thread& t, size_t n) {
        static constexpr AccessType kTypes[3] = {AccessType::fetch, AccessType::read, AccessType::write};
        const Record* r = t.buffer.get() + t.pos;
        const Record* const end = r + n;
        t.pos += n;
        uint64_t counts[3] = {};
        uint64_t crossings = 0;
        const bool contexts = t.contexts;  // kept in a register across the loop
        Mmu& mmu = m_os.mmu();             // the CPU's: control records and events do not change it
        for (; r != end; ++r) {
            const unsigned kind = unsigned(r->kind);
            if (__builtin_expect(kind > 2, 0)) {
                control(t, *r);
                continue;
            }
            if (contexts && __builtin_expect(r->context != t.context, 0)) switch_context(t, r->context);
            ++counts[kind];
            const AccessType type = kTypes[kind];
            access<kCaches>(mmu, r->address, type, kind);
            // An access that spills into the next page translates that page
            // too. The 4 KiB test is the cheap filter; the page the first
            // translation used (4 KiB, 2 MiB or 1 GiB) decides.
            if (__builtin_expect(may_cross_page(r->address, r->size), 0)) {
                const uint64_t room = m_os.bytes_left_in_page(r->address, type);
                if (room < r->size) {
                    ++crossings;
                    access<kCaches>(mmu, r->address + room, type, kind);
                }
            }
        }
        m_result.instructions += counts[0];
        m_result.loads += counts[1];
        m_result.stores += counts[2];
        m_result.page_crossings += crossings;
    }

    ReplayResult finish(std::chrono::steady_clock::time_point start) {
        m_result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        m_result.accesses = m_result.instructions + m_result.loads + m_result.stores;
        m_result.translations = m_result.accesses + m_result.page_crossings;
        const machine::Machine& machine = m_os.machine();
        m_result.mmu = machine.cpu(0).mmu.stats();
        for (unsigned i = 1; i < machine.size(); ++i) add(m_result.mmu, machine.cpu(i).mmu.stats());
        if (machine.size() > 1) m_result.mmu.derive();
        for (unsigned i = 0; i < machine.size(); ++i) {
            CpuResult c;
            c.records = m_cpu_records[i];
            c.translations = machine.cpu(i).mmu.stats().translations;
            c.shootdowns = m_os.shootdowns_by(i);
            c.smp = machine.cpu(i).stats;
            m_result.cpus.push_back(c);
        }
        m_result.smp_total = machine.total_stats();
        for (const Thread& t : m_threads) m_result.reader += t.reader->stats();
        m_result.instructions += m_result.reader.unfetched_instructions;  // executed, never fetched
        m_result.os = m_os.stats();
        if (m_caches) {
            m_result.cache = m_caches->stats();
            m_result.has_l1i = m_caches->has_l1i();
            m_result.cache_l1i = m_caches->l1i_stats();
            m_result.cache_memory_reads = m_caches->memory_reads();
            m_result.cache_memory_writes = m_caches->memory_writes();
            m_result.walk_cache_cycles = m_os.cached_port()->cycles();
            m_result.walk_flat_cycles = m_os.cached_port()->flat_cycles();
        }
        const os::BuddyAllocator& b = m_os.buddy();
        m_result.free_frames = b.free_frames();
        m_result.unusable_index_order9 = b.unusable_index(9);
        m_result.buddy_splits = b.stats().splits;
        m_result.buddy_merges = b.stats().merges;
        return std::move(m_result);
    }

    const ReplayOptions& m_options;
    std::unique_ptr<cache::Hierarchy> m_caches;  // before m_os, whose walker uses it
    os::OsModel m_os;
    std::vector<Thread> m_threads;
    std::map<std::tuple<unsigned, uint32_t, uint32_t>, unsigned> m_processes;
    std::vector<CpuQueue> m_queues;        // one per CPU
    std::vector<uint64_t> m_cpu_records;   // records each CPU ran
    ReplayResult m_result;
    uint64_t m_left = 0;
    uint64_t m_next_progress = 0;
};

}  // namespace

settings::Target settings_target(ReplayOptions& options) {
    settings::Target target;
    target.bind(mmu_settings(), options.mmu)
        .bind(os::os_settings_group(), options.os)
        .bind(cache::cache_settings(), options.cache)
        .bind(machine::smp_settings(), options.smp);
    return target;
}

ReplayResult replay(const std::vector<std::string>& traces, const ReplayOptions& options) {
    if (traces.empty()) throw trace::TraceError("no trace given");
    std::vector<Source> sources;
    for (const std::string& arg : traces) {
        Source s;
        s.name = arg;
        s.streams = open_argument(arg, options.format, options.interleave);
        s.format = synth::is_synthetic_spec(arg) ? "synthetic" : s.streams[0].reader->format();
        sources.push_back(std::move(s));
    }
    return replay(std::move(sources), options);
}

ReplayResult replay(std::vector<Source> sources, const ReplayOptions& options) {
    if (sources.empty()) throw trace::TraceError("no trace given");
    Replayer replayer(std::move(sources), options);
    return replayer.run();
}

uint64_t decode_only(const std::vector<std::string>& traces, const std::string& format) {
    std::unique_ptr<Record[]> buffer(new Record[kBatch]);
    uint64_t records = 0;
    uint64_t checksum = 0;
    for (const std::string& arg : traces) {
        for (trace::Stream& s : open_argument(arg, format)) {
            for (size_t n; (n = s.reader->read(buffer.get(), kBatch));) {
                records += n;
                for (size_t i = 0; i < n; ++i) checksum += buffer[i].address;  // touch what was decoded
            }
        }
    }
    asm volatile("" : : "r"(checksum));  // keeps the decoded addresses live
    return records;
}

}  // namespace tlmmu::replay
