"""Sweep results as rows, and the Python example: its figures equal the command line's."""

import glob
import importlib.util
import json
import os
import subprocess
import sys
import unittest

import tlmmu

from support import CLI, SORT_TRACE, SOURCE_DIR, fresh_dir, run_cli

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "python", "l2_size_sweep.py")
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
LIMIT = "400000"  # records of the sort trace per run: the example's default is all of them (a million)
COMPARED = ("stats.tlb.l2.lookups", "stats.tlb.l2.misses", "stats.walks.count", "mpki.l2_misses", "mpki.walks")


def run_example(work, *args):
    rows_path = os.path.join(work, "rows.json")
    png = os.path.join(work, "plot.png")
    done = subprocess.run([sys.executable, EXAMPLE, "--plot", png, "--json", rows_path, "--work", work, *args],
                          capture_output=True, text=True, timeout=240, env=dict(os.environ, MPLBACKEND="Agg"))
    if done.returncode != 0:
        raise AssertionError("example failed:\n" + done.stdout + done.stderr)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", "the example wrote no PNG"
    with open(rows_path) as f:
        return json.load(f), done.stdout


@unittest.skipUnless(HAVE_MATPLOTLIB, "matplotlib is not installed (apt-get install python3-matplotlib)")
class ExampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = fresh_dir("example-in-process")
        cls.rows, cls.printed = run_example(cls.work, "--limit", LIMIT)

    def test_example_figures_equal_the_command_line(self):
        work, rows = self.work, self.rows
        self.assertEqual(len(rows), 7)
        self.assertIn("mpki.walks", self.printed)
        for row in rows:
            out = os.path.join(work, "cli.json")
            done = run_cli("trace", "--quiet", "--json", out, "--set", "l1d.arrays=4k:16x4:lru 2m:8x4:lru 1g:1x4:lru",
                           "--set", "l2.arrays=" + row["l2"], "--limit", LIMIT, SORT_TRACE)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(out) as f:
                cli = json.load(f)
            self.assertEqual(row["mpki.l2_misses"], cli["mpki"]["l2_misses"], row["l2"])
            self.assertEqual(row["mpki.walks"], cli["mpki"]["walks"], row["l2"])
            self.assertEqual(row["stats.tlb.l2.misses"], cli["stats"]["tlb"]["l2"]["misses"], row["l2"])
        # A bigger L2 never misses more on this trace (LRU inclusion), and the range is not flat.
        misses = [r["stats.tlb.l2.misses"] for r in rows]
        self.assertEqual(misses, sorted(misses, reverse=True))
        self.assertGreater(misses[0], misses[-1] * 1.1)

    def test_the_command_line_sweep_gives_the_same_rows(self):
        mine = self.rows
        theirs, _ = run_example(fresh_dir("example-cli"), "--limit", LIMIT, "--tlmmu", CLI)
        self.assertEqual(len(mine), len(theirs))
        for a, b in zip(mine, theirs):
            self.assertEqual(a["l2"], b["l2"])
            self.assertEqual(a["l2.entries"], b["l2.entries"])
            for column in COMPARED:
                self.assertEqual(a[column], b[column], (a["l2"], column))


class SweepResultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = fresh_dir("sweep-results")
        cls.spec = os.path.join(cls.work, "pcid.json")
        with open(cls.spec, "w") as f:
            json.dump({"traces": [SORT_TRACE, "synth:chase,pages=512,passes=2,seed=1"],
                       "base": {"limit": 100000},
                       "axes": [{"os": "pcid", "values": ["off", "noflush"]},
                                {"set": "l2.arrays", "name": "l2", "values": ["4k+2m:16x12:lru", "4k+2m:64x12:lru"]}]},
                      f)
        cls.out = os.path.join(cls.work, "out")
        done = run_cli("sweep", "--jobs", "2", "--out", cls.out, cls.spec)
        assert done.returncode == 0, done.stderr

    def test_rows_from_the_directory_the_csv_and_the_spec(self):
        rows = tlmmu.sweep_results(self.out)
        self.assertEqual(len(rows), 8)
        self.assertEqual(rows, tlmmu.sweep_results(os.path.join(self.out, "results.csv")))
        self.assertEqual(rows, tlmmu.sweep_results(self.spec, output=self.out))
        first = rows[0]
        self.assertEqual((first["os.pcid"], first["l2"], first["l2.entries"]), ("off", "4k+2m:16x12:lru", 192))
        self.assertIsInstance(first["stats.walks.count"], int)
        self.assertIsInstance(first["mpki.walks"], float)
        self.assertEqual([r["os.pcid"] for r in rows[:4]], ["off", "off", "noflush", "noflush"])
        # Each row is the job's `tlmmu trace --json` result, flattened.
        with open(glob.glob(os.path.join(self.out, "jobs", first["job"] + "*.json"))[0]) as f:
            job = json.load(f)
        self.assertEqual(first["stats.tlb.l2.misses"], job["stats"]["tlb"]["l2"]["misses"])
        self.assertEqual(first["mpki.walks"], job["mpki"]["walks"])

    def test_an_unfinished_sweep_reads_from_its_spec(self):
        partial = fresh_dir("sweep-partial")
        done = run_cli("sweep", "--job", "3", "--out", partial, self.spec)
        self.assertEqual(done.returncode, 0, done.stderr)
        rows = tlmmu.sweep_results(self.spec, output=partial)
        self.assertEqual(len(rows), 1)
        # (Columns are the union over the rows present: the full sweep also has
        # the null "mpki" of the synthetic trace's jobs.)
        full = tlmmu.sweep_results(self.out)[3]
        self.assertEqual(rows[0], {k: v for k, v in full.items() if k in rows[0]})
        self.assertGreater(len(rows[0]), 50)

    def test_errors(self):
        with self.assertRaisesRegex(TypeError, "^path: "):
            tlmmu.sweep_results(3)
        with self.assertRaisesRegex(ValueError, "^path: .*missing"):
            tlmmu.sweep_results(os.path.join(self.work, "missing"))
        bad = os.path.join(self.work, "bad.csv")
        with open(bad, "w") as f:
            f.write("job,trace\na,b\nc\n")
        with self.assertRaisesRegex(ValueError, "bad.csv:3: 1 fields, the header has 2"):
            tlmmu.sweep_results(bad)
        bad_spec = os.path.join(self.work, "bad.json")
        with open(bad_spec, "w") as f:
            json.dump({"traces": [SORT_TRACE], "axis": []}, f)
        with self.assertRaisesRegex(ValueError, "bad.json.*axis"):
            tlmmu.sweep_results(bad_spec, output=self.out)


if __name__ == "__main__":
    unittest.main()
