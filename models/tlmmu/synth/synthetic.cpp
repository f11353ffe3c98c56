// Synthetic trace generators (see synthetic.h and traces/README.md).
#include "tlmmu/synth/synthetic.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <vector>

#include "tlmmu/core/splitmix64.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::synth {
namespace {

using trace::Record;
using trace::RecordKind;
using trace::TraceError;

constexpr const char* kPrefix = "synth:";
constexpr uint64_t kUserTop = uint64_t(1) << 47;  // first non-canonical user address (4-level paging)
constexpr uint64_t kMaxChasePages = uint64_t(1) << 26;

// The generators' random source; its bounded draw is part of every seeded
// trace's definition (traces/README.md), so it never changes.
class SplitMix64 : public tlmmu::SplitMix64 {
 public:
    using tlmmu::SplitMix64::SplitMix64;
    // Uniform in [0, bound) (multiply-shift; the bias is below 2^-32 for the bounds used here).
    uint64_t below(uint64_t bound) { return uint64_t((static_cast<unsigned __int128>(next()) * bound) >> 64); }
};

// Keys every pattern accepts.
const char* const kCommonKeys[] = {"base", "page", "size", "write_percent", "fetch", "code_pages", "code_base", "seed"};

struct PatternKeys {
    SyntheticSpec::Pattern pattern;
    const char* name;
    std::vector<std::string> required;
    std::vector<std::string> optional;
};

const std::vector<PatternKeys>& pattern_table() {
    using P = SyntheticSpec::Pattern;
    static const std::vector<PatternKeys> table = {
        {P::sequential, "sequential", {"pages"}, {"passes", "stride"}},
        {P::stride, "stride", {"stride", "count"}, {"passes"}},
        {P::random, "random", {"pages", "accesses"}, {}},
        {P::chase, "chase", {"pages"}, {"passes", "accesses"}},
        {P::mixed, "mixed", {"hot", "cold", "accesses"}, {"hot_percent"}},
        {P::gc, "gc", {}, {"threads", "processes", "heap", "region", "unmap_period", "share_percent", "release", "accesses"}},
    };
    return table;
}

[[noreturn]] void fail(const std::string& spec, const std::string& what) { throw TraceError(spec + ": " + what); }

uint64_t checked_mul(const std::string& spec, uint64_t a, uint64_t b, const char* what) {
    if (a != 0 && b > UINT64_MAX / a) fail(spec, std::string(what) + " overflows 64 bits");
    return a * b;
}

}  // namespace

