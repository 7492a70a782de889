#!/usr/bin/env bash
# Configures and builds mamori into build/ (binaries in build/bin/). Extra arguments go to CMake.
#   scripts/build.sh [-DMAMORI_SANITIZE=ON ...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${MAMORI_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${MAMORI_BUILD_TYPE:-RelWithDebInfo} "$@"
cmake --build "$build_dir" -j "$(nproc)"
