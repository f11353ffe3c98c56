#!/bin/bash
# `tlmmu trace` on bad input as a user meets it: a configuration that parses
# but fails cross-field validation names FILE:LINE; binary junk in a trace is
# quoted escaped (\xNN), never raw. Usage: input_errors.sh TLMMU
set -u
tlmmu=$1
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
trace="synth:sequential,pages=16,passes=1"

# Line 4 gives l1d two arrays holding 2M: each value parses, validation refuses it.
printf 'l2.latency = 9\nl1d.arrays = 4k:16x4:lru\n# the experiment\nl1d.arrays = 4k+2m:16x4:lru 2m:8x4:lru\nl1d.latency = 1\n' > cross.cfg
"$tlmmu" trace --config cross.cfg "$trace" > out.txt 2> err.txt
status=$?
[ $status -eq 1 ] || fail "cross-field error: exit status $status: $(cat err.txt)"
grep -q "cross.cfg:4: l1d.arrays\[1\]: page size 2m is held by two arrays" err.txt ||
    fail "cross-field error lacks FILE:LINE: $(cat err.txt)"
# The same key given again by --set after the file: no longer the file's line.
"$tlmmu" trace --config cross.cfg --set "l1d.arrays=4k:16x4:lru 2m:8x4:lru 2m:8x4:lru" "$trace" > out.txt 2> err.txt
if grep -q "cross.cfg:" err.txt; then fail "a --set value blamed on the file: $(cat err.txt)"; fi
grep -q "l1d.arrays\[2\]" err.txt || fail "--set error: $(cat err.txt)"

# A lackey file with binary junk on its second line.
printf 'I  1000,4\nI  \001\033[2J\377\376\007zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\nI  2000,4\n' > junk.lackey
"$tlmmu" trace junk.lackey --format lackey > out.txt 2> err.txt
[ $? -eq 1 ] || fail "junk trace: exit status: $(cat err.txt)"
grep -qF "junk.lackey:2: not a lackey line: 'I  \x01\x1b[2J\xff\xfe\x07zz" err.txt || fail "junk not escaped: $(cat -A err.txt)"
grep -qF "'..." err.txt || fail "long junk line not cut: $(cat -A err.txt)"
if LC_ALL=C grep -q '[^[:print:]]' err.txt; then fail "raw bytes in the message: $(cat -A err.txt)"; fi
echo ok
