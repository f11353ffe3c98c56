#include "scenario_parser.h"

#include <cctype>
#include <limits>
#include <map>
#include <sstream>

#include "scenario_smp.h"
#include "scenario_stats.h"
#include "tlmmu/core/config.h"
#include "tlmmu/settings/parse.h"

namespace tlmmu::scenario {

const char* to_string(Register r) {
    switch (r) {
        case Register::cr0: return "cr0";
        case Register::cr4: return "cr4";
        case Register::efer: return "efer";
    }
    return "?";
}

namespace {

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace((unsigned char)s[b])) ++b;
    while (e > b && std::isspace((unsigned char)s[e - 1])) --e;
    return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        const size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) return parts;
        start = end + 1;
    }
}

// Decimal, 0x hex or 0b binary; '_' may separate digits (0xffff_8000_0000_0000).
bool parse_number(const std::string& text, uint64_t& out) {
    std::string digits;
    for (char c : text)
        if (c != '_') digits += c;
    unsigned base = 10;
    size_t i = 0;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) base = 16, i = 2;
    else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')) base = 2, i = 2;
    if (i == digits.size()) return false;
    uint64_t value = 0;
    for (; i < digits.size(); ++i) {
        const char c = char(std::tolower((unsigned char)digits[i]));
        unsigned d;
        if (c >= '0' && c <= '9') d = unsigned(c - '0');
        else if (c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
        else return false;
        if (d >= base) return false;
        if (value > (std::numeric_limits<uint64_t>::max() - d) / base) return false;
        value = value * base + d;
    }
    out = value;
    return true;
}

// A byte count with an optional binary suffix: 4g, 512m, 64k, 0x100000.
bool parse_bytes(const std::string& text, uint64_t& out) {
    if (text.empty()) return false;
    unsigned shift = 0;
    std::string digits = text;
    switch (std::tolower((unsigned char)text.back())) {
        case 'k': shift = 10; break;
        case 'm': shift = 20; break;
        case 'g': shift = 30; break;
        case 't': shift = 40; break;
        default: break;
    }
    if (shift) digits.pop_back();
    uint64_t v = 0;
    if (!parse_number(digits, v) || (shift && v > (std::numeric_limits<uint64_t>::max() >> shift))) return false;
    out = v << shift;
    return true;
}

// The synopsis of each statement, quoted when an argument is missing.
const std::map<std::string, std::string>& synopses() {
    static const std::map<std::string, std::string> table = {
        {"config", "config KEY = VALUE"},
        {"memory", "memory [size=BYTES] [latency=CYCLES] [tables=PA]"},
        {"paging", "paging 4level|5level"},
        {"space", "space NAME"},
        {"use", "use NAME"},
        {"map", "map VA PA 4k|2m|1g [FLAG...] [pkey=N] [tables=LIST]"},
        {"unmap", "unmap VA"},
        {"edit", "edit VA LEVEL [raw=V | copy=VA] [addr=PA] [set=LIST] [clear=LIST] [pkey=N]"},
        {"boot", "boot"},
        {"cr0", "cr0 VALUE | cr0 +BIT -BIT ..."},
        {"cr4", "cr4 VALUE | cr4 +BIT -BIT ..."},
        {"efer", "efer VALUE | efer +BIT -BIT ..."},
        {"cr3", "cr3 NAME|VALUE [pcid=N] [pwt] [pcd] [noflush]"},
        {"pkru", "pkru VALUE"},
        {"ac", "ac 0|1"},
        {"invlpg", "invlpg VA"},
        {"invpcid", "invpcid TYPE [pcid=N | desc=V] [va=VA]"},
        {"on-walk-read", "on-walk-read N CONTROL-STATEMENT | on-walk-read N edit ..."},
        {"read", "read VA [user|supervisor] [implicit] [=> EXPECTATIONS]"},
        {"write", "write VA [user|supervisor] [implicit] [=> EXPECTATIONS]"},
        {"fetch", "fetch VA [user|supervisor] [implicit] [=> EXPECTATIONS]"},
        {"expect-entry", "expect-entry VA LEVEL [has=LIST] [lacks=LIST] [addr=PA] [pkey=N] [value=V]"},
        {"expect-cached", "expect-cached VA l1i|l1d|l2|psc.LEVEL [pcid=N] [pa=PA] [size=S] [granule=S] "
                          "[global=0|1] [dirty=0|1]"},
        {"expect-not-cached", "expect-not-cached VA l1i|l1d|l2|psc.LEVEL [pcid=N]"},
        {"expect-stat", "expect-stat PATH = N"},
        {"expect-reg", "expect-reg cr0|cr2|cr3|cr4|efer|pkru|pcid = VALUE"},
        {"reset-stats", "reset-stats"},
        {"poke", "poke PA VALUE"},
        {"expect-mem", "expect-mem PA VALUE [mask=M]"},
        {"load-image", "load-image FILE"},
        {"expect-line", "expect-line PA l1d|l2|llc|memory"},
        // many CPUs
        {"cpu", "cpu N"},
        {"advance", "advance CYCLES"},
        {"ipi", "ipi TARGETS [nowait] [=> EXPECTATIONS]"},
        {"shootdown", "shootdown TARGETS [va=VA] [pages=N] [stride=4k|2m] [pcid=N] [scope=pages|pcid|all] "
                      "[nowait] [=> EXPECTATIONS]"},
        {"invlpgb", "invlpgb [va=VA] [pcid=N] [asid=N] [global] [final] [nested] [extra=N] [stride=2m] [cpl=N] "
                    "[=> EXPECTATIONS]"},
        {"tlbsync", "tlbsync [cpl=N] [=> EXPECTATIONS]"},
        {"expect-smp", "expect-smp PATH = N"},
    };
    return table;
}

