// _tlmmu: the Python binding of tlmmu (docs/python.md). A thin layer: every
// figure comes from the C++ libraries (settings registry, Mmu, page-table
// builder, replay engine and its report, sweep aggregation); this file only
// converts arguments, checks their ranges and turns C++ errors into Python
// exceptions. The package tlmmu/__init__.py adds the Python conveniences.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "report.h"
#include "sweep_results.h"
#include "sweep_spec.h"
#include "tlmmu/core/config.h"
#include "tlmmu/core/page_table_builder.h"
#include "tlmmu/core/stats.h"
#include "tlmmu/core/system.h"
#include "tlmmu/os/os_model.h"
#include "tlmmu/replay/replay.h"
#include "tlmmu/settings/registry.h"
#include "tlmmu/trace/open.h"

namespace py = pybind11;

namespace tlmmu::python {

namespace {

constexpr uint64_t kAny = std::numeric_limits<uint64_t>::max();

std::string type_name(py::handle value) { return py::str(py::type::handle_of(value).attr("__name__")); }

// An unsigned integer argument: TypeError for a non-integer, ValueError for
// a negative value or one above `max`, both naming the argument. `name()`
// gives the name; it is called only for a message.
template <class Name>
uint64_t unsigned_value(py::handle value, Name name, uint64_t max = kAny) {
    if (PyLong_CheckExact(value.ptr())) {  // the common case, without temporaries
        const unsigned long long v = PyLong_AsUnsignedLongLong(value.ptr());
        if (!PyErr_Occurred() && v <= max) return v;
        PyErr_Clear();
    }
    if (PyFloat_Check(value.ptr()) || PyUnicode_Check(value.ptr()))
        throw py::type_error(name() + ": expected an integer, got " + type_name(value));
    py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(value.ptr()));
    if (!index) {
        PyErr_Clear();
        throw py::type_error(name() + ": expected an integer, got " + type_name(value));
    }
    if (index < py::int_(0)) throw py::value_error(name() + ": " + std::string(py::str(index)) + " is negative");
    const unsigned long long v = PyLong_AsUnsignedLongLong(index.ptr());
    if (PyErr_Occurred()) {
        PyErr_Clear();
        throw py::value_error(name() + ": " + std::string(py::str(index)) + " does not fit in 64 bits");
    }
    if (v > max)
        throw py::value_error(name() + ": " + std::to_string(v) + " is out of range (0.." + std::to_string(max) + ")");
    return v;
}

uint64_t unsigned_arg(py::handle value, const std::string& name, uint64_t max = kAny) {
    return unsigned_value(value, [&name] { return name; }, max);
}

std::string string_arg(py::handle value, const std::string& name) {
    if (!PyUnicode_Check(value.ptr())) throw py::type_error(name + ": expected a str, got " + type_name(value));
    return value.cast<std::string>();
}

// A str or an os.PathLike that gives one.
std::string path_arg(py::handle value, const std::string& name) {
    if (PyUnicode_Check(value.ptr())) return value.cast<std::string>();
    py::object path = py::reinterpret_steal<py::object>(PyOS_FSPath(value.ptr()));
    if (!path || !PyUnicode_Check(path.ptr())) {
        PyErr_Clear();
        throw py::type_error(name + ": expected a path (str or os.PathLike), got " + type_name(value));
    }
    return path.cast<std::string>();
}

// A setting's value as the registry reads it: text, a number or a switch.
std::string setting_text(py::handle value, const std::string& key) {
    if (PyBool_Check(value.ptr())) return value.ptr() == Py_True ? "true" : "false";
    if (PyUnicode_Check(value.ptr())) return value.cast<std::string>();
    if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) return py::str(value);
    throw py::type_error(key + ": expected a str, int, float or bool value, got " + type_name(value));
}

py::object json_loads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

// ---- Configurations: the MMU's and the OS model's settings ----------------

// A configuration is the settings part of a replay's options (the MMU's,
// memory.latency and os.*), bound to the registry as `tlmmu trace` binds them.
struct Config {
    replay::ReplayOptions options;

