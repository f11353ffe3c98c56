#!/usr/bin/env python3
"""Runs byte-mutated copies of guest ELFs on both platform backends.

Every run must end by itself within the limits given (no hang, no crash: an
exit status the platform documents), and both backends must give the same
exit status and the same message. Fixed seed: the same mutants every time.
usage: mutants.py TLMMU OUT_DIR COUNT ELF...
"""
import os
import random
import subprocess
import sys

DOCUMENTED = set(range(0, 120)) | {120, 121, 122, 123, 125}


def run(tlmmu, elf, backend):
    cmd = [tlmmu, "run", elf, "--max-instructions", "200000", "--max-wall", "10",
           "--platform", "backend=" + backend]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60, env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
    last = p.stderr.decode(errors="replace").strip().splitlines()
    return p.returncode, (last[-1] if last else "")


def main():
    tlmmu, out, count, elfs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261205)
    failures = 0
    for i in range(count):
        source = elfs[i % len(elfs)]
        data = bytearray(open(source, "rb").read())
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = os.path.join(out, "mutant-%03d.elf" % i)
        with open(path, "wb") as f:
            f.write(data)
        direct = run(tlmmu, path, "direct")
        systemc = run(tlmmu, path, "systemc")
        if direct[0] not in DOCUMENTED or direct != systemc:
            failures += 1
            print("%s (from %s): direct %r, systemc %r" % (path, source, direct, systemc))
    print("%d passed, %d failed" % (count - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
