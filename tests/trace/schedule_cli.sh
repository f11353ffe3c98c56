#!/bin/bash
# A drmemtrace directory with a serial schedule, as a user meets it: `tlmmu trace`
# switches threads where the schedule says (--interleave auto), `--interleave
# quantum` keeps the old order, `tlmmu convert` writes the scheduled order as
# one native trace that replays the same, and a corrupt schedule is refused
# naming the file and the byte offset. Usage: schedule_cli.sh TLMMU
set -u
tlmmu=$1
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# One little-endian u64.
u64() { for i in 0 1 2 3 4 5 6 7; do printf "\\$(printf '%03o' $((($1 >> (8 * i)) & 255)))"; done; }
entry() { u64 "$1"; u64 "$2"; u64 "$3"; u64 "$4"; }  # thread timestamp cpu start_instruction
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# Two threads of process 7, 16 instructions (and 16 loads) each.
"$tlmmu" generate "synth:sequential,pages=16,passes=1,fetch=1" t.native 2> /dev/null || fail "generate"
mkdir -p app.dir/trace
"$tlmmu" convert --to drmemtrace --pid 7 --tid 1 t.native app.dir/trace/thread.1.zip > /dev/null || fail "thread 1"
"$tlmmu" convert --to drmemtrace --pid 7 --tid 2 t.native app.dir/trace/thread.2.zip > /dev/null || fail "thread 2"

"$tlmmu" trace --quiet --os quantum=1000000 --json quantum.json app.dir || fail "no schedule file: $?"
[ "$(json quantum.json "j['os_stats']['thread_switches']")" = 1 ] || fail "quantum interleave: $(json quantum.json "j['os_stats']")"

# 1 runs instructions 0-7, 2 runs 0-7, 1 runs 8-15, 2 runs 8-15.
{ entry 1 10 0 0; entry 2 20 1 0; entry 1 30 0 8; entry 2 40 1 8; } > app.dir/trace/serial_schedule.bin
gzip app.dir/trace/serial_schedule.bin
"$tlmmu" trace --quiet --os quantum=1000000 --json scheduled.json app.dir || fail "scheduled replay: $?"
[ "$(json scheduled.json "j['interleave']")" = auto ] || fail "interleave not recorded"
[ "$(json scheduled.json "j['os_stats']['thread_switches']")" = 3 ] || fail "schedule: $(json scheduled.json "j['os_stats']")"
[ "$(json scheduled.json "j['instructions']")" = 32 ] || fail "instructions"
"$tlmmu" trace --quiet --os quantum=1000000 --interleave quantum --json forced.json app.dir || fail "forced quantum"
[ "$(json forced.json "j['os_stats']['thread_switches']")" = 1 ] || fail "--interleave quantum: $(json forced.json "j['os_stats']")"

# convert: one native trace in the scheduled order, with its three switches.
"$tlmmu" convert app.dir merged.native > convert.txt || fail "convert of a scheduled directory"
grep -q ": 67 records" convert.txt || fail "64 accesses and 3 switches expected: $(cat convert.txt)"
"$tlmmu" trace --quiet --os quantum=1000000 --json merged.json merged.native || fail "merged replay"
for key in "j['os_stats']['thread_switches']" "j['os_stats']['demand_faults']" "j['stats']" "j['instructions']"; do
    [ "$(json merged.json "$key")" = "$(json scheduled.json "$key")" ] || fail "$key: the converted trace replays differently"
done

# A corrupt schedule: a timestamp out of order in the third entry.
rm app.dir/trace/serial_schedule.bin.gz
{ entry 1 10 0 0; entry 2 20 1 0; entry 1 5 0 8; } > app.dir/trace/serial_schedule.bin
"$tlmmu" trace --quiet app.dir > out.txt 2> err.txt
[ $? -eq 1 ] || fail "corrupt schedule: exit status"
grep -qF "app.dir/trace/serial_schedule.bin: byte 64: schedule entry out of order" err.txt || fail "message: $(cat err.txt)"
"$tlmmu" trace --quiet --interleave quantum app.dir || fail "--interleave quantum ignores the schedule"
echo "ok"