    settings::Target target() { return replay::settings_target(options); }
    void validate() {
        target().validate();
        tlmmu::validate(options.mmu);
    }
    std::string get(const std::string& key) {
        int i = mmu_settings().find(key);
        if (i >= 0) return mmu_settings().get(&options.mmu, size_t(i));
        i = os::os_settings_group().find(key);
        if (i >= 0) return os::os_settings_group().get(&options.os, size_t(i));
        const std::string guess = settings::nearest(key, target().keys());
        throw ConfigError("unknown setting '" + key + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
    }
};

const std::vector<const settings::GroupBase*>& config_groups() {
    static const std::vector<const settings::GroupBase*> groups = {&mmu_settings(), &settings::memory_settings(),
                                                                   &os::os_settings_group()};
    return groups;
}

py::list setting_list() {
    py::list out;
    for (const settings::GroupBase* g : config_groups())
        for (const settings::Setting& s : g->settings()) {
            if (s.shared) continue;
            py::dict d;
            d["key"] = s.key;
            d["group"] = g->name();
            d["kind"] = settings::to_string(s.kind);
            d["default"] = s.default_text;
            d["unit"] = s.unit;
            d["allowed"] = !s.allowed.empty() ? s.allowed
                           : s.kind == settings::Kind::integer ? settings::describe_limits(s)
                                                                : std::string();
            d["doc"] = s.doc;
            d["aliases"] = s.aliases;
            out.append(d);
        }
    return out;
}

// ---- Trace replay --------------------------------------------------------

replay::ReplayOptions replay_options(const Config& config, const std::string& format, py::handle limit) {
    replay::ReplayOptions options = config.options;
    tlmmu::validate(options.mmu);
    if (format != "auto") {
        bool known = false;
        std::string list = "auto";
        for (const std::string& f : trace::known_formats()) {
            known |= f == format;
            list += ", " + f;
        }
        if (!known) throw py::value_error("format: unknown format '" + format + "' (" + list + ")");
    }
    options.format = format;
    options.limit = unsigned_arg(limit, "limit");
    return options;
}

py::object replay_paths(const std::vector<std::string>& paths, const Config& config, const std::string& format,
                        py::handle limit) {
    if (paths.empty()) throw py::value_error("trace: no trace given");
    replay::ReplayOptions options = replay_options(config, format, limit);
    // About every million records: Ctrl-C (or another signal handler's
    // exception) stops the replay.
    options.progress = [](uint64_t) {
        py::gil_scoped_acquire acquire;
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    };
    std::string json;
    {
        py::gil_scoped_release release;  // the replay touches no Python object but the signal check
        const replay::ReplayResult result = replay::replay(paths, options);
        json = replay::result_json(result, options, format, -1);
    }
    return json_loads(json);
}

// "trace[INDEX]": built only for a message, not for every access.
std::string item_name(uint64_t index) { return "trace[" + std::to_string(index) + "]"; }

trace::RecordKind record_kind(py::handle kind, uint64_t index) {
    if (!PyUnicode_Check(kind.ptr())) throw py::type_error(item_name(index) + ".kind: expected a str, got " + type_name(kind));
    using K = trace::RecordKind;
    // The spellings of nearly every access, compared without a copy.
    if (PyUnicode_CompareWithASCIIString(kind.ptr(), "load") == 0) return K::load;
    if (PyUnicode_CompareWithASCIIString(kind.ptr(), "store") == 0) return K::store;
    if (PyUnicode_CompareWithASCIIString(kind.ptr(), "fetch") == 0) return K::fetch;
    const std::string k = settings::lower(kind.cast<std::string>());
    if (k == "fetch" || k == "i" || k == "instruction") return K::fetch;
    if (k == "load" || k == "read" || k == "l" || k == "r") return K::load;
    if (k == "store" || k == "write" || k == "s" || k == "w") return K::store;
    if (k == "cr3_write") return K::cr3_write;
    if (k == "invlpg") return K::invlpg;
    if (k == "invpcid") return K::invpcid;
    if (k == "context_switch") return K::context_switch;
    throw py::value_error(item_name(index) + ".kind: '" + kind.cast<std::string>() +
                          "' is not one of fetch, load, store, cr3_write, invlpg, invpcid, context_switch");
}

// One access of a Python iterable: a tuple (kind, address[, size[, context]])
// or an object with attributes kind, address and optionally size, context,
// pcid, type, noflush.
trace::Record to_record(py::handle item, uint64_t index) {
    auto where = [index] { return item_name(index); };
    trace::Record r;
    if (PyTuple_Check(item.ptr()) || PyList_Check(item.ptr())) {
        const py::sequence t = py::reinterpret_borrow<py::sequence>(item);
        if (t.size() < 2 || t.size() > 4)
            throw py::value_error(where() + ": expected (kind, address[, size[, context]]), got " +
                                  std::to_string(t.size()) + " fields");
        r.kind = record_kind(t[0], index);
        r.address = unsigned_value(t[1], [&] { return where() + ".address"; });
        if (t.size() > 2) r.size = uint8_t(unsigned_value(t[2], [&] { return where() + ".size"; }, 255));
        if (t.size() > 3) r.context = uint32_t(unsigned_value(t[3], [&] { return where() + ".context"; }, 0xffffffffu));
        return r;
    }
    // Attribute names interned once: this runs for every access.
    static PyObject* const names[] = {PyUnicode_InternFromString("kind"), PyUnicode_InternFromString("address"),
                                      PyUnicode_InternFromString("size"), PyUnicode_InternFromString("context"),
                                      PyUnicode_InternFromString("pcid"), PyUnicode_InternFromString("type"),
                                      PyUnicode_InternFromString("noflush")};
    auto attribute = [&](int i) -> py::object {  // None when absent
        PyObject* v = PyObject_GetAttr(item.ptr(), names[i]);
        if (v) return py::reinterpret_steal<py::object>(v);
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) throw py::error_already_set();
        PyErr_Clear();
        return py::none();
    };
    const py::object kind = attribute(0), address = attribute(1);
    if (kind.is_none() || address.is_none())
        throw py::type_error(where() + ": expected a tuple (kind, address[, size[, context]]) or an object with "
                             "kind and address attributes, got " + type_name(item));
    r.kind = record_kind(kind, index);
    r.address = unsigned_value(address, [&] { return where() + ".address"; });
    auto optional = [&](int i, const char* name, uint64_t max) -> uint64_t {
        const py::object v = attribute(i);
        return v.is_none() ? 0 : unsigned_value(v, [&] { return where() + "." + name; }, max);
    };
    r.size = uint8_t(optional(2, "size", 255));
    r.context = uint32_t(optional(3, "context", 0xffffffffu));
    if (r.kind >= trace::RecordKind::cr3_write) {  // only control events carry these
        r.pcid = uint16_t(optional(4, "pcid", 0xfff));
        r.type = uint8_t(optional(5, "type", 3));
        r.noflush = py::bool_(attribute(6));
    }
    return r;
}