struct NamedBit {
    const char* name;
    unsigned bit;
};

const NamedBit kCr0Bits[] = {{"pe", 0}, {"mp", 1}, {"em", 2},  {"ts", 3},  {"et", 4},  {"ne", 5},
                             {"wp", 16}, {"am", 18}, {"nw", 29}, {"cd", 30}, {"pg", 31}};
const NamedBit kCr4Bits[] = {{"vme", 0},      {"pvi", 1},   {"tsd", 2},      {"de", 3},       {"pse", 4},
                             {"pae", 5},      {"mce", 6},   {"pge", 7},      {"pce", 8},      {"osfxsr", 9},
                             {"osxmmexcpt", 10}, {"umip", 11}, {"la57", 12},   {"vmxe", 13},    {"smxe", 14},
                             {"fsgsbase", 16}, {"pcide", 17}, {"osxsave", 18}, {"smep", 20},    {"smap", 21},
                             {"pke", 22}};
const NamedBit kEferBits[] = {{"sce", 0}, {"lme", 8}, {"lma", 10}, {"nxe", 11}};

// Where an entry-bit name is used: `pat` is bit 7 in a PTE and bit 12 in a
// large-page entry. PML5Es and PML4Es have no PAT (edit may still set their
// reserved PS bit); `tables=` flags have neither, PS would make a leaf.
enum class EntryKind { pte, large_leaf, pde_or_pdpte, pml4_or_pml5, unknown_level, table_flags };

EntryKind kind_of_level(unsigned level) {
    if (level == 0) return EntryKind::unknown_level;
    if (level == 1) return EntryKind::pte;
    if (level <= 3) return EntryKind::pde_or_pdpte;  // a leaf or a table
    return EntryKind::pml4_or_pml5;
}

// Parses one statement line; throws ScenarioError with the line number.
class LineParser {
 public:
    LineParser(unsigned line, std::string text, std::vector<std::string> words, std::vector<std::string> expects)
        : m_line(line), m_text(std::move(text)), m_words(std::move(words)), m_expects(std::move(expects)) {}

    StatementBody parse() {
        const std::string& cmd = m_words[0];
        if (!synopses().count(cmd)) fail("unknown statement " + settings::quoted(cmd));
        if (cmd == "read" || cmd == "write" || cmd == "fetch") return access();
        if (is_control(cmd)) return control();
        if (cmd == "on-walk-read") return on_walk_read();
        if (cmd == "config") return config();
        if (cmd == "expect-stat") return expect_stat();
        if (cmd == "expect-reg") return expect_reg();
        if (is_smp(cmd)) return smp();
        no_expectations();
        if (cmd == "memory") return memory();
        if (cmd == "paging") return paging();
        if (cmd == "space") return SpaceStmt{name(1)};
        if (cmd == "use") return UseStmt{name(1)};
        if (cmd == "map") return map();
        if (cmd == "unmap") {
            UnmapStmt s{number(1, "VA")};
            no_more(2);
            return s;
        }
        if (cmd == "edit") return edit();
        if (cmd == "boot") {
            no_more(1);
            return BootStmt{};
        }
        if (cmd == "ac") {
            const uint64_t v = number(1, "0|1");
            if (v > 1) fail("ac takes 0 or 1, got " + settings::quoted(m_words[1]));
            no_more(2);
            return AcStmt{v == 1};
        }
        if (cmd == "expect-entry") return expect_entry();
        if (cmd == "expect-cached" || cmd == "expect-not-cached") return expect_cached(cmd == "expect-cached");
        if (cmd == "reset-stats") {
            no_more(1);
            return ResetStatsStmt{};
        }
        if (cmd == "poke" || cmd == "expect-mem" || cmd == "load-image") return physical_memory();
        if (cmd == "expect-line") return expect_line();
        fail("statement " + settings::quoted(cmd) + " is listed in synopses() but has no parser");
    }

    static bool is_control(const std::string& cmd) {
        return cmd == "cr0" || cmd == "cr3" || cmd == "cr4" || cmd == "efer" || cmd == "pkru" || cmd == "invlpg" ||
               cmd == "invpcid";
    }

 private:
    [[noreturn]] void fail(const std::string& reason) const { throw ScenarioError(m_line, reason); }

