#!/bin/sh
# Stands in for `tlmmu trace` in the interruption tests: takes the same command
# line, sleeps FAKE_TRACE_SLEEP seconds (so a sweep can be killed mid-way), fails
# on a trace whose name contains "missing", and writes a result derived only from
# its arguments, atomically like the real command.
json=""
prev=""
for a in "$@"; do
    if [ "$prev" = "--json" ]; then
        json="$a"
    else
        case "$a" in *missing*) echo "$a: cannot open the trace" >&2; exit 1 ;; esac
    fi
    prev="$a"
done
[ -n "$json" ] || { echo "fake-trace: no --json" >&2; exit 2; }
sleep "${FAKE_TRACE_SLEEP:-0}"
sum=$(printf '%s\n' "$@" | grep -v -- "$json" | cksum | cut -d' ' -f1)
misses=$((sum % 1000))
printf '{"tlmmu_trace": 1, "accesses": 1000, "stats": {"translations": 1000, "tlb": {"l1d": {"lookups": 1000, "misses": %d}}, "walks": {"count": %d}}}\n' \
    "$misses" "$misses" > "$json.partial"
mv "$json.partial" "$json"
