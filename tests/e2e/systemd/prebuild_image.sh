#!/usr/bin/env bash
# Makes the systemd machine test's image ahead of the test. scripts/test.sh starts this in the background
# once the build is done, so mmdebstrap (minutes on a fresh machine, mostly download and dpkg) runs while
# the fuzz tree builds and the first tests run; run_systemd_e2e.py waits for it on CACHE/systemd.lock.
# The image needs only the agent package's Depends: a throwaway agent .deb is made with cpack from the
# built tree (no ninja, nothing in the build tree changes, so it does not race the tests that package).
#   prebuild_image.sh BUILD_DIR        (exit status of prepare_image.sh; the test reports a failure too)
set -euo pipefail
build=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
cache="$build/e2e-cache"
mkdir -p "$cache"
exec 9>"$cache/systemd.lock"
flock 9
debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$debs" -D CPACK_COMPONENTS_ALL=agent >"$debs/cpack.log" 2>&1 ||
  { cat "$debs/cpack.log" >&2; exit 1; }
"$here/prepare_image.sh" "$cache" "$debs"/mamori-agent_*_amd64.deb
