#!/usr/bin/env bash
# Output paths of the tools (tools/common/atomic_file.h): a FIFO and a symbolic
# link survive --json, a directory is refused, `-` is standard output, and a
# failing command leaves an existing file as it was.
set -euo pipefail
tlmmu=$1
trace=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkfifo fifo
cat fifo > fifo.out &
reader=$!
"$tlmmu" trace "$trace" --limit 1000 --quiet --json fifo >/dev/null
wait "$reader"
[[ -p fifo ]] || fail "the FIFO was replaced"
grep -q '"tlmmu_trace": 1' fifo.out || fail "the JSON did not go through the FIFO"

echo old > real.json
ln -s real.json link.json
"$tlmmu" trace "$trace" --limit 1000 --quiet --json link.json >/dev/null
[[ -L link.json ]] || fail "the symbolic link was replaced"
grep -q '"tlmmu_trace": 1' real.json || fail "the link's target was not written"

mkdir a_directory
if "$tlmmu" trace "$trace" --limit 1000 --quiet --json a_directory 2>err.txt >/dev/null; then fail "a directory was accepted"; fi
grep -q "a_directory: is a directory" err.txt || fail "no reason for the directory: $(cat err.txt)"
[[ -d a_directory ]] || fail "the directory went away"

"$tlmmu" trace "$trace" --limit 1000 --quiet --json - > stdout.json
grep -q '"tlmmu_trace": 1' stdout.json || fail "--json - wrote nothing to standard output"

echo keep > kept.json
if "$tlmmu" trace no-such-trace.lackey --quiet --json kept.json 2>/dev/null >/dev/null; then fail "a missing trace was accepted"; fi
[[ $(cat kept.json) == keep ]] || fail "a failing command changed an existing output"
[[ -z $(ls | grep partial || true) ]] || fail "temporary files left behind: $(ls)"
echo "1 passed, 0 failed"