const settings::Group<SyntheticSpec>& synth_settings() {
    static const settings::Group<SyntheticSpec> group = [] {
        settings::Group<SyntheticSpec> g("synth", "Synthetic traces: keys of a `synth:PATTERN,KEY=VALUE,...` spec (traces/README.md)");
        g.integer("base", &SyntheticSpec::base).unit("address").doc("first data byte (1 GiB aligned so 2M/1G pages fit)");
        g.integer("page", &SyntheticSpec::page).unit("bytes").doc("granule the pattern counts pages in");
        g.integer("pages", &SyntheticSpec::pages).unit("pages").doc("sequential/random/chase: pages touched");
        g.integer("passes", &SyntheticSpec::passes).doc("sequential/stride/chase: repetitions of the pattern");
        g.integer("stride", &SyntheticSpec::stride).unit("bytes").doc("sequential: step within a page (default: the page); stride: step between accesses");
        g.integer("count", &SyntheticSpec::count).doc("stride: accesses per pass");
        g.integer("accesses", &SyntheticSpec::accesses).doc("random/chase/mixed: data accesses in total (chase default: pages*passes)");
        g.integer("hot", &SyntheticSpec::hot).unit("pages").doc("mixed: pages of the hot set");
        g.integer("cold", &SyntheticSpec::cold).unit("pages").doc("mixed: pages of the cold set (placed after the hot set)");
        g.integer("hot_percent", &SyntheticSpec::hot_percent).unit("%").range(0, 100).doc("mixed: share of accesses that go to the hot set");
        g.integer("seed", &SyntheticSpec::seed).doc("seed of the pattern and of the store choice");
        g.integer("size", &SyntheticSpec::size).unit("bytes").doc("bytes per data access (at most 255 and the page)");
        g.integer("write_percent", &SyntheticSpec::write_percent).unit("%").range(0, 100).doc("share of data accesses that are stores");
        g.integer("fetch", &SyntheticSpec::fetch).doc("instruction fetches before each data access");
        g.integer("code_pages", &SyntheticSpec::code_pages).unit("pages").doc("pages of the loop body the fetches walk through");
        g.integer("code_base", &SyntheticSpec::code_base).unit("address").doc("first instruction byte");
        g.integer("threads", &SyntheticSpec::threads).range(1, 1024).doc("gc: threads per process (one stream each)");
        g.integer("processes", &SyntheticSpec::processes).range(1, 1024).doc("gc: processes, each with its own heap");
        g.integer("heap", &SyntheticSpec::heap).unit("bytes").doc("gc: heap bytes per process, from base");
        g.integer("region", &SyntheticSpec::region).unit("bytes").doc("gc: region bytes (multiple of 4 KiB); at least 2 regions per thread");
        g.integer("unmap_period", &SyntheticSpec::unmap_period).min(1).doc("gc: data accesses of a thread between collections");
        g.integer("share_percent", &SyntheticSpec::share_percent).unit("%").range(0, 100).doc("gc: share of reads to other threads' regions");
        g.choice("release", &SyntheticSpec::release,
                 {{"unmap", SyntheticSpec::Release::unmap}, {"drop", SyntheticSpec::Release::drop},
                  {"protect", SyntheticSpec::Release::protect}})
            .doc("gc: what a collection does to the oldest region: unmap (munmap), drop (madvise DONTNEED), protect (read-only)");
        return g;
    }();
    return group;
}

bool is_synthetic_spec(const std::string& arg) { return arg.compare(0, std::strlen(kPrefix), kPrefix) == 0; }

uint64_t SyntheticSpec::data_accesses() const {
    switch (pattern) {
        case Pattern::sequential: return pages * ((page + stride - 1) / stride) * passes;
        case Pattern::stride: return count * passes;
        case Pattern::random:
        case Pattern::chase:
        case Pattern::mixed: return accesses;
        case Pattern::gc: return accesses * threads * processes;
    }
    return 0;
}