    const std::string& word(size_t i, const char* what) const {
        if (i >= m_words.size())
            fail(std::string("missing ") + what + " (" + synopses().at(m_words[0]) + ")");
        return m_words[i];
    }
    uint64_t number(size_t i, const char* what) const { return to_number(word(i, what), what); }
    uint64_t to_number(const std::string& text, const std::string& what) const {
        uint64_t v = 0;
        if (!parse_number(text, v)) fail("bad number " + settings::quoted(text) + " for " + what);
        return v;
    }
    uint64_t to_bits(const std::string& text, const std::string& what, unsigned bits) const {
        const uint64_t v = to_number(text, what);
        if (bits < 64 && (v >> bits)) fail(what + " " + text + " does not fit in " + std::to_string(bits) + " bits");
        return v;
    }
    bool to_bool(const std::string& text, const std::string& what) const {
        if (text == "0") return false;
        if (text == "1") return true;
        fail(what + " takes 0 or 1, got " + settings::quoted(text));
    }
    void no_more(size_t count) const {
        if (m_words.size() > count) fail("unexpected " + settings::quoted(m_words[count]) + " (" + synopses().at(m_words[0]) + ")");
    }
    void no_expectations() const {
        if (!m_expects.empty()) fail(settings::quoted(m_words[0]) + " takes no '=>' expectations");
    }
    // The NAME of `space` and `use`, the last word of the statement.
    std::string name(size_t i) const {
        const std::string n = valid_name(word(i, "NAME"));
        no_more(i + 1);
        return n;
    }
    std::string valid_name(const std::string& n) const {
        bool ok = std::isalpha((unsigned char)n[0]) || n[0] == '_';
        for (char c : n) ok &= std::isalnum((unsigned char)c) || c == '_' || c == '-';
        if (!ok) fail("bad name " + settings::quoted(n) + " (a letter, then letters, digits, '-' or '_')");
        return n;
    }

    // KEY=VALUE words from `from` on; words without '=' go to `flags`.
    std::map<std::string, std::string> options(size_t from, std::initializer_list<const char*> allowed,
                                               std::vector<std::string>* flags = nullptr) const {
        std::map<std::string, std::string> out;
        for (size_t i = from; i < m_words.size(); ++i) {
            const std::string& w = m_words[i];
            const size_t eq = w.find('=');
            if (eq == std::string::npos) {
                if (!flags) fail("unexpected " + settings::quoted(w) + " (" + synopses().at(m_words[0]) + ")");
                flags->push_back(w);
                continue;
            }
            const std::string key = w.substr(0, eq);
            bool known = false;
            std::string list;
            for (const char* a : allowed) {
                known |= key == a;
                list += std::string(list.empty() ? "" : ", ") + a;
            }
            if (!known) fail("unknown key " + settings::quoted(key) + " for " + m_words[0] + " (allowed: " + list + ")");
            if (out.count(key)) fail(settings::quoted(key) + " given twice");
            if (eq + 1 == w.size()) fail("missing value after " + settings::quoted(key + "="));
            out[key] = w.substr(eq + 1);
        }
        return out;
    }

    // --- entry bits ---------------------------------------------------------
    uint64_t entry_bit(const std::string& n, EntryKind kind) const {
        static const NamedBit bits[] = {{"p", 0},  {"rw", 1}, {"user", 2}, {"us", 2},     {"pwt", 3},
                                        {"pcd", 4}, {"a", 5},  {"d", 6},    {"ps", 7},     {"g", 8},
                                        {"global", 8}, {"nx", 63}, {"xd", 63}};
        for (const NamedBit& b : bits)
            if (n == b.name) {
                if (b.bit == 7 && kind == EntryKind::table_flags) fail("tables= cannot hold ps: it would make a leaf");
                return 1ull << b.bit;
            }
        if (n == "pat") {
            if (kind == EntryKind::pte) return pte::PS;  // bit 7 of a PTE is PAT
            if (kind == EntryKind::large_leaf || kind == EntryKind::pde_or_pdpte) return pte::PAT_LARGE;
            fail("pat needs a leaf level (pt, pd or pdpt)");
        }
        if (n.size() > 3 && n.compare(0, 3, "bit") == 0) {
            uint64_t b = 0;
            if (!parse_number(n.substr(3), b) || b > 63) fail("bad bit " + settings::quoted(n) + " (bit0 .. bit63)");
            return 1ull << b;
        }
        fail("unknown entry bit " + settings::quoted(n) + " (p, rw, user, pwt, pcd, a, d, ps, g, pat, nx, bitN)");
    }
    uint64_t entry_bits(const std::string& list, EntryKind kind) const {
        if (list == "none") return 0;
        uint64_t bits = 0;
        for (const std::string& n : split(list, ',')) {
            if (n.empty()) fail("empty name in list " + settings::quoted(list));
            bits |= entry_bit(n, kind);
        }
        return bits;
    }
    unsigned level(size_t i) const {
        const std::string& text = word(i, "LEVEL");
        if (text == "leaf") return 0;
        unsigned l = 0;
        if (!parse_level(text, l)) fail("unknown level " + settings::quoted(text) + " (pml5, pml4, pdpt, pd, pt, leaf)");
        return l;
    }
    unsigned pkey(const std::string& text) const { return unsigned(to_bits(text, "pkey", 4)); }

    // --- setup ----------------------------------------------------------------
    StatementBody config() const {
        no_expectations();
        // The value may hold spaces ("4k:16x4 2m:8x4"), so split the raw text.
        const std::string rest = trim(m_text.substr(m_words[0].size()));
        const size_t eq = rest.find('=');
        if (eq == std::string::npos) fail("expected 'config KEY = VALUE'");
        ConfigStmt s{trim(rest.substr(0, eq)), trim(rest.substr(eq + 1))};
        if (s.key.empty()) fail("missing KEY (config KEY = VALUE)");
        MmuConfig scratch = MmuConfig::skylake();  // catch unknown keys and bad values now
        machine::SmpConfig smp_scratch;
        cache::CacheConfig cache_scratch;
        try {
            if (is_cache_key(s.key)) cache::apply_cache_setting(cache_scratch, s.key, s.value);
            else if (!machine::apply_smp_setting(smp_scratch, s.key, s.value)) apply_setting(scratch, s.key, s.value);
        } catch (const ConfigError& e) {
            fail(e.what());
        }
        return s;
    }