py::object replay_records(py::iterable accesses, const Config& config, py::handle limit, bool contexts,
                          const std::string& name) {
    const replay::ReplayOptions options = replay_options(config, "auto", limit);
    py::iterator it = py::iter(accesses);
    uint64_t index = 0;
    // The replay pulls batches through this while holding the GIL; a Python
    // error inside the iterable propagates out of replay() as it was raised.
    auto fill = [&](trace::Record* out, size_t capacity) -> size_t {
        size_t n = 0;
        for (; n < capacity; ++n) {
            py::object item = py::reinterpret_steal<py::object>(PyIter_Next(it.ptr()));
            if (!item) {
                if (PyErr_Occurred()) throw py::error_already_set();
                break;
            }
            out[n] = to_record(item, index);
            ++index;
        }
        return n;
    };
    replay::Source source;
    source.name = name;
    source.format = "records";
    trace::Stream stream;
    stream.reader = trace::make_callback_reader(name, fill, contexts);
    stream.name = name;
    source.streams.push_back(std::move(stream));
    std::vector<replay::Source> sources;
    sources.push_back(std::move(source));
    const replay::ReplayResult result = replay::replay(std::move(sources), options);
    return json_loads(replay::result_json(result, options, "records", -1));
}

// ---- Sweeps --------------------------------------------------------------

py::tuple sweep_table(const std::string& spec_path, const std::string& output) {
    const sweep::SweepSpec spec = sweep::load_spec(spec_path);
    const sweep::Table table = sweep::aggregate(spec, sweep::expand_jobs(spec), output);
    return py::make_tuple(table.header, table.rows, table.missing);
}

