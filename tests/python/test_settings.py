"""Configurations through the settings registry: the same keys, defaults and errors as the command line."""

import os
import unittest

import tlmmu

from support import fresh_dir, run_cli


class SettingsTest(unittest.TestCase):
    def test_lists_every_key_with_doc_and_default(self):
        listed = {s["key"]: s for s in tlmmu.settings()}
        for key in ("l1d.arrays", "l2.latency", "psc.pd", "cost.invlpg", "maxphyaddr", "memory.latency",
                    "os.pcid", "os.page_size", "os.quantum"):
            self.assertIn(key, listed)
            self.assertTrue(listed[key]["doc"], key)
        self.assertEqual(listed["memory.latency"]["default"], "20")
        self.assertEqual(listed["l2.latency"]["unit"], "cycles")
        # Each listed default is what a fresh Config holds (os.gigantic_pages
        # is listed as "auto" and read back as the pool that resolves to).
        values = tlmmu.Config().values()
        for key, setting in listed.items():
            if key == "os.gigantic_pages":
                continue
            self.assertEqual(values[key], setting["default"], key)

    def test_the_command_lists_the_same_keys(self):
        out = run_cli("settings").stdout
        for s in tlmmu.settings():
            self.assertIn(s["key"], out)

    def test_dict_and_assignments_give_the_same_config(self):
        a = tlmmu.config({"l2.latency": 12, "os.pcid": "on", "os.kpti": True, "memory.latency": "30"})
        b = tlmmu.config(["l2.latency=12", "os.pcid = on", "os.kpti=on", "memory.latency=30"])
        c = tlmmu.config(l2__latency=12, os__pcid="on", os__kpti=True, memory__latency=30)
        self.assertEqual(a.values(), b.values())
        self.assertEqual(a.values(), c.values())
        self.assertEqual(a.get("l2.latency"), "12")
        self.assertEqual(a.get("os.pcid"), "on")
        self.assertEqual(a.get("memory.latency"), "30")
        self.assertNotEqual(a.values(), tlmmu.Config().values())

    def test_dump_reads_back(self):
        a = tlmmu.config({"l2.arrays": "4k+2m:64x12:lru 1g:4x4:lru", "os.page_size": "2m"})
        path = os.path.join(fresh_dir("settings-dump"), "run.conf")
        with open(path, "w") as f:
            f.write(a.dump())
        b = tlmmu.Config()
        b.load(path)
        self.assertEqual(a.values(), b.values())

    def test_errors_are_value_errors_with_the_registry_message(self):
        cases = [("l2.latncy", "3"), ("l2.latency", "lots"), ("os.pcid", "maybe"), ("maxphyaddr", "70")]
        for key, value in cases:
            with self.assertRaises(ValueError) as caught:
                tlmmu.config({key: value})
            message = str(caught.exception)
            self.assertTrue(message)
            # `tlmmu settings`-registry errors read the same on the command line.
            option = "--os" if key.startswith("os.") else "--set"
            cli = run_cli("trace", "--quiet", option, key + "=" + value, "synth:sequential,pages=4")
            self.assertNotEqual(cli.returncode, 0)
            self.assertIn(message, cli.stderr, (key, value))
        with self.assertRaisesRegex(ValueError, "did you mean 'l2.latency'"):
            tlmmu.config({"l2.latncy": 3})
        with self.assertRaisesRegex(ValueError, "^unknown setting 'os.pcidd' \\(did you mean 'os.pcid'\\?\\)$"):
            tlmmu.Config().get("os.pcidd")
        with self.assertRaisesRegex(ValueError, "expected KEY=VALUE"):
            tlmmu.config(["l2.latency"])
        bad_file = os.path.join(fresh_dir("settings-file"), "bad.conf")
        with open(bad_file, "w") as f:
            f.write("l2.latency = 9\n\nl2.sets = 3\n")
        with self.assertRaisesRegex(ValueError, "bad.conf:3: "):
            tlmmu.Config().load(bad_file)

    def test_cross_field_checks(self):
        with self.assertRaisesRegex(ValueError, "l1d"):
            tlmmu.config({"l1d.arrays": "4k:3x4:lru"})

    def test_wrong_types_name_the_argument(self):
        with self.assertRaisesRegex(TypeError, "values"):
            tlmmu.config(12)
        with self.assertRaisesRegex(TypeError, "values"):
            tlmmu.config("l2.latency=3")
        with self.assertRaisesRegex(TypeError, "key"):
            tlmmu.Config().set(3, 4)
        with self.assertRaisesRegex(TypeError, "l2.latency"):
            tlmmu.Config().set("l2.latency", [1])
        with self.assertRaisesRegex(TypeError, "assignment"):
            tlmmu.config([("l2.latency", 3)])


if __name__ == "__main__":
    unittest.main()