    StatementBody memory() const {
        const auto o = options(1, {"size", "latency", "tables"});
        if (o.empty()) fail("missing setting (" + synopses().at("memory") + ")");
        MemoryStmt s;
        if (o.count("size")) {
            uint64_t v = 0;
            if (!parse_bytes(o.at("size"), v) || v == 0 || (v & 0xfff)) fail("bad size " + settings::quoted(o.at("size")));
            s.size = v;
        }
        if (o.count("latency")) s.latency = to_bits(o.at("latency"), "latency", 32);
        if (o.count("tables")) {
            s.tables = to_number(o.at("tables"), "tables");
            if (*s.tables & 0xfff) fail("tables must be 4 KiB aligned");
        }
        return s;
    }

    StatementBody paging() const {
        const std::string& mode = word(1, "4level|5level");
        no_more(2);
        if (mode == "4level") return PagingStmt{4};
        if (mode == "5level") return PagingStmt{5};
        fail("unknown paging mode " + settings::quoted(mode) + " (4level, 5level)");
    }

    StatementBody map() const {
        MapStmt s;
        s.va = number(1, "VA");
        s.pa = number(2, "PA");
        if (!parse_page_size(word(3, "SIZE"), s.size)) fail("bad page size " + settings::quoted(m_words[3]) + " (4k, 2m, 1g)");
        std::vector<std::string> flags;
        const auto o = options(4, {"pkey", "tables"}, &flags);
        const EntryKind kind = s.size == PageSize::k4 ? EntryKind::pte : EntryKind::large_leaf;
        for (const std::string& f : flags) {
            if (f == "p" || f == "ps") fail(settings::quoted(f) + " is implied by map");
            s.leaf_flags |= entry_bit(f, kind);
        }
        if (o.count("pkey")) s.leaf_flags |= uint64_t(pkey(o.at("pkey"))) << pte::PKEY_SHIFT;
        if (o.count("tables")) s.table_flags = entry_bits(o.at("tables"), EntryKind::table_flags);
        return s;
    }

    StatementBody edit() const {
        EditStmt s;
        s.va = number(1, "VA");
        s.level = level(2);
        const auto o = options(3, {"raw", "copy", "addr", "set", "clear", "pkey"});
        if (o.empty()) fail("nothing to change (" + synopses().at("edit") + ")");
        if (o.count("raw") && o.count("copy")) fail("raw= and copy= both give the whole entry: use one");
        const EntryKind kind = kind_of_level(s.level);
        if (o.count("raw")) s.raw = to_number(o.at("raw"), "raw");
        if (o.count("copy")) s.copy_from = to_number(o.at("copy"), "copy");
        if (o.count("addr")) s.addr = to_number(o.at("addr"), "addr");
        if (o.count("set")) s.set = entry_bits(o.at("set"), kind);
        if (o.count("clear")) s.clear = entry_bits(o.at("clear"), kind);
        if (o.count("pkey")) s.pkey = pkey(o.at("pkey"));
        if (s.copy_from && s.level == 0) fail("copy= needs a level (pml5, pml4, pdpt, pd or pt)");
        return s;
    }

    // --- control operations -------------------------------------------------
    StatementBody control() const {
        ControlStmt s;
        s.op = control_op();
        s.expect = operation_expectations();
        return s;
    }

    std::variant<RegisterWrite, Cr3Write, PkruWrite, InvlpgOp, InvpcidOp> control_op() const {
        const std::string& cmd = m_words[0];
        if (cmd == "cr0") return register_write(Register::cr0, kCr0Bits, std::size(kCr0Bits));
        if (cmd == "cr4") return register_write(Register::cr4, kCr4Bits, std::size(kCr4Bits));
        if (cmd == "efer") return register_write(Register::efer, kEferBits, std::size(kEferBits));
        if (cmd == "cr3") return cr3();
        if (cmd == "pkru") {
            PkruWrite w{uint32_t(to_bits(word(1, "VALUE"), "pkru", 32))};
            no_more(2);
            return w;
        }
        if (cmd == "invlpg") {
            InvlpgOp op{number(1, "VA")};
            no_more(2);
            return op;
        }
        return invpcid();
    }

    RegisterWrite register_write(Register reg, const NamedBit* bits, size_t count) const {
        RegisterWrite w;
        w.reg = reg;
        word(1, "VALUE or +BIT/-BIT");
        if (m_words[1][0] != '+' && m_words[1][0] != '-') {
            w.value = number(1, "VALUE");
            no_more(2);
            return w;
        }
        for (size_t i = 1; i < m_words.size(); ++i) {
            const std::string& op = m_words[i];
            const std::string n = op.substr(1);
            if ((op[0] != '+' && op[0] != '-') || n.empty())
                fail("expected +BIT or -BIT, got " + settings::quoted(op));
            uint64_t mask = 0;
            for (size_t b = 0; b < count; ++b)
                if (n == bits[b].name) mask = 1ull << bits[b].bit;
            if (!mask) {
                std::string list;
                for (size_t b = 0; b < count; ++b) list += std::string(b ? ", " : "") + bits[b].name;
                fail("unknown " + std::string(to_string(reg)) + " bit " + settings::quoted(n) + " (" + list + ")");
            }
            (op[0] == '+' ? w.set : w.clear) |= mask;
        }
        if (w.set & w.clear) fail("a bit is both set and cleared");
        return w;
    }

