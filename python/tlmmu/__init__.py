"""tlmmu: a cycle-approximate x86-64 MMU model, from Python (docs/python.md).

    import tlmmu
    config = tlmmu.config({"l2.latency": 12, "os.pcid": "noflush"})
    result = tlmmu.replay("traces/sort.lackey.xz", config)   # what `tlmmu trace --json` writes
    rows = tlmmu.sweep_results("small.sweep")                # results.csv as a list of dicts

Every figure comes from the C++ model; errors keep the C++ messages (a bad
setting is a ValueError naming the key, a bad trace a tlmmu.TraceError, which
is a ValueError too).
"""

import csv
import os

from ._tlmmu import (  # noqa: F401  (the public API)
    Config,
    Fault,
    Mmu,
    PageTableBuilder,
    TraceError,
    Translation,
    cr0,
    cr3,
    cr4,
    efer,
    known_formats,
    pf,
    pte,
    settings,
)
from . import _tlmmu

__all__ = [
    "Config", "Fault", "Mmu", "PageTableBuilder", "System", "TraceError", "Translation", "Access",
    "config", "settings", "known_formats", "replay", "sweep_results", "cr0", "cr3", "cr4", "efer", "pf", "pte",
]


def config(values=None, **kwargs):
    """A Config from the settings registry.

    `values` is a dict {key: value}, an iterable of "KEY=VALUE" strings, a
    Config (copied) or None; keyword arguments are settings whose dots are
    written as double underscores (l2__latency=12). Values may be str, int,
    float or bool. A refused setting raises ValueError with the registry's
    message (the key, the reason, a typo hint); the whole configuration is
    validated at the end.
    """
    if isinstance(values, Config):
        c = values.copy()
    else:
        c = Config()
        if values is None:
            pass
        elif isinstance(values, dict):
            for key, value in values.items():
                c.set(key, value)
        elif isinstance(values, (str, bytes)):
            raise TypeError("values: expected a dict or an iterable of 'KEY=VALUE' strings, got a single string")
        else:
            try:
                items = iter(values)
            except TypeError:
                raise TypeError("values: expected a dict, an iterable of 'KEY=VALUE' strings or a Config, got "
                                + type(values).__name__) from None
            for item in items:
                c.assign(item)
    for key, value in kwargs.items():
        c.set(key.replace("__", "."), value)
    c.validate()
    return c


class System(_tlmmu.System):
    """Sparse physical memory, the walker's port, a page-table builder (`builder`) and an Mmu (`mmu`).

    `config` is a Config, a dict or a list of "KEY=VALUE" strings (None: the
    defaults); memory.latency is the walker's cost per entry read. `levels`
    is 4 or 5; `memory_bytes` the physical memory (sparse: only what is
    written takes host memory).
    """

    def __init__(self, config=None, levels=4, memory_bytes=4 << 30):
        super().__init__(_as_config(config), levels, memory_bytes)


class Access:
    """One access of a replayed iterable (tuples (kind, address[, size[, context]]) work too).

    kind: fetch, load or store (also read/write), or a control event:
    cr3_write (context, pcid, noflush), invlpg (address), invpcid (type,
    pcid, address), context_switch (context).
    """

    __slots__ = ("kind", "address", "size", "context", "pcid", "type", "noflush")

    def __init__(self, kind, address=0, size=0, context=0, pcid=0, type=0, noflush=False):
        self.kind, self.address, self.size, self.context = kind, address, size, context
        self.pcid, self.type, self.noflush = pcid, type, noflush

    def __repr__(self):
        return "Access(%r, 0x%x, size=%d)" % (self.kind, self.address, self.size)


def _is_path(x):
    return isinstance(x, (str, os.PathLike))


def replay(trace, config=None, *, format="auto", limit=0, contexts=False):
    """Replays a trace through the MMU with the OS model; returns the dict
    `tlmmu trace --json` writes (statistics, MPKI, OS counters, configuration).

    `trace` is a path (any format the command line reads, or a synth: spec),
    a list of paths (several processes run together), or an iterable of
    accesses: tuples (kind, address[, size[, context]]) or objects with
    kind/address attributes such as tlmmu.Access. With `contexts`, the
    accesses' context selects their address space. `config` is a Config, a
    dict or a list of "KEY=VALUE" strings.
    """
    cfg = _as_config(config)
    if not isinstance(format, str):
        raise TypeError("format: expected a str, got " + type(format).__name__)
    if _is_path(trace):
        return _tlmmu.replay_paths([os.fspath(trace)], cfg, format, limit)
    if isinstance(trace, (list, tuple)) and trace and all(_is_path(t) for t in trace):
        return _tlmmu.replay_paths([os.fspath(t) for t in trace], cfg, format, limit)
    if format != "auto":
        raise ValueError("format: only for trace files, not for an iterable of accesses")
    try:
        iter(trace)
    except TypeError:
        raise TypeError("trace: expected a path, a list of paths or an iterable of accesses, got "
                        + type(trace).__name__) from None
    return _tlmmu.replay_records(trace, cfg, limit, bool(contexts))


def _as_config(value):
    if value is None:
        return Config()
    if isinstance(value, Config):
        value.validate()
        return value
    if isinstance(value, (dict, list, tuple)):
        return config(value)
    raise TypeError("config: expected a tlmmu.Config, a dict or a list of 'KEY=VALUE' strings, got "
                    + type(value).__name__)


def _cell(text):
    """A results.csv field as a Python value: int, float, None for an empty field, else the text."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _rows(header, rows):
    return [{name: _cell(value) for name, value in zip(header, row)} for row in rows]


def sweep_results(path, output=None):
    """The results of a `tlmmu sweep` as a list of dicts, one per job (ready for pandas.DataFrame).

    `path` is a sweep's results.csv, its output directory, or its spec file
    (.json): a spec is aggregated from the job results in `output` (default:
    the spec's "output", else SPEC.sweep in the current directory, as the
    command does), so unfinished sweeps can be read too; jobs without a
    result are left out. Numbers become int or float, empty fields None.
    """
    if not _is_path(path):
        raise TypeError("path: expected a path, got " + type(path).__name__)
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "results.csv")
    if path.endswith(".json"):
        if output is None:
            output = _tlmmu.sweep_output(path)
        if not output:
            stem = os.path.basename(path)[: -len(".json")]
            output = stem + ".sweep"
        header, rows, _missing = _tlmmu.sweep_table(path, os.path.abspath(os.fspath(output)))
        return _rows(header, rows)
    try:
        with open(path, newline="") as f:
            table = list(csv.reader(f))
    except OSError as e:
        raise ValueError("path: %s: %s" % (path, e.strerror)) from None
    if not table:
        raise ValueError("path: %s: empty CSV" % path)
    header = table[0]
    for number, row in enumerate(table[1:], start=2):
        if len(row) != len(header):
            raise ValueError("path: %s:%d: %d fields, the header has %d" % (path, number, len(row), len(header)))
    return _rows(header, table[1:])
