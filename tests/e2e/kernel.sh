# Sourced by the e2e guests' prepare scripts (usb/, systemd/): the Debian 12 kernel behind the
# linux-image-amd64 metapackage, fetched from Debian at run time into the cache (build tree, never
# committed), unpacked with its modules indexed.
#   e2e_kernel CACHE    sets kver (6.1.0-N-amd64), kdeb (the .deb's path) and kroot (the unpacked
#                       package: kroot/boot/vmlinuz-$kver, kroot/lib/modules/$kver)
e2e_fetch() {  # e2e_fetch CACHE PACKAGE: PACKAGE_*.deb into CACHE/debs once
  local cache=$1 pkg=$2
  mkdir -p "$cache/debs"
  ls "$cache/debs/$pkg"_*.deb >/dev/null 2>&1 && return 0
  (cd "$cache/debs" && apt-get download "$pkg" >/dev/null 2>"$cache/apt-download.log") ||
    { cat "$cache/apt-download.log" >&2; return 1; }
}

e2e_kernel() {
  local cache=$1 kpkg
  mkdir -p "$cache"
  # Both e2e tests may run at once (ctest -j): one fetches and unpacks, the other waits for it.
  exec {e2e_lock}>"$cache/kernel.lock"
  flock "$e2e_lock"
  e2e_kernel_locked "$cache"
  local status=$?
  flock -u "$e2e_lock"
  exec {e2e_lock}>&-
  return $status
}

e2e_kernel_locked() {
  local cache=$1 kpkg
  kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$kpkg" ] || { echo "e2e: cannot resolve linux-image-amd64 (apt-get update?)" >&2; return 1; }
  e2e_fetch "$cache" "$kpkg" || return 1
  kver=${kpkg#linux-image-}
  kdeb=$(ls "$cache/debs/$kpkg"_*.deb | head -n 1)
  kroot="$cache/kernel-$kver"
  if [ ! -f "$kroot/.done" ]; then
    rm -rf "$kroot"; mkdir -p "$kroot"
    dpkg -x "$kdeb" "$kroot"
    depmod -b "$kroot" "$kver"
    touch "$kroot/.done"
  fi
}
