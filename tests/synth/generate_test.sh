#!/bin/bash
# `tlmmu generate` writes a synthetic trace as a native file that replays to
# the same statistics as the spec itself. Usage: generate_test.sh TLMMU WORKDIR
set -u
tlmmu=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
spec="synth:chase,pages=3000,passes=3,seed=4,fetch=2,code_pages=3,write_percent=20"
"$tlmmu" generate "$spec" chase.native 2> err.txt || fail "generate: $(cat err.txt)"
grep -q "wrote 27000 records" err.txt || fail "record count: $(cat err.txt)"
[ ! -e chase.native.partial ] || fail "temporary file left behind"
"$tlmmu" trace --quiet --json direct.json "$spec" || fail "trace of the spec"
"$tlmmu" trace --quiet --json native.json chase.native || fail "trace of the native file"
python3 - <<'PY' || fail "native replay differs from the spec's"
import json
a, b = json.load(open("direct.json")), json.load(open("native.json"))
for key in ("accesses", "instructions", "loads", "stores", "stats", "os_stats"):
    assert a[key] == b[key], key
assert b["format"] == "native", b["format"]
PY
# Bad specs: the key is named, nothing is written.
"$tlmmu" generate "synth:chase,pages=10,bogus=1" bad.native 2> err.txt
[ $? -eq 1 ] || fail "bad spec exit status"
grep -q "unknown key 'bogus'" err.txt || fail "bad spec message: $(cat err.txt)"
[ ! -e bad.native ] && [ ! -e bad.native.partial ] || fail "bad spec left a file"
"$tlmmu" generate not-a-spec x.native 2> err.txt
[ $? -eq 2 ] || fail "non-spec exit status"
# A one-thread gc spec: its unmap events go to the file and through convert.
gc="synth:gc,threads=1,heap=1m,region=64k,unmap_period=500,accesses=5000"
"$tlmmu" generate "$gc" gc.native 2> err.txt || fail "generate gc: $(cat err.txt)"
grep -q "wrote 5009 records" err.txt || fail "gc record count (5000 accesses, 9 events): $(cat err.txt)"
"$tlmmu" convert gc.native gc.native.zst > /dev/null 2> err.txt || fail "convert gc: $(cat err.txt)"
"$tlmmu" trace --quiet --json gc-direct.json "$gc" || fail "trace of the gc spec"
"$tlmmu" trace --quiet --json gc-native.json gc.native || fail "trace of the gc native file"
"$tlmmu" trace --quiet --json gc-zst.json gc.native.zst || fail "trace of the converted gc file"
python3 - <<'PY' || fail "gc native replay differs from the spec's"
import json
a, b, c = (json.load(open(f)) for f in ("gc-direct.json", "gc-native.json", "gc-zst.json"))
assert a["smp"]["events"]["unmap"] == 9, a["smp"]["events"]
for key in ("accesses", "stats", "os_stats", "smp"):
    assert a[key] == b[key] == c[key], key
PY
# Several threads do not fit one native file: refused, the reason named, nothing written.
"$tlmmu" generate "synth:gc,threads=2" two.native 2> err.txt
[ $? -eq 1 ] || fail "multi-thread gc exit status"
grep -q "several threads is several streams" err.txt || fail "multi-thread gc message: $(cat err.txt)"
[ ! -e two.native ] || fail "multi-thread gc left a file"
echo "PASS"