std::string sweep_output(const std::string& spec_path) { return sweep::load_spec(spec_path).output; }

// ---- The core model --------------------------------------------------------

AccessType access_type(const std::string& type) {
    const std::string t = settings::lower(type);
    if (t == "read" || t == "load") return AccessType::read;
    if (t == "write" || t == "store") return AccessType::write;
    if (t == "fetch") return AccessType::fetch;
    throw py::value_error("type: '" + type + "' is not one of read, write, fetch");
}

Access make_access(py::handle va, py::handle type, bool user, bool implicit) {
    Access a;
    a.va = unsigned_arg(va, "va");
    a.type = access_type(string_arg(type, "type"));
    a.user = user;
    a.implicit = implicit;
    return a;
}

PageSize page_size_arg(const std::string& text) {
    PageSize s;
    if (!parse_page_size(text, s)) throw py::value_error("size: '" + text + "' is not one of 4k, 2m, 1g");
    return s;
}

unsigned level_arg(py::handle level, const PageTableBuilder& b) {
    return unsigned(unsigned_arg(level, "level", b.levels()));
}

// System with the configuration it was made from (the MMU keeps a copy; the
// memory latency and levels come from the OS-model part).
std::unique_ptr<System> make_system(const Config& config, py::handle levels, py::handle memory_bytes) {
    tlmmu::validate(config.options.mmu);
    SystemOptions o;
    o.levels = unsigned(unsigned_arg(levels, "levels", 5));
    if (o.levels != 4 && o.levels != 5) throw py::value_error("levels: must be 4 or 5, got " + std::to_string(o.levels));
    o.memory_bytes = unsigned_arg(memory_bytes, "memory_bytes", 1ull << 52);
    if (o.memory_bytes < 2 * o.table_region)
        throw py::value_error("memory_bytes: at least " + std::to_string(2 * o.table_region) + " bytes");
    o.memory_latency = config.options.os.memory_latency;
    return std::make_unique<System>(config.options.mmu, o);
}

py::dict operation_dict(const OperationResult& r) {
    py::dict d;
    d["ok"] = r.ok();
    d["fault"] = r.fault ? py::cast(r.fault) : py::none();
    d["cycles"] = r.cycles;
    d["dropped"] = r.dropped;
    return d;
}

std::string hex(uint64_t v) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(v));
    return text;
}

}  // namespace

}  // namespace tlmmu::python

