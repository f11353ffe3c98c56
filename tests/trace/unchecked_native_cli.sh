#!/bin/bash
# `tlmmu convert --no-checksums` and `tlmmu generate --no-checksums` write the
# native layout without block checksums (header flags 0: the only layout
# before checksums), which reads back to the same records as the checksummed
# file. Usage: unchecked_native_cli.sh TLMMU SAMPLE_LACKEY_TRACE
set -u
tlmmu=$1
sample=$2
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# Header bytes 10-11: the flags (docs/trace-formats.md).
flags() { od -An -tx1 -j10 -N2 "$1" | tr -d ' \n'; }

spec="synth:random,pages=64,accesses=2000,seed=3"
"$tlmmu" generate "$spec" checked.native 2> /dev/null || fail "generate"
"$tlmmu" generate --no-checksums "$spec" unchecked.native 2> /dev/null || fail "generate --no-checksums"
[ "$(flags checked.native)" = "0100" ] || fail "checksummed file has flags $(flags checked.native)"
[ "$(flags unchecked.native)" = "0000" ] || fail "unchecked file has flags $(flags unchecked.native)"
# One block: the unchecked file is the checksummed one without the block's 8-byte length and CRC.
checked_size=$(stat -c %s checked.native)
unchecked_size=$(stat -c %s unchecked.native)
[ $((checked_size - unchecked_size)) -eq 8 ] || fail "sizes $checked_size and $unchecked_size differ by more than one block header"
cmp -s <(tail -c +17 unchecked.native) <(tail -c +25 checked.native) || fail "records differ from the checksummed file's"

# Both read back to the same records.
"$tlmmu" convert --to lackey checked.native checked.lackey > /dev/null || fail "reading the checksummed file"
"$tlmmu" convert --to lackey unchecked.native unchecked.lackey > /dev/null || fail "reading the unchecked file"
cmp -s checked.lackey unchecked.lackey || fail "the two files read back differently"
[ "$(wc -l < unchecked.lackey)" -eq 2000 ] || fail "unchecked file read back $(wc -l < unchecked.lackey) records"

# convert: a real trace, plain and zstd-compressed output.
"$tlmmu" convert --no-checksums "$sample" sort.native > out.txt || fail "convert --no-checksums"
[ "$(flags sort.native)" = "0000" ] || fail "converted file has flags $(flags sort.native)"
"$tlmmu" convert "$sample" sort-checked.native > /dev/null || fail "convert"
"$tlmmu" convert --to lackey sort.native a.lackey > /dev/null || fail "reading the converted file"
"$tlmmu" convert --to lackey sort-checked.native b.lackey > /dev/null || fail "reading the checked converted file"
cmp -s a.lackey b.lackey || fail "converted files read back differently"
"$tlmmu" convert --no-checksums "$sample" sort.native.zst > /dev/null || fail "convert --no-checksums to zstd"
zstd -dqc sort.native.zst > sort-from-zst.native || fail "zstd"
[ "$(flags sort-from-zst.native)" = "0000" ] || fail "zstd output has flags $(flags sort-from-zst.native)"
cmp -s sort-from-zst.native sort.native || fail "the zstd output differs from the plain one"

# The switch is in --help of both commands.
"$tlmmu" convert --help | grep -q -- "--no-checksums" || fail "convert --help"
"$tlmmu" generate --help | grep -q -- "--no-checksums" || fail "generate --help"
echo "ok"