SyntheticSpec parse_synthetic_spec(const std::string& spec) {
    if (!is_synthetic_spec(spec)) fail(spec, "a synthetic trace spec starts with 'synth:'");
    std::vector<std::string> fields;
    {
        std::stringstream in(spec.substr(std::strlen(kPrefix)));
        std::string field;
        while (std::getline(in, field, ',')) fields.push_back(field);
    }
    if (fields.empty() || fields[0].empty())
        fail(spec, "missing pattern (sequential, stride, random, chase, mixed or gc)");
    const PatternKeys* keys = nullptr;
    for (const PatternKeys& k : pattern_table())
        if (fields[0] == k.name) keys = &k;
    if (!keys) fail(spec, "unknown pattern " + settings::quoted(fields[0]) + " (known: sequential, stride, random, chase, mixed, gc)");

    std::set<std::string> allowed(std::begin(kCommonKeys), std::end(kCommonKeys));
    allowed.insert(keys->required.begin(), keys->required.end());
    allowed.insert(keys->optional.begin(), keys->optional.end());

    SyntheticSpec s;
    s.pattern = keys->pattern;
    if (s.pattern == SyntheticSpec::Pattern::gc) {  // defaults of the gc loop
        s.accesses = 100000;
        s.write_percent = 30;
    }
    std::set<std::string> values;
    for (size_t i = 1; i < fields.size(); ++i) {
        const std::string& field = fields[i];
        const size_t eq = field.find('=');
        if (eq == std::string::npos || eq == 0) fail(spec, settings::quoted(field) + " is not key=value");
        const std::string key = field.substr(0, eq);
        if (!allowed.count(key)) {
            std::string known;
            for (const std::string& k : allowed) known += (known.empty() ? "" : ", ") + k;
            fail(spec, "unknown key " + settings::quoted(key) + " for pattern " + settings::quoted(keys->name) + " (known: " + known + ")");
        }
        if (!values.insert(key).second) fail(spec, "key " + settings::quoted(key) + " given twice");
        const std::string value = field.substr(eq + 1);
        if (value.empty()) fail(spec, "key " + settings::quoted(key) + " has no value");
        try {
            synth_settings().apply(s, key, value, true);
        } catch (const ConfigError& e) {
            // "synth.KEY: reason" -> "key 'KEY': reason"
            std::string why = e.what();
            const std::string prefix = "synth." + key + ": ";
            if (why.compare(0, prefix.size(), prefix) == 0) why.erase(0, prefix.size());
            fail(spec, "key " + settings::quoted(key) + ": " + why);
        }
    }
    for (const std::string& k : keys->required)
        if (!values.count(k)) fail(spec, "pattern " + settings::quoted(std::string(keys->name)) + " needs key " + settings::quoted(k));
    if (s.pattern == SyntheticSpec::Pattern::sequential && !values.count("stride")) s.stride = s.page;
    if (s.pattern == SyntheticSpec::Pattern::chase && !values.count("accesses"))
        s.accesses = checked_mul(spec, s.pages, s.passes, "pages*passes");

    auto positive = [&](const char* key, uint64_t v) {
        if (v == 0) fail(spec, std::string("key '") + key + "' must be positive");
    };
    positive("page", s.page);
    positive("size", s.size);
    positive("passes", s.passes);
    if (s.size > 255 || s.size > s.page) fail(spec, "key 'size' must be at most 255 and at most the page size");
    if (s.fetch > 0) positive("code_pages", s.code_pages);

    uint64_t extent = 0;  // bytes of data address space the pattern spans
    switch (s.pattern) {
        case SyntheticSpec::Pattern::sequential:
            positive("pages", s.pages);
            positive("stride", s.stride);
            if (s.stride > s.page) fail(spec, "key 'stride' must be at most the page size (use pattern 'stride' for larger steps)");
            extent = checked_mul(spec, s.pages, s.page, "pages*page");
            break;
        case SyntheticSpec::Pattern::stride:
            positive("stride", s.stride);
            positive("count", s.count);
            extent = checked_mul(spec, s.count, s.stride, "count*stride");
            break;
        case SyntheticSpec::Pattern::random:
        case SyntheticSpec::Pattern::chase:
            positive("pages", s.pages);
            // The chase keeps its permutation in memory: 4 bytes a page, at most 256 MiB.
            if (s.pattern == SyntheticSpec::Pattern::chase && s.pages > kMaxChasePages)
                fail(spec, "key 'pages' must be at most " + std::to_string(kMaxChasePages) + " for a chase");
            extent = checked_mul(spec, s.pages, s.page, "pages*page");
            break;
        case SyntheticSpec::Pattern::mixed:
            positive("hot", s.hot);
            positive("cold", s.cold);
            extent = checked_mul(spec, s.hot + s.cold, s.page, "(hot+cold)*page");
            break;
        case SyntheticSpec::Pattern::gc:
            positive("accesses", s.accesses);
            positive("region", s.region);
            if (s.region % 4096) fail(spec, "key 'region' must be a multiple of 4 KiB (events name whole pages)");
            if (s.region > (uint64_t(UINT32_MAX) << 12)) fail(spec, "key 'region' is too large for one event record");
            if (s.base % 4096) fail(spec, "key 'base' must be 4 KiB aligned for gc (regions are unmapped whole)");
            if (s.size > s.region) fail(spec, "key 'size' must be at most the region");
            if (s.page > s.region) fail(spec, "key 'page' must be at most the region");
            if (s.regions_per_thread() < 2)
                fail(spec, "keys 'heap', 'region' and 'threads': heap / region / threads must be at least 2 (a region to allocate into and one to read)");
            extent = s.heap;
            checked_mul(spec, s.accesses, s.threads * s.processes, "accesses*threads*processes");
            break;
    }
    if (s.base >= kUserTop || extent > kUserTop - s.base)
        fail(spec, "the data region (key 'base' + pattern extent) leaves the 47-bit user address space");
    const uint64_t code_extent = checked_mul(spec, s.code_pages, s.page, "code_pages*page");
    if (s.fetch > 0 && (s.code_base >= kUserTop || code_extent > kUserTop - s.code_base))
        fail(spec, "the code region (key 'code_base') leaves the 47-bit user address space");
    checked_mul(spec, s.data_accesses(), s.fetch + 1, "the number of records");
    return s;
}

