#!/usr/bin/env bash
# Installs the Debian packages tlmmu builds with. Safe to run repeatedly: it only
# calls apt-get when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libsystemc-dev catch2 libboost-dev nlohmann-json3-dev
  # trace readers: compressed traces (gzip, xz, zstd) and drmemtrace .zip archives
  zlib1g-dev liblzma-dev libzstd-dev libarchive-dev
  # plots
  gnuplot-nox
  # execution-driven platform: firmware cross-compiler and C library
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  # RTL co-simulation
  verilator
  # the Python module (import tlmmu), its tests and the matplotlib example
  python3-dev pybind11-dev python3-matplotlib python3-pytest
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
