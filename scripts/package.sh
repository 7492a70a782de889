#!/usr/bin/env bash
# Builds the Debian packages (and the inspection tool's tarball) into BUILD_DIR/packages:
#
#   scripts/package.sh [BUILD_DIR]       (default: build)
#
#   mamori-agent_<version>_amd64.deb       the agent, its systemd unit, /etc/mamori/agent.conf
#   mamori-collector_<version>_amd64.deb   mamori-collector and mamorictl, their unit, own user
#   mamori-inspect-<version>-linux-x86_64.tar.gz   the portable inspection tool (docs/inspect.md)
#
# Needs scripts/bootstrap.sh --test (dpkg-dev and file for dpkg-shlibdeps). docs/install.md installs them.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
targets=(mamori-agent mamori-collector mamorictl)
if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^package-inspect:'; then
  targets+=(package-inspect)
fi
ninja -C "$build" "${targets[@]}"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$build/packages"
ls -l "$build"/packages/*.deb "$build"/packages/*.tar.gz 2>/dev/null || true