namespace {

class SyntheticReader : public trace::Reader {
 public:
    SyntheticReader(const SyntheticSpec& spec, std::string name)
        : m_spec(spec),
          m_name(std::move(name)),
          m_total(spec.data_accesses()),
          m_pattern_rng(spec.seed),
          m_store_rng(spec.seed ^ 0x5f0e5f0e5f0e5f0eull),
          m_code_instructions(std::max<uint64_t>(1, spec.code_pages * spec.page / 4)) {
        if (spec.pattern == SyntheticSpec::Pattern::sequential)
            m_per_page = (spec.page + spec.stride - 1) / spec.stride;
        if (spec.pattern == SyntheticSpec::Pattern::chase) build_cycle();
    }

    size_t read(Record* out, size_t capacity) override {
        size_t n = 0;
        while (n < capacity) {
            if (m_fetches_left > 0) {
                Record& r = out[n++];
                r = Record{};
                r.kind = RecordKind::fetch;
                r.size = 4;
                r.address = m_spec.code_base + m_pc * 4;
                if (++m_pc == m_code_instructions) m_pc = 0;
                --m_fetches_left;
                continue;
            }
            if (m_data_done == m_total) break;
            if (m_spec.fetch > 0 && !m_fetched_for_current) {
                m_fetches_left = m_spec.fetch;
                m_fetched_for_current = true;
                continue;
            }
            Record& r = out[n++];
            r = Record{};
            r.size = uint8_t(m_spec.size);
            r.address = next_data_address();
            r.kind = is_store() ? RecordKind::store : RecordKind::load;
            ++m_data_done;
            m_fetched_for_current = false;
        }
        m_records += n;
        return n;
    }

    std::string position() const override { return m_name + ": record " + std::to_string(m_records); }
    const char* format() const override { return "synthetic"; }

 private:
    bool is_store() {
        if (m_spec.write_percent == 0) return false;
        if (m_spec.write_percent >= 100) return true;
        return m_store_rng.below(100) < m_spec.write_percent;
    }

    // A random offset inside a page, aligned to the access size.
    uint64_t random_offset() { return m_pattern_rng.below(m_spec.page / m_spec.size) * m_spec.size; }

    uint64_t next_data_address() {
        const SyntheticSpec& s = m_spec;
        switch (s.pattern) {
            case SyntheticSpec::Pattern::sequential: {
                const uint64_t a = s.base + m_page_index * s.page + m_in_page * s.stride;
                if (++m_in_page == m_per_page) {
                    m_in_page = 0;
                    if (++m_page_index == s.pages) m_page_index = 0;
                }
                return a;
            }
            case SyntheticSpec::Pattern::stride: {
                const uint64_t a = s.base + m_page_index * s.stride;
                if (++m_page_index == s.count) m_page_index = 0;
                return a;
            }
            case SyntheticSpec::Pattern::random: {
                const uint64_t page = m_pattern_rng.below(s.pages);
                return s.base + page * s.page + random_offset();
            }
            case SyntheticSpec::Pattern::chase: {
                const uint64_t page = m_page_index;
                m_page_index = m_next[page];
                // One fixed line per page (as a linked list would have), chosen by the page.
                const uint64_t lines = std::max<uint64_t>(1, s.page / 64);
                uint64_t offset = (SplitMix64(s.seed + page).next() % lines) * 64 % s.page;
                if (offset + s.size > s.page) offset = s.page - s.size;  // stay inside the page
                return s.base + page * s.page + offset / s.size * s.size;
            }
            case SyntheticSpec::Pattern::mixed: {
                const bool hot = m_pattern_rng.below(100) < s.hot_percent;
                const uint64_t page = hot ? m_pattern_rng.below(s.hot) : s.hot + m_pattern_rng.below(s.cold);
                return s.base + page * s.page + random_offset();
            }
            case SyntheticSpec::Pattern::gc: break;  // GcReader
        }
        return s.base;
    }

