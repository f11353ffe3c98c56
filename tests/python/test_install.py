"""`cmake --install` puts the package where Debian's python3 finds it: import tlmmu from a scratch prefix."""

import os
import subprocess
import sys
import unittest

from support import BUILD_DIR, SORT_TRACE, fresh_dir

CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")
INSTALL_DIR = os.environ.get("TLMMU_PYTHON_INSTALL_DIR", "lib/python3/dist-packages")

PROBE = """
import sys, tlmmu
print(tlmmu.__file__)
config = tlmmu.config({"l2.latency": 12})
result = tlmmu.replay(sys.argv[1], config, limit=20000)
print(result["accesses"], result["mmu_config"]["l2.latency"])
system = tlmmu.System(config)
root = system.builder.new_root()
system.builder.map(root, 0x1000, 0x5000)
system.boot(root)
print(hex(system.mmu.translate(0x1234).pa))
"""


class InstallTest(unittest.TestCase):
    def test_import_from_an_installed_prefix(self):
        work = fresh_dir("install")
        prefix = os.path.join(work, "prefix")
        done = subprocess.run([CMAKE, "--install", BUILD_DIR, "--prefix", prefix], capture_output=True, text=True,
                              timeout=240)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        site = os.path.join(prefix, INSTALL_DIR)
        self.assertTrue(os.path.isfile(os.path.join(site, "tlmmu", "__init__.py")))
        # Only the prefix on the path: not the build tree, not the sources.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["PYTHONPATH"] = site
        done = subprocess.run([sys.executable, "-c", PROBE, SORT_TRACE], capture_output=True, text=True, cwd=work,
                              env=env, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.split("\n")
        self.assertTrue(lines[0].startswith(os.path.join(site, "tlmmu")), lines[0])
        self.assertEqual(lines[1], "20000 12")
        self.assertEqual(lines[2], "0x5234")


if __name__ == "__main__":
    unittest.main()