    Cr3Write cr3() const {
        Cr3Write w;
        const std::string& target = word(1, "NAME or VALUE");
        if (std::isdigit((unsigned char)target[0])) w.value = number(1, "VALUE");
        else w.space = valid_name(target);
        std::vector<std::string> flags;
        const auto o = options(2, {"pcid"}, &flags);
        if (o.count("pcid")) w.low_bits |= to_bits(o.at("pcid"), "pcid", 12);
        for (const std::string& f : flags) {
            if (f == "pwt") w.low_bits |= cr3::PWT;
            else if (f == "pcd") w.low_bits |= cr3::PCD;
            else if (f == "noflush") w.noflush = true;
            else fail("unexpected " + settings::quoted(f) + " (" + synopses().at("cr3") + ")");
        }
        return w;
    }

    InvpcidOp invpcid() const {
        InvpcidOp op;
        op.type = number(1, "TYPE");
        const auto o = options(2, {"pcid", "desc", "va"});
        if (o.count("pcid") && o.count("desc")) fail("pcid= and desc= both give the descriptor: use one");
        if (o.count("pcid")) op.descriptor = to_bits(o.at("pcid"), "pcid", 12);
        if (o.count("desc")) op.descriptor = to_number(o.at("desc"), "desc");
        if (o.count("va")) op.address = to_number(o.at("va"), "va");
        return op;
    }

    OperationExpectations operation_expectations() const {
        OperationExpectations e;
        for (const auto& [key, value] : expectations({"ok", "fault", "dropped", "cycles"})) {
            if (key == "ok") e.fault = FaultKind::none;
            else if (key == "fault") e.fault = fault_kind(value);
            else if (key == "dropped") e.dropped = unsigned(to_bits(value, "dropped", 32));
            else e.cycles = to_number(value, "cycles");
        }
        return e;
    }

    StatementBody on_walk_read() const {
        const uint64_t reads = number(1, "N");
        if (reads == 0 || reads > 64) fail("on-walk-read: N must be between 1 and 64");
        word(2, "STATEMENT");
        const std::string& cmd = m_words[2];
        if (!is_control(cmd) && cmd != "edit")
            fail("on-walk-read runs a control operation (cr0, cr3, cr4, efer, pkru, invlpg, invpcid) or an edit, "
                 "got " + settings::quoted(cmd));
        LineParser inner(m_line, m_text, std::vector<std::string>(m_words.begin() + 2, m_words.end()), m_expects);
        OnWalkReadStmt s;
        s.reads = unsigned(reads);
        if (cmd == "edit") {
            inner.no_expectations();
            s.action = std::get<EditStmt>(inner.edit());
        } else {
            s.action = std::get<ControlStmt>(inner.control());
        }
        return s;
    }

    // --- accesses -------------------------------------------------------------
    StatementBody access() const {
        AccessStmt s;
        const std::string& cmd = m_words[0];
        s.access.type = cmd == "read" ? AccessType::read : cmd == "write" ? AccessType::write : AccessType::fetch;
        s.access.va = number(1, "VA");
        bool user = false, supervisor = false;
        for (size_t i = 2; i < m_words.size(); ++i) {
            const std::string& w = m_words[i];
            if (w == "user") user = true;
            else if (w == "supervisor") supervisor = true;
            else if (w == "implicit") s.access.implicit = true;
            else fail("unexpected " + settings::quoted(w) + " (" + synopses().at(cmd) + ")");
        }
        if (user && supervisor) fail("an access is either user or supervisor");
        // `user implicit`: an implicit access made at CPL 3, still a supervisor access.
        s.access.user = user;
        s.expect = access_expectations();
        return s;
    }

    AccessExpectations access_expectations() const {
        AccessExpectations e;
        for (const auto& [key, value] : expectations({"ok", "fault", "pa", "size", "source", "psc", "reads", "ad",
                                                      "latency", "code", "cr2", "global", "pkey", "assist"})) {
            if (key == "ok") e.fault = FaultKind::none;
            else if (key == "fault") e.fault = fault_kind(value);
            else if (key == "pa") e.pa = to_number(value, "pa");
            else if (key == "size") e.size = page_size(value);
            else if (key == "source") e.source = source(value);
            else if (key == "psc") e.psc = psc_level(value);
            else if (key == "reads") e.reads = unsigned(to_bits(value, "reads", 32));
            else if (key == "ad") e.ad = unsigned(to_bits(value, "ad", 32));
            else if (key == "latency") e.latency = to_number(value, "latency");
            else if (key == "code") e.code = error_code(value);
            else if (key == "cr2") e.cr2 = to_number(value, "cr2");
            else if (key == "global") e.global = to_bool(value, "global");
            else if (key == "pkey") e.pkey = pkey(value);
            else e.assist = to_bool(value, "assist");
        }
        if (e.code && e.fault && *e.fault != FaultKind::pf) fail("code= describes a page fault: use fault=pf");
        return e;
    }

