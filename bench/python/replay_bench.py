#!/usr/bin/env python3
"""What feeding accesses from Python costs: the same accesses replayed from a lackey file
(the baseline), from a list of tuples, and from a generator of tlmmu.Access objects.

    PYTHONPATH=build/python python3 bench/python/replay_bench.py [--accesses N] [--reps R] [--json FILE]

Each figure is the median over the repetitions of the process CPU time of one
tlmmu.replay call; the ratio to the file baseline is the figure to compare between
machines. The replays are checked to produce identical statistics.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

import tlmmu


def accesses(count, seed=1):
    rng = random.Random(seed)
    kinds = ("fetch", "load", "load", "store")
    return [(kinds[rng.randrange(4)], 0x400000 + rng.randrange(2048) * 4096 + rng.randrange(512) * 8, 8)
            for _ in range(count)]


def write_lackey(path, records):
    letter = {"fetch": "I ", "load": " L", "store": " S"}
    with open(path, "w") as f:
        f.writelines("%s %08x,%d\n" % (letter[k], a, s) for k, a, s in records)


def timed(fn, reps):
    samples, result = [], None
    for _ in range(reps):
        start = time.process_time()
        result = fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples), result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--accesses", type=int, default=1000000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--json", help="write the figures as JSON")
    args = p.parse_args()

    records = accesses(args.accesses)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.lackey")
        write_lackey(path, records)
        runs = [
            ("lackey file (baseline)", lambda: tlmmu.replay(path)),
            ("list of tuples", lambda: tlmmu.replay(records)),
            ("generator of tlmmu.Access", lambda: tlmmu.replay(tlmmu.Access(k, a, s) for k, a, s in records)),
        ]
        figures, reference = [], None
        for name, fn in runs:
            seconds, result = timed(fn, args.reps)
            if reference is None:
                reference = result
            elif result["stats"] != reference["stats"] or result["os_stats"] != reference["os_stats"]:
                sys.exit("replay_bench: %s gave other statistics than the file" % name)
            figures.append({"source": name, "seconds": seconds, "accesses_per_second": args.accesses / seconds})
    base = figures[0]["seconds"]
    print("%-28s %10s %14s %8s" % ("source", "seconds", "M accesses/s", "ratio"))
    for f in figures:
        f["ratio"] = f["seconds"] / base
        print("%-28s %10.3f %14.2f %8.2f" % (f["source"], f["seconds"], f["accesses_per_second"] / 1e6, f["ratio"]))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"accesses": args.accesses, "reps": args.reps, "figures": figures}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
