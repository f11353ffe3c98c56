#!/bin/sh
# Makes the real sample traces in traces/ from one run of a standard program:
#
#   traces/make-lackey-trace.sh [TLMMU]      (TLMMU: the built tlmmu binary, default build/tools/tlmmu/tlmmu)
#
# 1. sort.lackey.xz — Valgrind lackey over GNU sort of a fixed 600-line input:
#      env -i PATH=/usr/bin:/bin valgrind --tool=lackey --trace-mem=yes --log-file=sort.lackey \
#          sort -S 1M --parallel=1 input.txt < /dev/null > sorted.txt
#    input.txt is `seq 1 600 | awk '{print ($1*7919)%10007, "line", $1}'`, in an empty
#    temporary directory; -S and --parallel fix sort's buffer and thread choices, which
#    otherwise follow the machine's free memory and cores. Valgrind loads programs at
#    fixed addresses, so reruns give the same 1,001,594 records except two byte loads in
#    ld.so indexed by the kernel's per-run AT_RANDOM bytes (same page, other offset).
#    Process ids in Valgrind's "==PID==" message lines are replaced by 0 (readers skip
#    those lines).
# 2. sort.champsim.xz, sort.cloudsuite.xz, sort.drmemtrace.zip — the same records written
#    in ChampSim's input_instr and cloudsuite_instr layouts and as a drmemtrace zip by
#    `tlmmu convert --to ...` (ChampSim's tracer and DynamoRIO are not available here;
#    these are conversions of the real lackey trace, not native recordings of those tools).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tlmmu=${1:-$here/../build/tools/tlmmu/tlmmu}
case "$tlmmu" in /*) ;; *) tlmmu=$(pwd)/$tlmmu ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
seq 1 600 | awk '{print ($1*7919)%10007, "line", $1}' > input.txt
env -i PATH=/usr/bin:/bin valgrind --tool=lackey --trace-mem=yes --log-file=sort.lackey \
    sort -S 1M --parallel=1 input.txt < /dev/null > sorted.txt
sed -e 's/^==[0-9]*==/==0==/' -e 's/Parent PID: [0-9]*/Parent PID: 0/' sort.lackey | xz -6 > sort.lackey.xz
mv sort.lackey.xz "$here/sort.lackey.xz"

if [ -x "$tlmmu" ]; then
    "$tlmmu" convert "$here/sort.lackey.xz" "$here/sort.champsim.xz" --to champsim
    "$tlmmu" convert "$here/sort.lackey.xz" "$here/sort.cloudsuite.xz" --to champsim-cloudsuite
    "$tlmmu" convert "$here/sort.lackey.xz" "$here/sort.drmemtrace.zip" --to drmemtrace --pid 1 --tid 1 --chunk 100000
else
    echo "make-lackey-trace.sh: $tlmmu not built: ChampSim and drmemtrace samples not made" >&2
fi
ls -l "$here"/sort.*
