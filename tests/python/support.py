"""What the Python tests share: where the sources, the command line and a scratch directory are."""

import os
import shutil
import subprocess

SOURCE_DIR = os.environ.get("TLMMU_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("TLMMU_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
CLI = os.environ.get("TLMMU_CLI") or os.path.join(BUILD_DIR, "tools", "tlmmu", "tlmmu")
WORK_DIR = os.environ.get("TLMMU_WORK_DIR") or os.path.join(BUILD_DIR, "tests", "python", "work")
SORT_TRACE = os.path.join(SOURCE_DIR, "traces", "sort.lackey.xz")

# Wall-clock fields of a replay result: the only ones two runs may differ in.
TIMING = ("seconds", "accesses_per_second")


def fresh_dir(name):
    path = os.path.join(WORK_DIR, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def run_cli(*args):
    """Runs `tlmmu ARGS`; returns the completed process (output as text)."""
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=240)


def without_timing(result):
    return {k: v for k, v in result.items() if k not in TIMING}
