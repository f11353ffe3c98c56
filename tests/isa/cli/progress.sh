#!/bin/bash
# The progress line of `tlmmu run`: shown on a terminal after the first second
# and cleared at the end; never written when stderr is a file or a pipe.
# Usage: progress.sh TLMMU RUNAWAY_ELF
set -u
tlmmu=$1 elf=$2
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for backend in direct systemc; do
    # stderr a file: only the stop message, no carriage return, no escape sequence.
    "$tlmmu" run "$elf" --max-wall 1.3 --platform backend=$backend > "$work/out" 2> "$work/err"
    [ $? -eq 121 ] || fail "$backend: exit status $? (expected the time limit, 121)"
    [ "$(wc -l < "$work/err")" -eq 1 ] || fail "$backend: stderr has more than the stop message: $(cat -A "$work/err")"
    grep -q "host-time limit reached" "$work/err" || fail "$backend: stop message: $(cat "$work/err")"
    if LC_ALL=C grep -q $'[\r\x1b]' "$work/err"; then fail "$backend: control bytes in piped stderr: $(cat -A "$work/err")"; fi

    # On a terminal (a pseudo-terminal from script(1)): the status line, then cleared.
    script -qec "'$tlmmu' run '$elf' --max-wall 1.3 --platform backend=$backend" /dev/null > "$work/tty" 2>&1
    grep -q "instructions, .* ms simulated, .* M instr/s" "$work/tty" || fail "$backend: no progress line on a terminal: $(cat -A "$work/tty")"
    LC_ALL=C grep -q $'\r\x1b\\[K' "$work/tty" || fail "$backend: progress line not cleared: $(cat -A "$work/tty")"
    # --quiet keeps the terminal quiet too.
    [ $backend = direct ] || continue
    script -qec "'$tlmmu' run '$elf' --max-wall 1.3 --quiet --platform backend=$backend" /dev/null > "$work/tty" 2>&1
    if grep -q "M instr/s" "$work/tty"; then fail "$backend: --quiet still shows progress"; fi
done
echo "ok"