    // Sattolo's algorithm: a uniformly random permutation with a single cycle,
    // so the chase visits every page once per pass, in a fixed random order.
    void build_cycle() {
        std::vector<uint32_t> order(m_spec.pages);
        for (uint64_t i = 0; i < m_spec.pages; ++i) order[i] = uint32_t(i);
        for (uint64_t i = m_spec.pages - 1; i > 0; --i) std::swap(order[i], order[m_pattern_rng.below(i)]);
        m_next.assign(m_spec.pages, 0);
        for (uint64_t i = 0; i < m_spec.pages; ++i) m_next[order[i]] = order[(i + 1) % m_spec.pages];
        m_page_index = order[0];
    }

    SyntheticSpec m_spec;
    std::string m_name;
    uint64_t m_total;
    SplitMix64 m_pattern_rng;
    SplitMix64 m_store_rng;
    uint64_t m_code_instructions;
    uint64_t m_per_page = 1;
    uint64_t m_page_index = 0;  // sequential/chase: the current page; stride: the access within the pass
    uint64_t m_in_page = 0;
    uint64_t m_data_done = 0;
    uint64_t m_fetches_left = 0;
    bool m_fetched_for_current = false;
    uint64_t m_pc = 0;
    uint64_t m_records = 0;
    std::vector<uint32_t> m_next;  // chase: the page after each page
};

// One thread of the gc loop. Every thread of a process makes the same
// choices of time (collections every unmap_period data accesses), so a
// thread knows which region every other thread allocates into now and reads
// only the older ones; the replay runs the threads of different CPUs in
// small turns, close to that lockstep.
class GcReader : public trace::Reader {
 public:
    GcReader(const SyntheticSpec& spec, std::string name, uint64_t process, uint64_t thread)
        : m_spec(spec),
          m_name(std::move(name)),
          m_thread(thread),
          m_regions(spec.regions_per_thread()),
          m_rng(spec.seed ^ (process * 0x9e3779b97f4a7c15ull) ^ ((thread + 1) * 0xc2b2ae3d27d4eb4full)),
          m_code_instructions(std::max<uint64_t>(1, spec.code_pages * spec.page / 4)) {}

    size_t read(Record* out, size_t capacity) override {
        const SyntheticSpec& s = m_spec;
        size_t n = 0;
        while (n < capacity) {
            if (m_fetches_left > 0) {
                Record& r = out[n++];
                r = Record{};
                r.kind = RecordKind::fetch;
                r.size = 4;
                r.address = s.code_base + m_pc * 4;
                if (++m_pc == m_code_instructions) m_pc = 0;
                --m_fetches_left;
                continue;
            }
            if (m_done == s.accesses) break;
            if (m_done && m_done % s.unmap_period == 0 && m_collected != m_done) {
                // Collection: the oldest region is released and allocated into next.
                m_collected = m_done;
                m_current = (m_done / s.unmap_period) % m_regions;
                m_bump = 0;
                const RecordKind kind = s.release == SyntheticSpec::Release::unmap ? RecordKind::unmap
                                        : s.release == SyntheticSpec::Release::drop ? RecordKind::drop
                                                                                    : RecordKind::protect;
                out[n++] = trace::event_record(kind, region_base(m_thread, m_current), uint32_t(s.region >> 12), 0,
                                               kind == RecordKind::protect ? trace::prot::READ : 0);
                continue;
            }
            if (s.fetch > 0 && !m_fetched_for_current) {
                m_fetches_left = s.fetch;
                m_fetched_for_current = true;
                continue;
            }
            Record& r = out[n++];
            r = Record{};
            r.size = uint8_t(s.size);
            if (store()) {
                // Bump allocation in the current region.
                if (m_bump + s.size > s.region) m_bump = 0;
                r.kind = RecordKind::store;
                r.address = region_base(m_thread, m_current) + m_bump;
                m_bump += s.size;
            } else {
                // A read of an older region, this thread's or another's.
                uint64_t owner = m_thread;
                if (s.threads > 1 && m_rng.below(100) < s.share_percent)
                    owner = (m_thread + 1 + m_rng.below(s.threads - 1)) % s.threads;
                const uint64_t region = (m_current + 1 + m_rng.below(m_regions - 1)) % m_regions;
                const uint64_t page = m_rng.below(s.region / s.page);
                r.kind = RecordKind::load;
                r.address = region_base(owner, region) + page * s.page + m_rng.below(s.page / s.size) * s.size;
            }
            ++m_done;
            m_fetched_for_current = false;
        }
        m_records += n;
        return n;
    }

