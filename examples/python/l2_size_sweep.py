#!/usr/bin/env python3
"""L2 TLB size against misses, on a real trace: a small sweep from Python, plotted with matplotlib.

    PYTHONPATH=build/python python3 examples/python/l2_size_sweep.py                 # in-process
    PYTHONPATH=build/python python3 examples/python/l2_size_sweep.py \\
        --tlmmu build/tools/tlmmu/tlmmu                                               # through `tlmmu sweep`

Each configuration replays traces/sort.lackey.xz (Valgrind lackey, `sort` on a 1 MB input)
through the MMU and the OS model with one L2 TLB geometry. In-process, every point is
tlmmu.replay(); with --tlmmu the same sweep is a `tlmmu sweep` spec run on all cores and read
back with tlmmu.sweep_results(). Both give the same rows: one per L2 size, the columns of
results.csv. The plot shows L2 misses and page walks per thousand instructions.
"""

import argparse
import json
import os
import subprocess
import sys

import tlmmu

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TRACE = os.path.join(HERE, "..", "..", "traces", "sort.lackey.xz")
# Sets of the 12-way 4 KiB/2 MiB array; the 1 GiB array stays 4x4.
L2_SETS = (1, 2, 4, 8, 16, 32, 64)
L1D = "4k:16x4:lru 2m:8x4:lru 1g:1x4:lru"


def l2_arrays(sets):
    return "4k+2m:%dx12:lru 1g:4x4:lru" % sets


def entries(arrays):
    """Total entries of an arrays value ("4k+2m:64x12:lru 1g:4x4:lru" -> 784)."""
    total = 0
    for array in arrays.split():
        sets, ways = array.split(":")[1].split("x")
        total += int(sets) * int(ways)
    return total


def sweep_in_process(trace, limit):
    rows = []
    for sets in L2_SETS:
        config = tlmmu.config({"l1d.arrays": L1D, "l2.arrays": l2_arrays(sets)})
        r = tlmmu.replay(trace, config, limit=limit)
        l2 = r["stats"]["tlb"]["l2"]
        rows.append({
            "trace": trace,
            "l2": l2_arrays(sets),
            "l2.entries": entries(l2_arrays(sets)),
            "stats.tlb.l2.lookups": l2["lookups"],
            "stats.tlb.l2.misses": l2["misses"],
            "stats.walks.count": r["stats"]["walks"]["count"],
            "mpki.l2_misses": r["mpki"]["l2_misses"],
            "mpki.walks": r["mpki"]["walks"],
        })
    return rows


def sweep_with_command(tlmmu_program, trace, limit, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    spec = {
        "description": "examples/python/l2_size_sweep.py",
        "traces": [os.path.abspath(trace)],
        "base": {"set": {"l1d.arrays": L1D}},
        "axes": [{"set": "l2.arrays", "name": "l2", "values": [l2_arrays(s) for s in L2_SETS]}],
    }
    if limit:
        spec["base"]["limit"] = limit
    spec_path = os.path.join(out_dir, "l2-size.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f, indent=2)
    results = os.path.join(out_dir, "l2-size.sweep")
    subprocess.run([tlmmu_program, "sweep", "--out", results, spec_path], check=True)
    return tlmmu.sweep_results(results)


def plot(rows, title, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [r["l2.entries"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, [r["mpki.l2_misses"] for r in rows], marker="o", label="L2 TLB misses")
    ax.plot(x, [r["mpki.walks"] for r in rows], marker="s", linestyle="--", label="page walks")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("L2 TLB entries")
    ax.set_ylabel("per thousand instructions")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trace", default=DEFAULT_TRACE, help="trace to replay (any format tlmmu trace reads)")
    p.add_argument("--limit", type=int, default=0, help="records per run (0: the whole trace)")
    p.add_argument("--tlmmu", help="run the sweep with this tlmmu executable (`tlmmu sweep`) instead of in-process")
    p.add_argument("--work", default="l2-size-work", help="directory for the sweep spec and results (--tlmmu)")
    p.add_argument("--plot", default="l2-size.png", help="PNG to write")
    p.add_argument("--json", help="also write the rows as JSON")
    args = p.parse_args(argv)

    if args.tlmmu:
        rows = sweep_with_command(args.tlmmu, args.trace, args.limit, args.work)
    else:
        rows = sweep_in_process(args.trace, args.limit)
    try:
        import pandas
        print(pandas.DataFrame(rows)[["l2.entries", "mpki.l2_misses", "mpki.walks"]].to_string(index=False))
    except ImportError:
        print("%10s %15s %12s" % ("l2.entries", "mpki.l2_misses", "mpki.walks"))
        for r in rows:
            print("%10d %15.3f %12.3f" % (r["l2.entries"], r["mpki.l2_misses"], r["mpki.walks"]))
    plot(rows, "L2 TLB size, " + os.path.basename(args.trace), args.plot)
    print("wrote " + args.plot)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