    // `=>` words as (key, value); `ok` has an empty value.
    std::vector<std::pair<std::string, std::string>> expectations(std::initializer_list<const char*> allowed) const {
        std::vector<std::pair<std::string, std::string>> out;
        for (const std::string& w : m_expects) {
            const size_t eq = w.find('=');
            const std::string key = w.substr(0, eq);
            const std::string value = eq == std::string::npos ? "" : w.substr(eq + 1);
            bool known = false;
            std::string list;
            for (const char* a : allowed) {
                known |= key == a;
                list += std::string(list.empty() ? "" : ", ") + a;
            }
            if (!known) fail("unknown expectation " + settings::quoted(key) + " for " + m_words[0] + " (allowed: " + list + ")");
            if ((key == "ok") != (eq == std::string::npos))
                fail(key == "ok" ? "'ok' takes no value" : "expected " + key + "=VALUE after '=>', got " + settings::quoted(w));
            if (eq != std::string::npos && value.empty()) fail("missing value after " + settings::quoted(key + "="));
            for (const auto& seen : out)
                if (seen.first == key || (seen.first == "ok" && key == "fault") || (seen.first == "fault" && key == "ok"))
                    fail(settings::quoted(key) + " conflicts with an earlier expectation");
            out.emplace_back(key, value);
        }
        return out;
    }

    FaultKind fault_kind(const std::string& v) const {
        for (FaultKind k : {FaultKind::none, FaultKind::pf, FaultKind::gp, FaultKind::bus})
            if (v == to_string(k)) return k;
        fail("unknown fault " + settings::quoted(v) + " (none, pf, gp, bus)");
    }
    PageSize page_size(const std::string& v) const {
        PageSize s;
        if (!parse_page_size(v, s)) fail("bad page size " + settings::quoted(v) + " (4k, 2m, 1g)");
        return s;
    }
    Source source(const std::string& v) const {
        for (Source s : {Source::none, Source::l1, Source::l2, Source::walk})
            if (v == to_string(s)) return s;
        fail("unknown source " + settings::quoted(v) + " (l1, l2, walk, none)");
    }
    unsigned psc_level(const std::string& v) const {
        unsigned l = 0;
        if (v == "none") return 0;
        if (!parse_level(v, l) || l < 2) fail("unknown PSC level " + settings::quoted(v) + " (pd, pdpt, pml4, pml5, none)");
        return l;
    }
    // "0x7", "0", or names: "P|W|U|RSVD|I|PK".
    uint32_t error_code(const std::string& v) const {
        uint64_t n = 0;
        if (parse_number(v, n)) {
            if (n > 0xffff) fail("error code " + v + " is too large");
            return uint32_t(n);
        }
        static const NamedBit bits[] = {{"P", 0}, {"W", 1}, {"U", 2}, {"RSVD", 3}, {"I", 4}, {"ID", 4}, {"PK", 5}};
        uint32_t code = 0;
        for (const std::string& n : split(v, '|')) {
            bool found = false;
            for (const NamedBit& b : bits)
                if (n == b.name) code |= 1u << b.bit, found = true;
            if (!found) fail("unknown error-code bit " + settings::quoted(n) + " (P, W, U, RSVD, I, PK or a number)");
        }
        return code;
    }

    // --- checks -------------------------------------------------------------
    StatementBody expect_entry() const {
        ExpectEntryStmt s;
        s.va = number(1, "VA");
        s.level = level(2);
        const auto o = options(3, {"has", "lacks", "addr", "pkey", "value"});
        if (o.empty()) fail("nothing to check (" + synopses().at("expect-entry") + ")");
        const EntryKind kind = kind_of_level(s.level);
        if (o.count("has")) s.has = entry_bits(o.at("has"), kind);
        if (o.count("lacks")) s.lacks = entry_bits(o.at("lacks"), kind);
        if (s.has & s.lacks) fail("a bit is in both has= and lacks=");
        if (o.count("addr")) s.addr = to_number(o.at("addr"), "addr");
        if (o.count("pkey")) s.pkey = pkey(o.at("pkey"));
        if (o.count("value")) s.value = to_number(o.at("value"), "value");
        return s;
    }

    StatementBody expect_cached(bool cached) const {
        ExpectCachedStmt s;
        s.cached = cached;
        s.va = number(1, "VA");
        const std::string& st = word(2, "STRUCTURE");
        if (st == "l1i") s.structure = Structure::l1i;
        else if (st == "l1d") s.structure = Structure::l1d;
        else if (st == "l2") s.structure = Structure::l2;
        else if (st.compare(0, 4, "psc.") == 0 && parse_level(st.substr(4), s.psc_level) && s.psc_level >= 2)
            s.structure = Structure::psc;
        else fail("unknown structure " + settings::quoted(st) + " (l1i, l1d, l2, psc.pd, psc.pdpt, psc.pml4, psc.pml5)");
        const auto o = cached && s.structure != Structure::psc
                           ? options(3, {"pcid", "pa", "size", "granule", "global", "dirty"})
                           : options(3, {"pcid"});
        if (o.count("pcid")) s.pcid = uint16_t(to_bits(o.at("pcid"), "pcid", 12));
        if (o.count("pa")) s.pa = to_number(o.at("pa"), "pa");
        if (o.count("size")) s.size = page_size(o.at("size"));
        if (o.count("granule")) s.granule = page_size(o.at("granule"));
        if (o.count("global")) s.global = to_bool(o.at("global"), "global");
        if (o.count("dirty")) s.dirty = to_bool(o.at("dirty"), "dirty");
        return s;
    }

