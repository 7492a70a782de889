#!/usr/bin/env bash
# Installs what mamori needs on Debian 12, with apt-get. Idempotent: packages already installed are
# not fetched again, and apt-get update runs only when something is missing.
#   scripts/bootstrap.sh          build dependencies (compiler, CMake, Qt, Poco, libyara, libusb, ...)
#   scripts/bootstrap.sh --test   also what the tests need (PostgreSQL server, clang for fuzzers, python3)
#   scripts/bootstrap.sh --lint   also clang-format and clang-tidy
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config git
  qt6-base-dev libpoco-dev libyara-dev libusb-1.0-0-dev libssl-dev zlib1g-dev libsqlite3-dev libpq-dev libicu-dev
  doctest-dev
  libboost1.81-dev  # Asio and Beast (header-only)
  libseccomp-dev  # the extraction sandbox's system-call filter (drivers/linux/SandboxConfinement)
  libarchive-dev  # 7z, RAR, tar, cpio, ISO 9660 read in the extraction sandbox (scan/ArchiveReader)
  libdeflate-dev  # zip and Office members inflated in one call, 3x zlib's speed (scan/ZipReader)
  libcups2-dev  # the print gate's IPP client (drivers/linux/CupsPrintSpooler)
)
test_packages=(python3 postgresql clang libclang-rt-14-dev sqlite3 procps iproute2 util-linux
  qemu-system-x86 busybox-static dosfstools cpio kmod openssl  # this line: tests/e2e (QEMU USB)
  wodim xorriso  # this line: tests/e2e (burning programs in the guest, the disc image)
  yara  # the reference tool of bench/scan.py
  # tests/integration/test_p2p.py: real file-sharing clients (run only in a test's own network namespace;
  # without a running init nothing starts them at install) and benign look-alikes
  transmission-daemon qbittorrent-nox aria2 ctorrent rtorrent deluged amule-daemon tshark tcpdump curl
  # tests/integration/test_p2p_renamed.py: Deluge's engine driven from Python (a uTP-only swarm), rsync
  # among the everyday programs that must be left alone
  python3-libtorrent rsync
  rsyslog rsyslog-gnutls)  # tests/integration/test_siem.py: the SIEM receiver (run as the test's child only)
# tests/integration/test_requests.py: the desktop notification of a block (notify-send as the user, on a
# session bus and notification service the test runs)
test_packages+=(libnotify-bin dbus-daemon python3-dbus python3-gi)
test_packages+=(tmux)  # tests/inspect: mamori-inspect's consent prompts through a pseudo-terminal (also aria2, chromium)
# tests/integration/test_activity.py: archives (zip -e, 7z) and printing to a test-owned cupsd (its own
# config, port and spool; the package's service is not needed)
test_packages+=(zip p7zip-full cups cups-client cups-bsd)
# tests/integration/test_print_gate.py: the same test-owned cupsd (cups-daemon's /usr/lib/cups/daemon runs
# its backend), ipptool for a job's state
test_packages+=(cups-daemon cups-ipp-utils)
# tests/installer: cpack's DEB generator (dpkg-shlibdeps, file), systemd-analyze (installing the systemd
# package in a container or chroot does not make it PID 1 nor start anything), lintian
test_packages+=(dpkg-dev file systemd lintian man-db)
# tests/e2e/systemd: the guest's root file system (mmdebstrap, mke2fs/debugfs), its copy-on-write disk
test_packages+=(mmdebstrap debootstrap e2fsprogs qemu-utils)
lint_packages=(clang-format clang-tidy)
# The web console (console/) is built with npm. A machine that already has node and npm keeps them
# (NodeSource's nodejs bundles npm, and Debian's npm package would conflict with it).
command -v npm >/dev/null 2>&1 || build_packages+=(nodejs npm)
test_packages+=(chromium)  # console/tests: the browser playwright-core drives (npm never downloads one)
# tests/scan: archive fixtures made at test time (tar, cpio, 7z from p7zip-full, xz/bzip2/zstd, ISO 9660)
test_packages+=(tar cpio p7zip-full xz-utils bzip2 zstd genisoimage)
test_packages+=(haproxy)  # tests/integration/test_failover.py: the load balancer, run only by the test on loopback
# tests/scan/make_office_fixtures.py: LibreOffice writes the office fixture set (docx/doc/xlsx/xls/pptx/ppt/pdf ...)
# with a Japanese font for its PDFs; tests/integration/test_fingerprints.py converts a registered docx to PDF
test_packages+=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-ipafont-gothic)
# tests/integration/test_p2p_wine.py: Windows programs built at test time with mingw-w64 (windres for their
# version resources) and run with Debian's Wine loader (/usr/lib/wine/wine64) in the test's own prefix
test_packages+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine64)

wanted=("${build_packages[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) wanted+=("${test_packages[@]}") ;;
    --lint) wanted+=("${lint_packages[@]}") ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "bootstrap.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#wanted[@]} packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: run as root or install sudo" >&2; exit 1; }
  SUDO=sudo
fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# No package may start its service: the tests run their own PostgreSQL, rsyslog and cupsd, and a
# file-sharing daemon started by its package would join the public network with DHT on. Debian's
# invoke-rc.d and deb-systemd-invoke ask policy-rc.d; exit 101 means "not now". Ours is removed after.
policy_rc=/usr/sbin/policy-rc.d
own_policy_rc=""
if [ ! -e "$policy_rc" ]; then
  printf '#!/bin/sh\n# mamori bootstrap: no service starts during package installation\nexit 101\n' |
    $SUDO tee "$policy_rc" >/dev/null
  $SUDO chmod 755 "$policy_rc"
  own_policy_rc=$policy_rc
  trap '$SUDO rm -f "$own_policy_rc"' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Nor at the next boot: the P2P clients are test material, never services of this machine.
for unit in transmission-daemon deluged qbittorrent-nox amule-daemon haproxy; do
  if [ -e "/lib/systemd/system/$unit.service" ] && command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl disable --quiet "$unit.service" 2>/dev/null || true
  fi
done
