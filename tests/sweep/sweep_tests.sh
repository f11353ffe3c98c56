#!/bin/bash
# Behaviour of `tlmmu sweep` as a user sees it. Usage: sweep_tests.sh TEST TLMMU WORKDIR
# Each TEST is one ctest case (tests/sweep/CMakeLists.txt).
set -u
test_name=$1
tlmmu=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
check_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }

# A small real sweep: 2 synthetic traces x 2 L1D sizes x 2 page-size policies = 8 jobs.
write_small_spec() {
    cat > small.json <<'JSON'
{
  "description": "test sweep",
  "traces": ["synth:sequential,pages=256,passes=2", "synth:random,pages=512,accesses=4000,seed=3"],
  "base": {"set": {"l1d.latency": 1}},
  "axes": [
    {"set": "l1d.arrays", "name": "l1d", "values": ["4k:16x4:lru", "4k:64x4:lru"]},
    {"os": "page_size", "values": ["4k", "2m"]}
  ]
}
JSON
}

# Spec for the fake job command: 6 jobs.
write_fake_spec() {
    cat > fake.json <<'JSON'
{
  "traces": ["a.trace", "b.trace", "c.trace"],
  "axes": [{"set": "l1d.arrays", "values": ["4k:16x4:lru", "4k:32x4:lru"]}]
}
JSON
    touch a.trace b.trace c.trace
}

case "$test_name" in
rows)
    write_small_spec
    "$tlmmu" sweep --jobs 2 --out out small.json 2> err.txt || { cat err.txt; fail "sweep failed"; }
    [ -f out/results.csv ] || fail "no results.csv"
    check_eq "$(wc -l < out/results.csv)" 9 "header + 8 rows"
    head -1 out/results.csv | grep -q '^job,trace,l1d,l1d.entries,os.page_size,' || fail "header: $(head -1 out/results.csv | cut -c1-80)"
    # Spec order: traces outermost, last axis fastest.
    python3 - out/results.csv <<'PY' || fail "CSV content"
import csv, sys
header = next(csv.reader(open(sys.argv[1])))
assert len(header) == len(set(header)), "duplicate columns: %s" % sorted(c for c in header if header.count(c) > 1)
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 8, len(rows)
assert len({r["job"] for r in rows}) == 8, "job ids not unique"
expect = [(t, l, p) for t in ("synth:sequential,pages=256,passes=2", "synth:random,pages=512,accesses=4000,seed=3")
          for l in ("4k:16x4:lru", "4k:64x4:lru") for p in ("4k", "2m")]
got = [(r["trace"], r["l1d"], r["os.page_size"]) for r in rows]
assert got == expect, got
for r in rows:
    assert r["l1d.entries"] == ("64" if r["l1d"] == "4k:16x4:lru" else "256"), r
    assert float(r["l1d.miss_rate"]) >= 0
# Sequential, 256 pages, 2 passes (traces/README.md): 64 entries thrash, every access
# misses, plus the faulting first touches (PK + P); 256 entries hold them all (2P).
seq = [r for r in rows if r["trace"].startswith("synth:sequential") and r["os.page_size"] == "4k"]
assert int(seq[0]["stats.tlb.l1d.misses"]) == 768, seq[0]["stats.tlb.l1d.misses"]
assert int(seq[1]["stats.tlb.l1d.misses"]) == 512, seq[1]["stats.tlb.l1d.misses"]
PY
    # The job list names the same result files the run wrote.
    "$tlmmu" sweep --list --out out small.json > list.txt || fail "--list failed"
    check_eq "$(wc -l < list.txt)" 8 "--list lines"
    for id in $(cut -d, -f1 out/results.csv | tail -n +2); do
        grep -q "out/jobs/$id.json" list.txt || fail "job $id not in --list"
        [ -f "out/jobs/$id.json" ] || fail "no out/jobs/$id.json"
    done
    ;;