    std::string position() const override { return m_name + ": record " + std::to_string(m_records); }
    const char* format() const override { return "synthetic"; }

 private:
    bool store() {
        if (m_spec.write_percent == 0) return false;
        if (m_spec.write_percent >= 100) return true;
        return m_rng.below(100) < m_spec.write_percent;
    }
    // Regions of the threads interleave: region k of thread t is the heap's
    // region k * threads + t.
    uint64_t region_base(uint64_t thread, uint64_t k) const {
        return m_spec.base + (k * m_spec.threads + thread) * m_spec.region;
    }

    SyntheticSpec m_spec;
    std::string m_name;
    uint64_t m_thread;
    uint64_t m_regions;
    SplitMix64 m_rng;
    uint64_t m_code_instructions;
    uint64_t m_current = 0;    // region the thread allocates into
    uint64_t m_bump = 0;       // allocation offset in it
    uint64_t m_done = 0;       // data accesses made
    uint64_t m_collected = 0;  // m_done at the last collection
    uint64_t m_fetches_left = 0;
    bool m_fetched_for_current = false;
    uint64_t m_pc = 0;
    uint64_t m_records = 0;
};

}  // namespace

std::unique_ptr<trace::Reader> make_synthetic_reader(const SyntheticSpec& spec, const std::string& name) {
    if (spec.pattern == SyntheticSpec::Pattern::gc) {
        if (spec.streams() != 1)
            fail(name, "threads x processes is " + std::to_string(spec.streams()) +
                           ": a gc trace of several threads is several streams (replay the spec itself)");
        return make_gc_reader(spec, name, 0, 0);
    }
    return std::make_unique<SyntheticReader>(spec, name);
}

std::unique_ptr<trace::Reader> make_gc_reader(const SyntheticSpec& spec, const std::string& name, uint64_t process,
                                              uint64_t thread) {
    return std::make_unique<GcReader>(spec, name, process, thread);
}

std::unique_ptr<trace::Reader> open_synthetic(const std::string& spec) {
    return make_synthetic_reader(parse_synthetic_spec(spec), spec);
}

std::vector<trace::Stream> open_synthetic_streams(const std::string& text) {
    const SyntheticSpec spec = parse_synthetic_spec(text);
    std::vector<trace::Stream> streams;
    if (spec.pattern != SyntheticSpec::Pattern::gc) {
        trace::Stream s;
        s.reader = make_synthetic_reader(spec, text);
        s.name = text;
        streams.push_back(std::move(s));
        return streams;
    }
    for (uint64_t p = 0; p < spec.processes; ++p) {
        for (uint64_t t = 0; t < spec.threads; ++t) {
            trace::Stream s;
            s.name = text + " (process " + std::to_string(p) + ", thread " + std::to_string(t) + ")";
            s.reader = make_gc_reader(spec, s.name, p, t);
            s.process = uint32_t(p + 1);
            s.thread = uint32_t(t);
            streams.push_back(std::move(s));
        }
    }
    return streams;
}

}  // namespace tlmmu::synth
