#!/usr/bin/env bash
# Builds the Debian packages and the inspection tool's tarball:
#
#   scripts/package.sh [BUILD_DIR] [OUT_DIR]     (defaults: build, BUILD_DIR/packages)
#
#   mamori-agent_<version>_amd64.deb       the agent, mamori-scan, its systemd unit, /etc/mamori/agent.conf,
#                                          man pages
#   mamori-collector_<version>_amd64.deb   mamori-collector and mamorictl, their unit, own user, the web
#                                          console's files, man pages
#   mamori-inspect-<version>-linux-x86_64.tar.gz   the portable inspection tool (docs/inspect.md)
#
# Exit status: 0 when all three were made, non-zero otherwise (the missing one is named).
# Needs scripts/bootstrap.sh --test (dpkg-dev and file for dpkg-shlibdeps) and node/npm for the console.
# CI builds the packages with this script too (tests/installer).
set -euo pipefail
build=${1:-build}
out=${2:-$build/packages}
cd "$(dirname "$0")/.."
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C "$build" build.ninja >/dev/null  # re-runs CMake when a CMakeLists.txt changed
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || { echo "package: no project version in $build/CMakeCache.txt" >&2; exit 1; }

# The target list is read whole before it is searched: a pipe into `grep -q` would let grep exit at
# the first match and kill ninja with SIGPIPE, which pipefail turns into a random "not found".
available=$(ninja -C "$build" -t targets all)
targets=()
for target in mamori_package_files package-inspect; do
  if ! grep -q "^$target:" <<<"$available"; then
    echo "package: $build has no target '$target' (configured with MAMORI_FUZZ_ONLY, or without node/npm for the console?)" >&2
    exit 1
  fi
  targets+=("$target")
done
ninja -C "$build" "${targets[@]}"

mkdir -p "$out"
out=$(cd "$out" && pwd)
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" ||
  { cat "$out/cpack.log" >&2; exit 1; }
rm -rf "$out/_CPack_Packages"  # cpack's staging folders
tarball=mamori-inspect-$version-linux-$(uname -m).tar.gz
[ ! -f "$build/packages/$tarball" ] || [ "$build/packages" -ef "$out" ] || cp "$build/packages/$tarball" "$out/"

status=0
for made in "mamori-agent_${version}_amd64.deb" "mamori-collector_${version}_amd64.deb" "$tarball"; do
  if [ -f "$out/$made" ]; then
    echo "package: $out/$made ($(du -k "$out/$made" | cut -f1) KiB)"
  else
    echo "package: $made was not made (see $out/cpack.log)" >&2
    status=1
  fi
done
exit $status
