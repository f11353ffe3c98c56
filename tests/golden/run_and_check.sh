#!/usr/bin/env bash
# Runs one tlmmu command that writes --json, then compares the result with its
# golden file (tlmmu check; every metric exact unless TOLERANCES says
# otherwise). A figure that changes on purpose is updated with:
#   tlmmu check --update GOLDEN RUN
# usage: run_and_check.sh TLMMU GOLDEN TOLERANCES|- OUT_JSON -- COMMAND ARGS...
set -euo pipefail
tlmmu=$1 golden=$2 tolerances=$3 out=$4
shift 5
"$tlmmu" "$@" --json "$out" > /dev/null
if [[ $tolerances == - ]]; then exec "$tlmmu" check "$golden" "$out"; fi
exec "$tlmmu" check --tolerances "$tolerances" "$golden" "$out"
