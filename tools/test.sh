#!/usr/bin/env bash
# Builds tlmmu and runs the whole test suite.
#   tools/test.sh             release build in ./build
#   tools/test.sh --sanitize  ASan+UBSan build in ./build-asan (benchmarks left out)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == --sanitize ]]; then
  export TLMMU_BUILD_DIR=build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # LeakSanitizer can mistake a SystemC coroutine stack for the main stack at exit.
  export LSAN_OPTIONS=use_stacks=0
  tools/build.sh -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLMMU_SANITIZE=ON -DTLMMU_BUILD_BENCH=OFF
else
  tools/build.sh
fi
ctest --test-dir "${TLMMU_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
