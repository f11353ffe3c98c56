"""Trace replay from Python reports what `tlmmu trace --json` reports, for files and for iterables."""

import json
import os
import random
import unittest

import tlmmu

from support import SORT_TRACE, SOURCE_DIR, fresh_dir, run_cli, without_timing

SETTINGS = {"l2.latency": 12, "l2.arrays": "4k+2m:64x12:lru 1g:4x4:lru", "os.pcid": "on", "os.quantum": 20000}


def cli_flags(settings):
    flags = []
    for key, value in settings.items():
        if key.startswith("os.") or key == "memory.latency":
            flags += ["--os", "%s=%s" % (key[3:] if key.startswith("os.") else key, value)]
        else:
            flags += ["--set", "%s=%s" % (key, value)]
    return flags


def cli_result(traces, settings, *extra):
    out = os.path.join(fresh_dir("replay-cli"), "run.json")
    done = run_cli("trace", "--quiet", "--json", out, *cli_flags(settings), *extra, *traces)
    if done.returncode != 0:
        raise AssertionError("tlmmu trace failed: " + done.stderr)
    with open(out) as f:
        return json.load(f)


def accesses(count, seed):
    """A reproducible mix of fetches, loads and stores over a few hundred pages."""
    rng = random.Random(seed)
    kinds = ("fetch", "load", "load", "store")
    return [(kinds[rng.randrange(4)], 0x400000 + rng.randrange(300) * 4096 + rng.randrange(4096) // 8 * 8, 8)
            for _ in range(count)]


def write_lackey(path, records):
    letter = {"fetch": "I ", "load": " L", "store": " S"}
    with open(path, "w") as f:
        for kind, address, size in records:
            f.write("%s %08x,%d\n" % (letter[kind], address, size))


class ReplayFileTest(unittest.TestCase):
    def test_same_figures_as_the_command_line(self):
        config = tlmmu.config(SETTINGS)
        mine = tlmmu.replay(SORT_TRACE, config)
        theirs = cli_result([SORT_TRACE], SETTINGS)
        self.assertGreater(mine["accesses"], 900000)
        self.assertEqual(without_timing(mine), without_timing(theirs))
        self.assertEqual(mine["mmu_config"]["l2.latency"], "12")
        self.assertEqual(mine["os"]["pcid"], "on")

    def test_several_processes_and_formats(self):
        traces = [os.path.join(SOURCE_DIR, "traces", "sort.champsim.xz"), "synth:chase,pages=512,passes=2,seed=3"]
        mine = tlmmu.replay(traces, SETTINGS, limit=200000)
        theirs = cli_result(traces, SETTINGS, "--limit", "200000")
        self.assertEqual(without_timing(mine), without_timing(theirs))
        self.assertEqual(mine["os_stats"]["processes"], 2)
        self.assertEqual(mine["formats"], ["champsim", "synthetic"])

        drm = os.path.join(SOURCE_DIR, "traces", "sort.drmemtrace.zip")
        mine = tlmmu.replay(drm, None, format="drmemtrace", limit=50000)
        theirs = cli_result([drm], {}, "--format", "drmemtrace", "--limit", "50000")
        self.assertEqual(without_timing(mine), without_timing(theirs))
        self.assertTrue(mine["limited"])
        self.assertEqual(mine["records"], 50000)


class ReplayIterableTest(unittest.TestCase):
    def test_an_iterable_replays_like_the_same_trace_file(self):
        records = accesses(30000, seed=7)
        path = os.path.join(fresh_dir("replay-iterable"), "mix.lackey")
        write_lackey(path, records)
        from_file = tlmmu.replay(path, SETTINGS)
        as_tuples = tlmmu.replay(records, SETTINGS)
        as_objects = tlmmu.replay((tlmmu.Access(k, a, s) for k, a, s in records), SETTINGS)
        self.assertEqual(as_tuples["formats"], ["records"])
        for result in (as_tuples, as_objects):
            for key in ("accesses", "instructions", "loads", "stores", "page_crossings", "mpki", "stats", "os_stats",
                        "walk_references"):
                self.assertEqual(result[key], from_file[key], key)
        self.assertEqual(from_file["instructions"], sum(1 for r in records if r[0] == "fetch"))
        self.assertGreater(from_file["stats"]["walks"]["count"], 0)

    def test_contexts_are_address_spaces(self):
        records = [("load", 0x1000 * (i % 64), 8, i // 1000 % 2) for i in range(8000)]
        one = tlmmu.replay(records)
        two = tlmmu.replay(records, contexts=True)
        self.assertEqual(one["os_stats"]["processes"], 1)
        self.assertEqual(two["os_stats"]["processes"], 2)
        self.assertEqual(one["os_stats"]["demand_faults"], 64)
        self.assertEqual(two["os_stats"]["demand_faults"], 128)

    def test_control_events(self):
        records = [tlmmu.Access("load", 0x5000, 8), tlmmu.Access("invlpg", 0x5000), tlmmu.Access("load", 0x5000, 8),
                   tlmmu.Access("invpcid", type=2), tlmmu.Access("load", 0x5000, 8)]
        result = tlmmu.replay(records)
        self.assertEqual(result["os_stats"]["control_events"], 2)
        self.assertEqual(result["stats"]["operations"]["invlpg"]["count"], 1)
        # The first load walks twice (the #PF, then the retry after demand
        # paging); each flush costs the next load a walk.
        self.assertEqual(result["stats"]["walks"]["count"], 4)
        self.assertEqual(result["os_stats"]["demand_faults"], 1)

    def test_limit(self):
        result = tlmmu.replay(iter(accesses(5000, seed=1)), limit=1000)
        self.assertEqual((result["records"], result["limited"]), (1000, True))


class ReplayErrorTest(unittest.TestCase):
    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "^limit: "):
            tlmmu.replay(SORT_TRACE, limit=-1)
        with self.assertRaisesRegex(TypeError, "^limit: "):
            tlmmu.replay(SORT_TRACE, limit="all")
        with self.assertRaisesRegex(ValueError, "^format: unknown format 'pin'"):
            tlmmu.replay(SORT_TRACE, format="pin")
        with self.assertRaisesRegex(ValueError, "^format: "):
            tlmmu.replay([("load", 0)], format="lackey")
        with self.assertRaisesRegex(TypeError, "^trace: "):
            tlmmu.replay(42)
        with self.assertRaisesRegex(TypeError, "^config: "):
            tlmmu.replay(SORT_TRACE, config="skylake")
        with self.assertRaisesRegex(ValueError, r"^trace\[1\]\.kind: 'jump'"):
            tlmmu.replay([("load", 0), ("jump", 0)])
        with self.assertRaisesRegex(ValueError, r"^trace\[0\]\.address: -4096 is negative"):
            tlmmu.replay([("load", -4096)])
        with self.assertRaisesRegex(ValueError, r"^trace\[0\]\.size: 300 is out of range"):
            tlmmu.replay([("load", 0, 300)])
        with self.assertRaisesRegex(ValueError, r"^trace\[0\]: expected \(kind, address"):
            tlmmu.replay([("load",)])
        with self.assertRaisesRegex(TypeError, r"^trace\[2\]: expected a tuple"):
            tlmmu.replay([("load", 0), ("load", 8), 17])
        with self.assertRaisesRegex(ValueError, "^os.pcid: "):
            tlmmu.replay(SORT_TRACE, {"os.pcid": "sometimes"})

    def test_an_error_inside_the_iterable_reaches_the_caller(self):
        def broken():
            yield ("load", 0x1000, 8)
            raise RuntimeError("generator broke")

        with self.assertRaisesRegex(RuntimeError, "generator broke"):
            tlmmu.replay(broken())
        self.assertEqual(tlmmu.replay([("load", 0x1000, 8)])["accesses"], 1)  # and the module still works

    def test_trace_errors_carry_the_command_line_message(self):
        work = fresh_dir("replay-errors")
        bad = os.path.join(work, "bad.lackey")
        with open(bad, "w") as f:
            f.write("I  00400000,4\n L 0040zz00,8\n")
        missing = os.path.join(work, "missing.trace")
        for path in (bad, missing):
            with self.assertRaises(tlmmu.TraceError) as caught:
                tlmmu.replay(path)
            self.assertIsInstance(caught.exception, ValueError)
            cli = run_cli("trace", "--quiet", path)
            self.assertEqual(cli.returncode, 1)
            self.assertIn(str(caught.exception), cli.stderr)
            if path == bad:
                self.assertIn("bad.lackey:2", str(caught.exception))  # file and line


if __name__ == "__main__":
    unittest.main()
