#!/bin/bash
# Sweep scaling: the same 8-job spec run with --jobs 1 and with --jobs 2, in one
# run, alternating, each REPEAT times (fresh output directories, so nothing is
# skipped). Prints the wall times and the speed-up. Not part of ctest (timing).
#   tests/sweep/scaling.sh TLMMU [REPEAT]
set -eu
tlmmu=$1
repeat=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/scaling.json" <<'JSON'
{
  "description": "8 CPU-bound jobs of about the same length",
  "traces": ["synth:random,pages=2048,accesses=4000000,seed=1", "synth:random,pages=2048,accesses=4000000,seed=2"],
  "axes": [{"set": "l2.arrays", "values": ["4k+2m:32x12:lru", "4k+2m:64x12:lru", "4k+2m:128x12:lru", "4k+2m:256x12:lru"]}]
}
JSON
# Wall time and the CPU time of the sweep and its jobs (user + system): on a
# machine shared with other work the CPU/wall ratio shows how many cores the
# sweep actually got.
t1=0; t2=0
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$repeat"); do
    for jobs in 1 2; do
        /usr/bin/time -f "%e %U %S" -o "$work/time" \
            "$tlmmu" sweep --jobs $jobs --out "$work/out-$jobs-$r" "$work/scaling.json" 2> /dev/null
        read -r elapsed user sys < "$work/time"
        echo "run $r --jobs $jobs: wall $elapsed s, cpu $(echo "$user + $sys" | bc) s, cpu/wall $(echo "scale=2; ($user + $sys) / $elapsed" | bc)"
        if [ $jobs = 1 ]; then t1=$(echo "$t1 + $elapsed" | bc); else t2=$(echo "$t2 + $elapsed" | bc); fi
    done
    cmp "$work/out-1-$r/results.csv" "$work/out-2-$r/results.csv"
done
echo "total wall --jobs 1: $t1 s, --jobs 2: $t2 s, speed-up $(echo "scale=2; $t1 / $t2" | bc)x on $(nproc) cores"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