    // "PATH = N" or "PATH=N" after the statement word.
    std::pair<std::string, uint64_t> assignment() const {
        no_expectations();
        std::string rest;
        for (size_t i = 1; i < m_words.size(); ++i) rest += m_words[i];
        const size_t eq = rest.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == rest.size())
            fail("expected " + synopses().at(m_words[0]));
        return {rest.substr(0, eq), to_number(rest.substr(eq + 1), rest.substr(0, eq))};
    }
    StatementBody expect_stat() const {
        auto [path, value] = assignment();
        if (!is_stat_path(path))
            fail("unknown statistic " + settings::quoted(path) +
                 " (e.g. l1d.hits, l2.invalidations.invlpg, psc.pd.fills, walk.fills_suppressed, ops.invlpg.count)");
        return ExpectStatStmt{path, value};
    }
    StatementBody expect_reg() const {
        auto [reg, value] = assignment();
        for (const char* r : {"cr0", "cr2", "cr3", "cr4", "efer", "pkru", "pcid"})
            if (reg == r) return ExpectRegStmt{reg, value};
        fail("unknown register " + settings::quoted(reg) + " (cr0, cr2, cr3, cr4, efer, pkru, pcid)");
    }

    // --- physical memory: poke, expect-mem, load-image ------------------------
    uint64_t qword_address(size_t i) const {
        const uint64_t pa = number(i, "PA");
        if (pa & 7) fail("PA " + m_words[i] + " is not 8-byte aligned");
        return pa;
    }
    StatementBody physical_memory() const {
        const std::string& cmd = m_words[0];
        if (cmd == "load-image") {
            LoadImageStmt s{word(1, "FILE")};
            no_more(2);
            return s;
        }
        const uint64_t pa = qword_address(1);
        const uint64_t value = number(2, "VALUE");
        if (cmd == "poke") {
            no_more(3);
            return PokeStmt{pa, value};
        }
        ExpectMemStmt s{pa, value};
        const auto o = options(3, {"mask"});
        if (o.count("mask")) s.mask = to_number(o.at("mask"), "mask");
        if (s.value & ~s.mask) fail("VALUE has bits outside mask=");
        return s;
    }
    // --- data caches (docs/caches.md) -----------------------------------------
    StatementBody expect_line() const {
        ExpectLineStmt st{number(1, "PA"), 0};
        const std::string level = word(2, "l1d|l2|llc|memory");
        const char* const names[] = {"l1d", "l2", "llc", "memory"};
        st.level = 4;
        for (unsigned i = 0; i < 4; ++i)
            if (level == names[i]) st.level = i;
        if (st.level == 4) fail("unknown level " + settings::quoted(level) + " (l1d, l2, llc, memory)");
        no_more(3);
        return st;
    }

    // --- many CPUs (docs/smp.md) ------------------------------------------
    static bool is_smp(const std::string& cmd) {
        return cmd == "cpu" || cmd == "advance" || cmd == "ipi" || cmd == "shootdown" || cmd == "invlpgb" ||
               cmd == "tlbsync" || cmd == "expect-smp";
    }
    StatementBody smp() const {
        const std::string& cmd = m_words[0];
        if (cmd == "expect-smp") {
            auto [path, value] = assignment();
            if (!is_smp_stat_path(path)) fail("unknown machine counter " + settings::quoted(path) + " (" + smp_stat_path_list() + ")");
            return ExpectSmpStmt{path, value};
        }
        if (cmd == "cpu" || cmd == "advance") {
            no_expectations();
            const uint64_t n = number(1, cmd == "cpu" ? "N" : "CYCLES");
            no_more(2);
            if (cmd == "advance") return AdvanceStmt{n};
            if (n >= machine::kMaxCpus) fail("cpu " + m_words[1] + ": CPUs are numbered 0 to 63");
            return CpuStmt{unsigned(n)};
        }
        if (cmd == "ipi" || cmd == "shootdown") return ipi(cmd == "shootdown");
        if (cmd == "invlpgb") return invlpgb();
        TlbsyncStmt t;
        const auto o = options(1, {"cpl"});
        if (o.count("cpl")) t.cpl = cpl(o.at("cpl"));
        t.expect = smp_expectations({"ok", "fault", "cycles", "wait"});
        return t;
    }
    StatementBody ipi(bool flush) const {
        IpiStmt s;
        s.flush = flush;
        const std::string& targets = word(1, "TARGETS");
        if (targets == "all") {
            s.all_cpus = true;
        } else {
            for (const std::string& t : split(targets, ',')) {
                const uint64_t cpu = to_number(t, "TARGETS (all, or CPU numbers like 1,2,3)");
                if (cpu >= machine::kMaxCpus) fail("IPI target " + t + ": CPUs are numbered 0 to 63");
                s.targets |= machine::CpuMask(1) << cpu;
            }
        }
        std::vector<std::string> flags;
        const auto o = flush ? options(2, {"va", "pages", "stride", "pcid", "scope"}, &flags) : options(2, {}, &flags);
        for (const std::string& f : flags) {
            if (f == "nowait") s.wait = false;
            else fail("unexpected " + settings::quoted(f) + " (" + synopses().at(m_words[0]) + ")");
        }
        machine::FlushRequest& q = s.request;
        if (o.count("va")) q.va = to_number(o.at("va"), "va");
        if (o.count("pages")) {
            const uint64_t n = to_number(o.at("pages"), "pages");
            if (n < 1 || n > 65536) fail("pages=" + o.at("pages") + ": must be 1 to 65536");
            q.pages = unsigned(n);
        }
        if (o.count("stride")) q.stride_shift = stride(o.at("stride"));
        if (o.count("pcid")) q.pcid = uint16_t(to_bits(o.at("pcid"), "pcid", 12));
        if (o.count("scope")) {
            const std::string& v = o.at("scope");
            if (v == "pages") q.scope = machine::FlushRequest::Scope::pages;
            else if (v == "pcid") q.scope = machine::FlushRequest::Scope::pcid;
            else if (v == "all") q.scope = machine::FlushRequest::Scope::all;
            else fail("unknown scope " + settings::quoted(v) + " (pages, pcid, all)");
        }
        s.expect = smp_expectations({"ok", "cycles", "ipis", "ack_wait", "dropped"});
        return s;
    }
    StatementBody invlpgb() const {
        namespace flag = machine::invlpgb_flag;
        InvlpgbStmt s;
        std::vector<std::string> flags;
        const auto o = options(1, {"va", "pcid", "asid", "extra", "stride", "cpl"}, &flags);
        machine::InvlpgbOperands& ops = s.ops;
        if (o.count("va")) {
            const uint64_t va = to_number(o.at("va"), "va");
            if (va & 0xfff) fail("va=" + o.at("va") + ": INVLPGB takes a page address (rAX bits 11:0 are flags)");
            ops.rax |= va | flag::VA;
        }
        if (o.count("pcid")) {
            ops.rax |= flag::PCID;
            ops.edx |= uint32_t(to_bits(o.at("pcid"), "pcid", 12)) << 16;
        }
        if (o.count("asid")) {
            ops.rax |= flag::ASID;
            ops.edx |= uint32_t(to_bits(o.at("asid"), "asid", 16));
        }
        if (o.count("extra")) ops.ecx |= uint32_t(to_bits(o.at("extra"), "extra", 16));
        if (o.count("stride") && stride(o.at("stride")) == 21) ops.ecx |= machine::kInvlpgbStride2M;
        if (o.count("cpl")) s.cpl = cpl(o.at("cpl"));
        for (const std::string& f : flags) {
            if (f == "global") ops.rax |= flag::GLOBAL;
            else if (f == "final") ops.rax |= flag::FINAL_ONLY;
            else if (f == "nested") ops.rax |= flag::NESTED;
            else fail("unexpected " + settings::quoted(f) + " (" + synopses().at("invlpgb") + ")");
        }
        s.expect = smp_expectations({"ok", "fault", "cycles"});
        return s;
    }
    unsigned stride(const std::string& v) const {
        if (v == "4k") return 12;
        if (v == "2m") return 21;
        fail("stride=" + v + ": 4k or 2m");
    }
    unsigned cpl(const std::string& v) const {
        const uint64_t n = to_number(v, "cpl");
        if (n > 3) fail("cpl=" + v + ": 0 to 3");
        return unsigned(n);
    }
    SmpExpectations smp_expectations(std::initializer_list<const char*> allowed) const {
        SmpExpectations e;
        for (const auto& [key, value] : expectations(allowed)) {
            if (key == "ok") e.fault = machine::SmpFault::none;
            else if (key == "fault") {
                if (value == "none") e.fault = machine::SmpFault::none;
                else if (value == "ud") e.fault = machine::SmpFault::ud;
                else if (value == "gp") e.fault = machine::SmpFault::gp;
                else fail("unknown fault " + settings::quoted(value) + " (none, ud, gp)");
            } else {
                const uint64_t n = to_number(value, key);
                if (key == "cycles") e.cycles = n;
                else if (key == "wait") e.wait = n;
                else if (key == "ipis") e.ipis = n;
                else if (key == "ack_wait") e.ack_wait = n;
                else e.dropped = n;
            }
        }
        return e;
    }

    unsigned m_line;
    std::string m_text;
    std::vector<std::string> m_words;
    std::vector<std::string> m_expects;
};

}  // namespace

std::vector<Statement> parse_scenario(std::istream& in, std::vector<ScenarioError>& errors) {
    std::vector<Statement> statements;
    std::string raw;
    unsigned number = 0;
    while (std::getline(in, raw)) {
        ++number;
        std::string text = raw.substr(0, raw.find('#'));
        if (!text.empty() && text.back() == '\r') text.pop_back();
        text = trim(text);
        if (text.empty()) continue;

        std::vector<std::string> words, expects;
        bool after_arrow = false;
        std::istringstream split_words(text);
        std::string w;
        try {
            while (split_words >> w) {
                if (w == "=>") {
                    if (after_arrow) throw ScenarioError(number, "more than one '=>'");
                    after_arrow = true;
                    continue;
                }
                (after_arrow ? expects : words).push_back(w);
            }
            if (words.empty()) throw ScenarioError(number, "'=>' without a statement before it");
            if (after_arrow && expects.empty()) throw ScenarioError(number, "nothing after '=>'");
            statements.push_back({number, text, LineParser(number, text, words, expects).parse()});
        } catch (const ScenarioError& e) {
            errors.push_back(e);
        }
    }
    return statements;
}

}  // namespace tlmmu::scenario
