#!/usr/bin/env bash
# The test command: installs what is needed, builds from scratch, starts a throwaway PostgreSQL,
# runs every test (unit, storage on SQLite and PostgreSQL, real-process integration, fuzz smoke).
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only tests with that ctest label (extra arguments go to ctest)
# Exit code: 0 all passed, non-zero otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

scripts/bootstrap.sh --test
build_dir=${MAMORI_BUILD_DIR:-build}
# The e2e tests boot Debian guests under QEMU; what they download (kernel, the systemd machine's root
# file system) is cached in $build_dir/e2e-cache, so a re-run in the same build tree skips it.
# The test build keeps line tables only (-g1): a backtrace still names file and line, and the
# compile takes about a third less CPU than with full debug information (-g), most of the build's
# share of CI's 40 minutes.
test_flags="-O2 -g1 -DNDEBUG"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAMORI_BUILD_FUZZERS=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$test_flags" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$test_flags"
cmake --build "$build_dir" -j "$(nproc)"

# When the selected tests include the systemd machine test, its root file system (minutes of
# mmdebstrap on a fresh machine, mostly download and dpkg) is made in the background from here on,
# beside the fuzz build and the first tests; the test waits for it. In its own process group, so an
# early exit stops it (cleanup).
prebuild=""
stop_prebuild() { [ -z "$prebuild" ] || kill -- "-$prebuild" 2>/dev/null || true; }
selected=$(cd "$build_dir" && ctest -N "$@")  # whole, then searched: no SIGPIPE under pipefail
if grep -q ' e2e_systemd_machine$' <<<"$selected"; then
  mkdir -p "$build_dir/e2e-cache"
  setsid tests/e2e/systemd/prebuild_image.sh "$build_dir" >"$build_dir/e2e-cache/prebuild.log" 2>&1 &
  prebuild=$!
  trap stop_prebuild EXIT
fi

# libFuzzer targets need clang; they live in their own build tree.
fuzz_dir="$build_dir-fuzz"
CC=clang CXX=clang++ cmake -S . -B "$fuzz_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$test_flags" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$test_flags" \
  -DMAMORI_BUILD_FUZZERS=ON -DMAMORI_BUILD_TESTS=ON -DMAMORI_FUZZ_ONLY=ON >/dev/null
cmake --build "$fuzz_dir" -j "$(nproc)" --target mamori_fuzzers

work=$(mktemp -d /tmp/mamori-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  stop_prebuild
  "$repo/scripts/pg-throwaway.sh" stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$(scripts/pg-throwaway.sh start "$work/pg")"
echo "test: PostgreSQL for tests at $MAMORI_TEST_PG_URL"

export MAMORI_BIN_DIR="$repo/$build_dir/bin"
export MAMORI_FUZZ_DIR="$repo/$fuzz_dir/fuzz"
cd "$build_dir"
# Most tests wait (on real processes, timeouts, a guest), not compute: measured one by one, the
# integration tests used a tenth to a third of a core over their wall time. Two tests per core
# keep both cores busy; tests that do compute say so (PROCESSORS) and take two slots.
ctest --output-on-failure --timeout 900 -j "$(( $(nproc) * 2 ))" "$@"
