#!/usr/bin/env bash
# Assembles the portable mamori-inspect folder the staff carry (docs/inspect.md):
#
#   scripts/package-inspect.sh [BUILD_DIR] [OUT_DIR]     (defaults: build, dist/mamori-inspect)
#
# OUT_DIR gets mamori-inspect, its extraction sandbox workers mamori-extract and mamori-extract-light,
# every shared library they
# need that is not part of the C library
# (found with ldd; the binary's RPATH is $ORIGIN, so the copies beside it are used first), and
# policy.json / inspect.key / inspect.pub / collector-key.pem when they are present in the current
# folder, and the set files in its sets/ folder (sets/fingerprints-NAME.set, sets/edm-NAME.set, as
# `mamorictl fingerprints|edm export NAME --output sets/...` writes them; the tool checks them against
# collector-key.pem, the collector's policy public key (`mamorictl policy key --output collector-key.pem`), and refuses to run without a set its policy
# names). The target PC
# needs a glibc at least as new as the build machine's. Nothing is installed there.
set -euo pipefail
build=${1:-build}
out=${2:-dist/mamori-inspect}
bin="$build/bin/mamori-inspect"
if [ ! -x "$bin" ]; then
  echo "package-inspect: $bin not found; build it first: ninja -C $build mamori-inspect" >&2
  exit 2
fi
mkdir -p "$out"
cp "$bin" "$out/mamori-inspect"
# Its extraction sandbox workers, found beside it (docs/decisions/0022, 0062): the builds without test hooks.
worker="$build/release/mamori-extract"
light="$build/release/mamori-extract-light"
for w in "$worker" "$light"; do
  if [ ! -x "$w" ]; then
    echo "package-inspect: $w not found; build it first: ninja -C $build $(basename "$w")-release" >&2
    exit 2
  fi
done
cp "$worker" "$out/mamori-extract"
cp "$light" "$out/mamori-extract-light"
# The C library and the dynamic loader must come from the PC itself (they go with its kernel);
# everything else (Poco, OpenSSL, libyara, libstdc++ ...) travels with the tool.
{ ldd "$bin"; ldd "$worker"; ldd "$light"; } | awk '/=> \// { print $3 }' | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|ld-linux*) continue ;;
  esac
  cp -L "$lib" "$out/"
done
for extra in policy.json inspect.key inspect.pub collector-key.pem; do
  if [ -f "$extra" ]; then
    cp "$extra" "$out/"
  fi
done
# Only the administrator's exported sets, by their names; a folder left from an earlier package is
# replaced so that a removed set does not travel on.
rm -rf "$out/sets"
for set in sets/fingerprints-*.set sets/edm-*.set; do
  if [ -f "$set" ]; then
    mkdir -p "$out/sets"
    cp "$set" "$out/sets/"
  fi
done
[ -f "$out/inspect.key" ] && chmod 600 "$out/inspect.key"
# Proof that the folder is self-contained: every library resolves inside it or to the C library.
missing=$({ for f in mamori-inspect mamori-extract mamori-extract-light; do LD_LIBRARY_PATH= ldd "$out/$f"; done; } | awk '/not found/ { print $1 }')
if [ -n "$missing" ]; then
  echo "package-inspect: unresolved libraries: $missing" >&2
  exit 1
fi
echo "package-inspect: $out ($(du -sh "$out" | cut -f1)); copy the folder, run ./mamori-inspect --help"