PYBIND11_MODULE(_tlmmu, m) {
    using namespace tlmmu;
    using namespace tlmmu::python;
    m.doc() = "tlmmu: a cycle-approximate x86-64 MMU model (the C++ binding; use the tlmmu package)";

    // C++ errors keep their messages; the kinds a user can cause are ValueError.
    // Never destroyed: its destructor would run after the interpreter is gone.
    static const auto* trace_error = new py::exception<trace::TraceError>(m, "TraceError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const trace::TraceError& e) {
            PyErr_SetString(trace_error->ptr(), e.what());
        } catch (const ConfigError& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const os::OsError& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const PageTableError& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const sweep::SpecError& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        }
    });

    // ---- settings ----
    m.def("settings", &setting_list,
          "Every setting a Config accepts: dicts of key, group, kind, default, unit, allowed, doc, aliases.");
    py::class_<Config>(m, "Config", "The MMU's and the OS model's settings (docs/configuration.md).")
        .def(py::init<>())
        .def("set",
             [](Config& c, py::handle key, py::handle value) {
                 const std::string k = string_arg(key, "key");
                 c.target().apply(k, setting_text(value, k));
             },
             py::arg("key"), py::arg("value"), "Applies one setting; ValueError naming the key when refused.")
        .def("assign", [](Config& c, py::handle text) { c.target().apply_assignment(string_arg(text, "assignment")); },
             py::arg("assignment"), "Applies one KEY=VALUE string.")
        .def("load", [](Config& c, py::handle path) { c.target().load_file(path_arg(path, "path")); }, py::arg("path"),
             "Applies a file of `key = value` lines; errors name FILE:LINE.")
        .def("get", [](Config& c, py::handle key) { return c.get(settings::trim(string_arg(key, "key"))); },
             py::arg("key"), "The value of one setting as text (aliases accepted).")
        .def("values",
             [](Config& c) {
                 py::dict d;
                 for (const auto& kv : c.target().values()) d[py::str(kv.first)] = kv.second;
                 return d;
             },
             "Every setting and its value (text), in the order `tlmmu settings` lists them.")
        .def("dump", [](Config& c) { return c.target().dump(); }, "`key = value` lines that load() reads back.")
        .def("validate", &Config::validate, "Cross-field checks; ValueError naming the key.")
        .def("copy", [](const Config& c) { return Config(c); });

    // ---- the core model ----
    py::class_<Fault>(m, "Fault", "#GP, #PF (error code, CR2) or a rejected page-table access (bus).")
        .def_property_readonly("kind", [](const Fault& f) { return std::string(to_string(f.kind)); })
        .def_readonly("error_code", &Fault::error_code)
        .def_readonly("address", &Fault::address)
        .def_property_readonly("error_bits", [](const Fault& f) { return describe_error_code(f.error_code); })
        .def("__bool__", [](const Fault& f) { return bool(f); })
        .def("__repr__", [](const Fault& f) {
            std::string s = std::string("Fault(") + to_string(f.kind);
            if (f.kind == FaultKind::pf) s += ", error_code=" + describe_error_code(f.error_code);
            if (f.kind != FaultKind::none) s += ", address=" + hex(f.address);
            return s + ")";
        });

    py::class_<Translation>(m, "Translation", "The outcome of one translation (see Mmu.translate).")
        .def_property_readonly("ok", &Translation::ok)
        .def_property_readonly("fault", [](const Translation& t) { return t.fault ? py::cast(t.fault) : py::none(); })
        .def_readonly("pa", &Translation::pa)
        .def_property_readonly("size", [](const Translation& t) { return std::string(to_string(t.size)); })
        .def_property_readonly("source", [](const Translation& t) { return std::string(to_string(t.source)); })
        .def_readonly("global_", &Translation::global)
        .def_readonly("pkey", &Translation::pkey)
        .def_property_readonly("writable", [](const Translation& t) { return t.rights.writable; })
        .def_property_readonly("user", [](const Translation& t) { return t.rights.user; })
        .def_property_readonly("nx", [](const Translation& t) { return t.rights.nx; })
        .def_readonly("psc_level", &Translation::psc_level)
        .def_readonly("pt_reads", &Translation::pt_reads)
        .def_readonly("ad_updates", &Translation::ad_updates)
        .def_readonly("d_assist", &Translation::d_assist)
        .def_readonly("dirty", &Translation::dirty)
        .def_readonly("cycles", &Translation::cycles)
        .def("__repr__", [](const Translation& t) {
            if (t.fault) return "Translation(fault=" + std::string(to_string(t.fault.kind)) + ", cycles=" +
                                std::to_string(t.cycles) + ")";
            return "Translation(pa=" + hex(t.pa) + ", size=" + to_string(t.size) + ", source=" + to_string(t.source) +
                   ", cycles=" + std::to_string(t.cycles) + ")";
        });

    py::class_<Mmu>(m, "Mmu", "The MMU core: TLBs, paging-structure caches, walker, control operations.")
        .def("translate",
             [](Mmu& mmu, py::handle va, py::handle type, bool user, bool implicit) {
                 return mmu.translate(make_access(va, type, user, implicit));
             },
             py::arg("va"), py::arg("type") = "read", py::arg("user") = false, py::arg("implicit") = false,
             "Translates one access (type read, write or fetch; user: CPL 3).")
        .def("translate_debug",
             [](const Mmu& mmu, py::handle va, py::handle type, bool user, bool implicit) {
                 return mmu.translate_debug(make_access(va, type, user, implicit));
             },
             py::arg("va"), py::arg("type") = "read", py::arg("user") = false, py::arg("implicit") = false,
             "Walks with debug reads: no fills, no A/D writes, no counters, no time.")
        .def("write_cr0", [](Mmu& mmu, py::handle v) { return operation_dict(mmu.write_cr0(unsigned_arg(v, "value"))); },
             py::arg("value"))
        .def("write_cr3", [](Mmu& mmu, py::handle v) { return operation_dict(mmu.write_cr3(unsigned_arg(v, "value"))); },
             py::arg("value"), "MOV to CR3; bit 63 is the no-flush hint (with CR4.PCIDE).")
        .def("write_cr4", [](Mmu& mmu, py::handle v) { return operation_dict(mmu.write_cr4(unsigned_arg(v, "value"))); },
             py::arg("value"))
        .def("write_efer",
             [](Mmu& mmu, py::handle v) { return operation_dict(mmu.write_efer(unsigned_arg(v, "value"))); },
             py::arg("value"))
        .def("write_pkru",
             [](Mmu& mmu, py::handle v) {
                 return operation_dict(mmu.write_pkru(uint32_t(unsigned_arg(v, "value", 0xffffffffu))));
             },
             py::arg("value"))
        .def("set_ac", &Mmu::set_ac, py::arg("ac"), "EFLAGS.AC (SMAP).")
        .def("invlpg", [](Mmu& mmu, py::handle va) { return operation_dict(mmu.invlpg(unsigned_arg(va, "va"))); },
             py::arg("va"))
        .def("invpcid",
             [](Mmu& mmu, py::handle type, py::handle pcid, py::handle address) {
                 return operation_dict(
                     mmu.invpcid(unsigned_arg(type, "type"), unsigned_arg(pcid, "pcid"), unsigned_arg(address, "address")));
             },
             py::arg("type"), py::arg("pcid") = 0, py::arg("address") = 0,
             "INVPCID type 0-3; pcid is the descriptor's first quadword (bits 63:12 set raise #GP).")
        .def_property_readonly("regs",
                               [](const Mmu& mmu) {
                                   const ControlRegs& r = mmu.regs();
                                   py::dict d;
                                   d["cr0"] = r.cr0;
                                   d["cr3"] = r.cr3;
                                   d["cr4"] = r.cr4;
                                   d["efer"] = r.efer;
                                   d["pkru"] = r.pkru;
                                   d["ac"] = r.ac;
                                   return d;
                               })
        .def_property_readonly("pcid", &Mmu::current_pcid)
        .def_property_readonly("epoch", &Mmu::epoch)
        .def("stats", [](const Mmu& mmu) { return json_loads(stats_to_json(mmu.stats(), -1)); },
             "The statistics as a dict (the `stats` object of `tlmmu trace --json`).")
        .def("summary", [](const Mmu& mmu) { return stats_summary(mmu.stats()); })
        .def("reset_stats", &Mmu::reset_stats);

    py::class_<PageTableBuilder>(m, "PageTableBuilder", "Builds x86-64 page tables in the system's memory.")
        .def_property_readonly("levels", &PageTableBuilder::levels)
        .def("new_root", &PageTableBuilder::new_root, "A zeroed table frame (a CR3 root or any table).")
        .def("map",
             [](PageTableBuilder& b, py::handle root, py::handle va, py::handle pa, py::handle size,
                py::handle flags, py::handle table_flags) {
                 b.map(unsigned_arg(root, "root"), unsigned_arg(va, "va"), unsigned_arg(pa, "pa"), page_size_arg(string_arg(size, "size")),
                       unsigned_arg(flags, "flags"), unsigned_arg(table_flags, "table_flags"));
             },
             py::arg("root"), py::arg("va"), py::arg("pa"), py::arg("size") = "4k",
             py::arg("flags") = pte::RW | pte::US, py::arg("table_flags") = pte::RW | pte::US,
             "Maps the page at va to pa (P added, PS for 2m/1g); missing tables get table_flags | P.")
        .def("unmap", [](PageTableBuilder& b, py::handle root, py::handle va) {
                 return b.unmap(unsigned_arg(root, "root"), unsigned_arg(va, "va"));
             },
             py::arg("root"), py::arg("va"))
        .def("entry_address",
             [](const PageTableBuilder& b, py::handle root, py::handle va, py::handle level) {
                 const unsigned l = level_arg(level, b);
                 if (l < 1) throw py::value_error("level: must be 1.." + std::to_string(b.levels()));
                 return b.entry_address(unsigned_arg(root, "root"), unsigned_arg(va, "va"), l);
             },
             py::arg("root"), py::arg("va"), py::arg("level"))
        .def("leaf_level",
             [](const PageTableBuilder& b, py::handle root, py::handle va) {
                 return b.leaf_level_of(unsigned_arg(root, "root"), unsigned_arg(va, "va"));
             },
             py::arg("root"), py::arg("va"), "Level of the leaf mapping va (1 = PT), 0 when unmapped.")
        .def("read", [](const PageTableBuilder& b, py::handle pa) { return b.read(unsigned_arg(pa, "pa")); },
             py::arg("pa"))
        .def("write",
             [](PageTableBuilder& b, py::handle pa, py::handle value) {
                 b.write(unsigned_arg(pa, "pa"), unsigned_arg(value, "value"));
             },
             py::arg("pa"), py::arg("value"), "Writes an entry; cached translations keep it stale until flushed.");

    py::class_<System>(m, "System",
                       "Sparse physical memory, the walker's port, a page-table builder and an Mmu (tlmmu/core/system.h).")
        .def(py::init([](const Config& config, py::handle levels, py::handle memory_bytes) {
                 return make_system(config, levels, memory_bytes);
             }),
             py::arg("config"), py::arg("levels") = 4, py::arg("memory_bytes") = 4ull << 30)
        .def_property_readonly("mmu", [](System& s) -> Mmu& { return s.mmu; }, py::return_value_policy::reference_internal)
        .def_property_readonly("builder", [](System& s) -> PageTableBuilder& { return s.builder; },
                               py::return_value_policy::reference_internal)
        .def("boot", [](System& s, py::handle root, py::handle extra_cr4) {
                 return s.boot(unsigned_arg(root, "root"), unsigned_arg(extra_cr4, "extra_cr4"));
             },
             py::arg("root"), py::arg("extra_cr4") = 0,
             "Long mode with EFER.NXE and CR0.WP, CR3 = root; False if a step faulted.");

    // Architectural bits, as the C++ names them (tlmmu/core/paging.h).
    auto constants = [&m](const char* name, std::initializer_list<std::pair<const char*, uint64_t>> values) {
        py::module_ sub = m.def_submodule(name);
        for (const auto& v : values) sub.attr(v.first) = v.second;
    };
    constants("cr0", {{"PE", cr0::PE}, {"WP", cr0::WP}, {"PG", cr0::PG}});
    constants("cr3", {{"NOFLUSH", cr3::NOFLUSH}, {"PCID_MASK", cr3::PCID_MASK}, {"PWT", cr3::PWT}, {"PCD", cr3::PCD}});
    constants("cr4", {{"PAE", cr4::PAE}, {"PGE", cr4::PGE}, {"LA57", cr4::LA57}, {"PCIDE", cr4::PCIDE},
                      {"SMEP", cr4::SMEP}, {"SMAP", cr4::SMAP}, {"PKE", cr4::PKE}});
    constants("efer", {{"LME", efer::LME}, {"LMA", efer::LMA}, {"NXE", efer::NXE}});
    constants("pte", {{"P", pte::P}, {"RW", pte::RW}, {"US", pte::US}, {"PWT", pte::PWT}, {"PCD", pte::PCD},
                      {"A", pte::A}, {"D", pte::D}, {"PS", pte::PS}, {"G", pte::G}, {"XD", pte::XD},
                      {"PKEY_SHIFT", pte::PKEY_SHIFT}});
    constants("pf", {{"P", pf::P}, {"W", pf::W}, {"U", pf::U}, {"RSVD", pf::RSVD}, {"ID", pf::ID}, {"PK", pf::PK}});

    // ---- replay and sweeps ----
    m.def("known_formats", &trace::known_formats);
    m.def("replay_paths", &replay_paths, py::arg("paths"), py::arg("config"), py::arg("format") = "auto",
          py::arg("limit") = 0);
    m.def("replay_records", &replay_records, py::arg("accesses"), py::arg("config"), py::arg("limit") = 0,
          py::arg("contexts") = false, py::arg("name") = "records");
    m.def("sweep_table", &sweep_table, py::arg("spec"), py::arg("output"));
    m.def("sweep_output", &sweep_output, py::arg("spec"));
}