example)
    # The example sweeps shipped in traces/sweeps/ parse; the small default one runs.
    for spec in "$here"/../../traces/sweeps/*.json; do
        "$tlmmu" sweep --list --out x "$spec" > /dev/null 2> err.txt || fail "$spec: $(cat err.txt)"
    done
    "$tlmmu" sweep --out small "$here/../../traces/sweeps/small.json" 2> err.txt || { cat err.txt; fail "small.json"; }
    check_eq "$(wc -l < small/results.csv)" 10 "small.json: header + 9 rows"
    ;;
list-job)
    write_small_spec
    # A cluster array runs the --list lines (or --job K); the sweep then only aggregates.
    "$tlmmu" sweep --list --out a small.json > list.txt || fail "--list failed"
    sh -c "$(sed -n 3p list.txt)" || fail "running line 3 of --list failed"
    for k in 0 1 3 4 5 6 7; do "$tlmmu" sweep --job $k --out a small.json 2>> err.txt || fail "--job $k failed"; done
    "$tlmmu" sweep --aggregate --out a small.json 2>> err.txt || { cat err.txt; fail "--aggregate"; }
    "$tlmmu" sweep --out b small.json 2>> err.txt || fail "full sweep failed"
    cmp a/results.csv b/results.csv || fail "job-array CSV differs from a single sweep's"
    "$tlmmu" sweep --job 8 --out a small.json 2> err.txt && fail "--job 8 of 8 jobs accepted"
    grep -q "the spec has 8 jobs" err.txt || fail "bad --job message: $(cat err.txt)"
    ;;
resume)
    write_small_spec
    "$tlmmu" sweep --out ref small.json 2> /dev/null || fail "reference sweep failed"
    # Half the jobs first (as if the sweep had been killed), then the whole sweep.
    for k in 0 2 5; do "$tlmmu" sweep --job $k --out part small.json 2> /dev/null || fail "--job $k"; done
    stamps_before=$(stat -c '%n %.9Y' part/jobs/*.json)
    "$tlmmu" sweep --out part small.json 2> err.txt || { cat err.txt; fail "resumed sweep failed"; }
    grep -q "5 ran, 3 already done, 0 failed" err.txt || fail "resume summary: $(cat err.txt)"
    while read -r f t; do check_eq "$(stat -c '%.9Y' "$f")" "$t" "finished job $f was run again"; done <<< "$stamps_before"
    cmp ref/results.csv part/results.csv || fail "resumed CSV differs from an uninterrupted sweep's"
    # A second rerun runs nothing and rewrites the same CSV.
    "$tlmmu" sweep --out part small.json 2> err.txt || fail "second rerun failed"
    grep -q "0 ran, 8 already done" err.txt || fail "second rerun: $(cat err.txt)"
    cmp ref/results.csv part/results.csv || fail "CSV changed on a no-op rerun"
    check_eq "$(tail -n +2 part/results.csv | cut -d, -f1 | sort | uniq -d | wc -l)" 0 "duplicate rows"
    # A corrupt (truncated) result is not taken as finished: it is run again.
    victim=$(ls part/jobs/*.json | head -1)
    head -c 20 "$victim" > "$victim.tmp" && mv "$victim.tmp" "$victim"
    "$tlmmu" sweep --out part small.json 2> err.txt || fail "rerun after corruption failed"
    grep -q "1 ran, 7 already done" err.txt || fail "corrupt result not rerun: $(cat err.txt)"
    cmp ref/results.csv part/results.csv || fail "CSV differs after rerunning a corrupt result"
    # Temporary files of killed writers are removed once old; a fresh one may belong to a
    # job-array task writing right now, and stays.
    touch -d '20 minutes ago' part/jobs/x.json.partial-AbC123 part/jobs/y.json.AbC123.partial
    touch part/jobs/z.json.partial-XyZ789
    "$tlmmu" sweep --out part small.json 2> err.txt || fail "rerun with temporary files: $(cat err.txt)"
    [ ! -e part/jobs/x.json.partial-AbC123 ] && [ ! -e part/jobs/y.json.AbC123.partial ] || fail "stale temporary files kept"
    [ -e part/jobs/z.json.partial-XyZ789 ] || fail "a fresh temporary file was removed"
    ;;
kill)
    write_fake_spec
    export FAKE_TRACE_SLEEP=0.4
    "$tlmmu" sweep --program "$here/fake-trace.sh" --jobs 1 --out ref fake.json 2> /dev/null || fail "reference sweep failed"
    for sig in KILL TERM; do
        rm -rf run
        "$tlmmu" sweep --program "$here/fake-trace.sh" --jobs 1 --out run fake.json 2> err.txt &
        pid=$!
        # Kill it once the first job has finished (at most 30 s on a loaded machine).
        for _ in $(seq 300); do
            [ -n "$(ls run/jobs/*.json 2>/dev/null)" ] && break
            sleep 0.1
        done
        kill -$sig $pid
        wait $pid
        status=$?
        [ $status -ne 0 ] || fail "SIGKILL/SIGTERM'd sweep exited 0"
        if [ $sig = TERM ]; then grep -q "interrupted" err.txt || fail "no interruption message: $(cat err.txt)"; fi
        sleep 0.6  # a job orphaned by SIGKILL is stopped by its parent-death signal
        [ ! -f run/results.csv ] || fail "killed sweep left a results.csv"
        done_jobs=$(ls run/jobs/*.json 2>/dev/null | wc -l)
        [ "$done_jobs" -ge 1 ] && [ "$done_jobs" -lt 6 ] || fail "SIG$sig: $done_jobs jobs done (expected some, not all)"
        for f in run/jobs/*.json; do python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$f" || fail "corrupt $f"; done
        "$tlmmu" sweep --program "$here/fake-trace.sh" --jobs 2 --out run fake.json 2> err.txt || fail "rerun failed"
        grep -q "already done" err.txt || fail "rerun did not skip: $(cat err.txt)"
        cmp ref/results.csv run/results.csv || fail "SIG$sig: CSV after rerun differs"
        check_eq "$(wc -l < run/results.csv)" 7 "SIG$sig rows"
    done
    ;;
lock)
    write_fake_spec
    export FAKE_TRACE_SLEEP=0.5
    "$tlmmu" sweep --program "$here/fake-trace.sh" --jobs 1 --out run fake.json 2> first.txt &
    pid=$!
    sleep 0.3
    "$tlmmu" sweep --program "$here/fake-trace.sh" --out run fake.json 2> err.txt
    check_eq $? 1 "second sweep on a busy directory"
    grep -q "another sweep is running in .*run" err.txt || fail "lock message: $(cat err.txt)"
    # A job of a cluster array needs no lock.
    FAKE_TRACE_SLEEP=0 "$tlmmu" sweep --program "$here/fake-trace.sh" --job 5 --out run fake.json 2> err.txt ||
        fail "--job while a sweep runs: $(cat err.txt)"
    wait $pid || fail "first sweep failed: $(cat first.txt)"
    grep -q "5 ran, 1 already done" first.txt || fail "first sweep summary: $(cat first.txt)"
    ;;
failing-job)
    write_fake_spec
    sed -i 's/"b.trace"/"missing.trace"/' fake.json
    touch missing.trace  # exists, so the spec check passes; the job itself fails on it
    "$tlmmu" sweep --program "$here/fake-trace.sh" --jobs 2 --out out fake.json 2> err.txt
    status=$?
    check_eq $status 1 "exit status with a failing job"
    check_eq "$(grep -c 'failed: exit status 1: .*missing.trace: cannot open the trace' err.txt)" 2 "failure reports"
    grep -q "log: .*out/logs/missing_trace-" err.txt || fail "no log named: $(cat err.txt)"
    [ ! -f out/results.csv ] || fail "results.csv written although jobs failed"
    check_eq "$(wc -l < out/results.partial.csv)" 5 "partial CSV rows (4 good jobs)"
    grep -q "2 of 6 jobs have no result" err.txt || fail "missing-rows message: $(cat err.txt)"
    # The real command: a corrupt trace among good ones (readable, so only its job can find out).
    printf 'I  0400zzzz,4\n' > corrupt-file.lackey
    cat > real.json <<'JSON'
{"traces": ["synth:sequential,pages=16", "corrupt-file.lackey", "synth:sequential,pages=32"]}
JSON
    "$tlmmu" sweep --out real real.json 2> err.txt
    check_eq $? 1 "exit status (real command)"
    grep -q "corrupt-file.lackey" err.txt || fail "failing job's trace not named: $(cat err.txt)"
    check_eq "$(wc -l < real/results.partial.csv)" 3 "partial CSV rows (real command)"
    ;;
bad-spec)
    expect_error() {  # SPEC-TEXT PATTERN
        printf '%s\n' "$1" > bad.json
        "$tlmmu" sweep --out out bad.json > /dev/null 2> err.txt
        check_eq $? 2 "exit status for: $1"
        grep -q -- "bad.json: $2" err.txt || fail "for '$1': expected 'bad.json: $2', got: $(cat err.txt)"
    }
    expect_error '{"traces": ["synth:sequential,pages=1"], "axis": []}' "key 'axis': unknown key"
    expect_error '{"axes": []}' "key 'traces': missing"
    expect_error '{"traces": []}' "key 'traces': must be a non-empty array"
    expect_error '{"traces": ["x"], "axes": [{"set": "l1d.arrays"}]}' "key 'axes\[0\].values': missing"
    expect_error '{"traces": ["x"], "axes": [{"set": "a", "values": [1]}, {"os": "b", "values": [{}]}]}' "key 'axes\[1\].values\[0\]'"
    expect_error '{"traces": ["x"], "base": {"limit": -3}}' "key 'base.limit'"
    expect_error '{"traces": ["x"], "base": {"set": {"l1d.latency": [1]}}}' "key 'base.set.l1d.latency'"
    expect_error '{"traces": ["x"], "axes": [{"set": "k", "os": "k", "values": [1]}]}' "key 'axes\[0\]': give exactly one"
    expect_error '{
  "traces": ["x"],
  "axes": [ {"set": "k" "values": [1]} ]
}' ".*line 3"
    "$tlmmu" sweep --out out does-not-exist.json 2> err.txt
    check_eq $? 2 "missing spec"
    grep -q "does-not-exist.json: cannot open" err.txt || fail "missing spec message: $(cat err.txt)"
    ;;
bad-values)
    # Values and traces are checked before any job runs or is listed.
    expect_refused() {  # SPEC-TEXT PATTERN
        printf '%s\n' "$1" > values.json
        for mode in "" --list; do
            "$tlmmu" sweep $mode --out out values.json > out.txt 2> err.txt
            check_eq $? 2 "exit status ${mode:-run} for: $1"
            grep -q -- "values.json: $2" err.txt || fail "for '$1': expected 'values.json: $2', got: $(cat err.txt)"
            [ ! -s out.txt ] || fail "--list printed jobs of a bad spec: $(cat out.txt)"
            [ ! -d out/jobs ] || fail "a job directory was made for a bad spec"
        done
    }
    expect_refused '{"traces": ["synth:sequential,pages=8"], "base": {"set": {"l1d.nope": 1}}}' "set: unknown setting 'l1d.nope'"
    expect_refused '{"traces": ["synth:sequential,pages=8"], "axes": [{"set": "l1d.latency", "values": [1, "abc"]}]}' "axes.l1d.latency: l1d.latency: 'abc' is not a number"
    expect_refused '{"traces": ["synth:sequential,pages=8"], "axes": [{"os": "pcid", "values": ["sometimes"]}]}' "axes.os.pcid: os.pcid: .sometimes. is not one of off, on, noflush"
    expect_refused '{"traces": ["no-such.lackey"]}' "traces: .*no-such.lackey: cannot be read (no such file)"
    expect_refused '{"traces": ["synth:sequential,pagez=8"]}' "traces: "
    # An output directory that cannot be made is not a held lock.
    write_small_spec
    touch a_file
    "$tlmmu" sweep --out a_file/out small.json > /dev/null 2> err.txt
    check_eq $? 1 "unwritable output directory"
    grep -q "cannot write to the output directory .*a_file/out" err.txt || fail "unwritable message: $(cat err.txt)"
    ! grep -q "another sweep" err.txt || fail "an unwritable directory reported as a lock: $(cat err.txt)"
    ;;
plots)
    command -v gnuplot > /dev/null || { echo "gnuplot not installed: skipped"; exit 0; }
    write_small_spec
    "$tlmmu" sweep --out out small.json 2> /dev/null || fail "sweep failed"
    png_ok() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$1 is not a PNG"; }
    "$tlmmu" plot miss-rate out/results.csv miss.png 2> err.txt || { cat err.txt; fail "miss-rate plot"; }
    png_ok miss.png
    [ -f miss.gp ] && [ -f miss.dat ] || fail "script/data not kept"
    job=$(ls out/jobs/*.json | head -1)
    "$tlmmu" plot latency "$job" latency.png 2> err.txt || { cat err.txt; fail "latency plot"; }
    png_ok latency.png
    "$tlmmu" plot walks "$job" walks.png 2> err.txt || { cat err.txt; fail "walks plot"; }
    png_ok walks.png
    # The kept script redraws the plot on its own.
    rm miss.png && gnuplot miss.gp 2> err.txt && png_ok miss.png || fail "gnuplot miss.gp: $(cat err.txt)"
    # Bad input: a clear message, no PNG.
    echo "not json" > bad.json
    "$tlmmu" plot latency bad.json bad.png 2> err.txt && fail "bad JSON accepted"
    grep -q "bad.json: not JSON" err.txt || fail "bad JSON message: $(cat err.txt)"
    [ ! -e bad.png ] || fail "bad input left a PNG"
    "$tlmmu" plot miss-rate out/results.csv x.png --x no.such.column 2> err.txt && fail "bad column accepted"
    grep -q "no column 'no.such.column'" err.txt || fail "bad column message: $(cat err.txt)"
    # Titles and labels follow the columns; ticks sit at the swept values;
    # identical lines stay apart and the key says they coincide.
    cat > hand.csv <<'CSV'
job,trace,l1d.entries,l1i.miss_rate,l1d.miss_rate,l2.miss_rate,walk.mean_cycles
0,a,64,0,0.5,0.25,30
1,a,96,0,0.4,0.2,28
2,a,1024,0,0.1,0.05,20
3,b,64,0,0.5,0.3,31
4,b,96,0,0.4,0.2,29
5,b,1024,0,0.1,0.1,21
CSV
    "$tlmmu" plot miss-rate hand.csv hand.png 2> err.txt || { cat err.txt; fail "hand-made CSV plot"; }
    png_ok hand.png
    grep -q '^set title "TLB miss rate against TLB size (l1d.entries)"$' hand.gp || fail "default title: $(grep title hand.gp)"
    grep -q '^set ylabel "miss rate (misses / lookups)"$' hand.gp || fail "default y label: $(grep ylabel hand.gp)"
    grep -q '^set xtics ("64" 64, "96" 96, "1024" 1024)$' hand.gp || fail "x ticks at the swept values: $(grep xtics hand.gp)"
    grep -q '^set xrange \[51.2:1280\]$' hand.gp || fail "room beside the last tick: $(grep xrange hand.gp)"
    grep -q 'title "b: l1d.miss_rate (same as a: l1d.miss_rate)"' hand.gp || fail "coinciding lines not named: $(grep title hand.gp)"
    [ "$(grep -o 'dashtype [0-9]*' hand.gp | sort -u | wc -l)" -eq 4 ] || fail "lines share a dash type: $(cat hand.gp)"
    [ "$(grep -o 'pointtype [0-9]*' hand.gp | sort -u | wc -l)" -eq 4 ] || fail "lines share a point type: $(cat hand.gp)"
    [ "$(grep -c . hand.dat)" -eq 12 ] || fail "data rows: $(cat hand.dat)"
    "$tlmmu" plot miss-rate hand.csv walk.png --y walk.mean_cycles 2> err.txt || { cat err.txt; fail "--y plot"; }
    grep -q '^set title "walk.mean_cycles against l1d.entries"$' walk.gp || fail "--y title: $(grep title walk.gp)"
    grep -q '^set ylabel "walk.mean_cycles"$' walk.gp || fail "--y label: $(grep ylabel walk.gp)"
    if grep -q "miss rate" walk.gp; then fail "a walk-latency plot still says miss rate"; fi
    "$tlmmu" plot miss-rate hand.csv t.png --y walk.mean_cycles --title "Mine" 2> err.txt || fail "--title plot"
    grep -q '^set title "Mine"$' t.gp || fail "--title does not override: $(grep title t.gp)"
    # No gnuplot on PATH: a clear message, not a crash.
    PATH=/nonexistent "$tlmmu" plot walks "$job" nognuplot.png 2> err.txt
    check_eq $? 1 "exit status without gnuplot"
    grep -q "gnuplot not found" err.txt || fail "missing-gnuplot message: $(cat err.txt)"
    ;;
slurm-offline)
    # --slurm/--collect against stand-ins for sbatch and squeue (no daemons): what is
    # submitted, recorded, resubmitted and reported. The real cluster test is slurm_cluster_test.py.
    write_small_spec
    "$tlmmu" sweep --out ref small.json 2> /dev/null || fail "reference sweep failed"
    mkdir bin empty
    export FAKE_SLURM=$work/fake
    mkdir fake
    cat > bin/sbatch <<'SH'
#!/bin/sh
printf '%s\n' "$@" > "$FAKE_SLURM/sbatch-args"
if [ -e "$FAKE_SLURM/reject" ]; then cat "$FAKE_SLURM/reject" >&2; exit 1; fi
n=$(cat "$FAKE_SLURM/next-id"); echo $((n + 1)) > "$FAKE_SLURM/next-id"
echo "$n;clusterx"
SH
    cat > bin/squeue <<'SH'
#!/bin/sh
for a in "$@"; do case $a in --jobs=*) id=${a#--jobs=} ;; esac; done
[ -e "$FAKE_SLURM/down" ] && { echo "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" >&2; exit 1; }
[ -e "$FAKE_SLURM/queue-$id" ] || { echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; }
cat "$FAKE_SLURM/queue-$id"
SH
    cat > bin/scontrol <<'SH'
#!/bin/sh
[ "$1 $2" = "show config" ] || exit 1
echo "MaxArraySize            = $(cat "$FAKE_SLURM/max-array-size" 2>/dev/null || echo 1001)"
SH
    chmod +x bin/sbatch bin/squeue bin/scontrol
    echo 42 > fake/next-id
    # No sbatch on PATH: said so, nothing recorded.
    PATH=$work/empty "$tlmmu" sweep --slurm --out out small.json 2> err.txt
    check_eq $? 1 "exit status without sbatch"
    grep -q "sbatch is not on PATH" err.txt || fail "no-sbatch message: $(cat err.txt)"
    [ ! -e out/slurm/submissions ] || fail "a failed submission was recorded"
    export PATH=$work/bin:$PATH
    # sbatch refuses: its message is passed on, nothing recorded.
    echo "sbatch: error: Batch job submission failed: Invalid partition name specified" > fake/reject
    "$tlmmu" sweep --slurm --partition nope --out out small.json 2> err.txt
    check_eq $? 1 "exit status of a rejected submission"
    grep -q "sbatch failed (exit status 1): sbatch: error: Batch job submission failed: Invalid partition name specified" err.txt ||
        fail "rejection message: $(cat err.txt)"
    [ ! -e out/slurm/submissions ] || fail "a rejected submission was recorded"
    rm fake/reject
    # Accepted: all 8 jobs, options as sbatch options, the job id recorded.
    "$tlmmu" sweep --slurm --partition short --time 10 --cpus-per-task 1 --mem 1G --array-limit 2 \
        --sbatch-arg=--qos=low --out out small.json 2> err.txt || fail "--slurm: $(cat err.txt)"
    grep -q "submitted 8 jobs as Slurm job array 42 (jobs 0-7" err.txt || fail "submission message: $(cat err.txt)"
    check_eq "$(grep -v '^#' out/slurm/submissions)" "42 0-7" "recorded submission"
    check_eq "$(sed -n 2p fake/sbatch-args)" "--array=0-7%2" "sbatch --array"
    for opt in --partition=short --time=10 --cpus-per-task=1 --mem=1G --qos=low "--output=$work/out/slurm/logs/%A_%a.out"; do
        grep -qx -- "$opt" fake/sbatch-args || fail "sbatch not given $opt: $(cat fake/sbatch-args)"
    done
    check_eq "$(tail -1 fake/sbatch-args)" "$work/out/slurm/sweep.sbatch" "script operand"
    # The tasks: the script run as Slurm would, for all but jobs 6 and 7.
    for k in 0 1 2 3 4 5; do
        SLURM_ARRAY_TASK_ID=$k sh out/slurm/sweep.sbatch 2>> tasks.txt || fail "task $k: $(cat tasks.txt)"
    done
    sh out/slurm/sweep.sbatch 2> err.txt && fail "the script ran without SLURM_ARRAY_TASK_ID"
    printf '0 COMPLETED\n5 COMPLETED\n6 RUNNING\n7 FAILED\n' > fake/queue-42
    # A plain rerun gathers; --collect reports the running and the failed task.
    for mode in "" --collect; do
        "$tlmmu" sweep $mode --out out small.json 2> err.txt
        check_eq $? 1 "exit status of ${mode:-a rerun} with a missing result"
        grep -q "1 task still pending or running in Slurm: jobs 6" err.txt || fail "running task: $(cat err.txt)"
        grep -q "1 job ended without a result: 7$" err.txt || fail "failed task: $(cat err.txt)"
        grep -q "Slurm task 42_7 FAILED" err.txt || fail "failed state: $(cat err.txt)"
        grep -q "log: $work/out/slurm/logs/42_7.out" err.txt || fail "task log: $(cat err.txt)"
        check_eq "$(wc -l < out/results.partial.csv)" 7 "partial CSV rows"
    done
    # --local refuses while a task runs; --wait does not mix with a local run.
    "$tlmmu" sweep --local --out out small.json 2> err.txt
    check_eq $? 1 "--local with a running task"
    grep -q "1 task (jobs 6) of Slurm job 42 still pending or running" err.txt || fail "--local: $(cat err.txt)"
    # Resubmission: only job 7 (6 is still running).
    "$tlmmu" sweep --slurm --out out small.json 2> err.txt || fail "resubmission: $(cat err.txt)"
    grep -q "1 job already pending or running in Slurm (6), not submitted again" err.txt || fail "active note: $(cat err.txt)"
    check_eq "$(grep -v '^#' out/slurm/submissions | tail -1)" "43 7" "resubmission record"
    check_eq "$(sed -n 2p fake/sbatch-args)" "--array=7" "resubmitted --array"
    # Slurm does not answer: no resubmission that could run a task twice.
    touch fake/down
    "$tlmmu" sweep --slurm --out out small.json 2> err.txt
    check_eq $? 1 "--slurm while squeue fails"
    grep -q "cannot tell which earlier Slurm tasks are still queued (squeue failed: slurm_load_jobs error: Unable to contact" err.txt ||
        fail "squeue failure: $(cat err.txt)"
    check_eq "$(grep -vc '^#' out/slurm/submissions)" 2 "submissions after a refused resubmission"
    rm fake/down
    # Both tasks end; job 43 is already forgotten by the controller.
    for k in 6 7; do SLURM_ARRAY_TASK_ID=$k sh out/slurm/sweep.sbatch 2>> tasks.txt || fail "task $k"; done
    printf '6 COMPLETED\n' > fake/queue-42
    "$tlmmu" sweep --collect --wait --out out small.json 2> err.txt || fail "final --collect: $(cat err.txt)"
    cmp ref/results.csv out/results.csv || fail "CSV from the array differs from a local sweep's"
    [ ! -e out/results.partial.csv ] || fail "results.partial.csv left behind"
    "$tlmmu" sweep --slurm --out out small.json 2> err.txt || fail "--slurm when all is done: $(cat err.txt)"
    grep -q "all 8 jobs have results" err.txt || fail "nothing-to-submit message: $(cat err.txt)"
    check_eq "$(grep -vc '^#' out/slurm/submissions)" 2 "nothing submitted when all is done"
    # A damaged record names its file and line.
    echo "banana" >> out/slurm/submissions
    "$tlmmu" sweep --collect --out out small.json 2> err.txt
    check_eq $? 2 "damaged submissions file"
    grep -q "out/slurm/submissions:5: expected 'JOBID INDICES \[+BASE\]'" err.txt || fail "damaged record: $(cat err.txt)"
    # MaxArraySize 3: arrays of jobs 0-2, 3-5 and 6-7, task ids counted from their first job.
    echo 3 > fake/max-array-size
    "$tlmmu" sweep --slurm --out big small.json 2> err.txt || fail "--slurm in arrays: $(cat err.txt)"
    check_eq "$(grep -v '^#' big/slurm/submissions | tr '\n' ';')" "44 0-2;45 3-5 +3;46 6-7 +6;" "arrays recorded"
    check_eq "$(sed -n 2p fake/sbatch-args)" "--array=0-1" "task ids of the last array"
    check_eq "$(tail -1 fake/sbatch-args)" "6" "base as the script's argument"
    grep -q "submitted 2 jobs as Slurm job array 46 (jobs 6-7, task ids counted from job 6" err.txt ||
        fail "array message: $(cat err.txt)"
    for task in 0 1 2; do SLURM_ARRAY_TASK_ID=$task sh big/slurm/sweep.sbatch 2>> tasks.txt || fail "44_$task"; done
    for task in 0 1 2; do SLURM_ARRAY_TASK_ID=$task sh big/slurm/sweep.sbatch 3 2>> tasks.txt || fail "45_$task"; done
    SLURM_ARRAY_TASK_ID=0 sh big/slurm/sweep.sbatch 6 2>> tasks.txt || fail "46_0"
    printf '0 COMPLETED\n1 TIMEOUT\n' > fake/queue-46
    "$tlmmu" sweep --collect --out big small.json 2> err.txt
    check_eq $? 1 "--collect with job 7 missing"
    grep -q "1 job ended without a result: 7$" err.txt || fail "job 7 not reported: $(cat err.txt)"
    grep -q "job 7 (.*): Slurm task 46_1 TIMEOUT" err.txt || fail "task id of job 7: $(cat err.txt)"
    grep -q "log: $work/big/slurm/logs/46_1.out" err.txt || fail "log of task 46_1: $(cat err.txt)"
    SLURM_ARRAY_TASK_ID=1 sh big/slurm/sweep.sbatch 6 2>> tasks.txt || fail "46_1"
    "$tlmmu" sweep --collect --out big small.json 2> err.txt || fail "final --collect in arrays: $(cat err.txt)"
    cmp ref/results.csv big/results.csv || fail "CSV from several arrays differs from a local sweep's"
    # Usage errors.
    for args in "--partition p" "--wait" "--slurm --collect" "--local --slurm" "--mem 1G --collect" "--slurm --jobs 2"; do
        "$tlmmu" sweep $args --out out small.json > /dev/null 2> err.txt
        check_eq $? 2 "usage error for '$args'"
    done
    ;;
*)
    fail "unknown test '$test_name'"
    ;;
esac
echo "PASS: $test_name"
