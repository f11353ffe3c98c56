#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds tlmmu in ./build.
# Extra arguments go to the CMake configure step (e.g. -DTLMMU_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh
build_dir=${TLMMU_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
