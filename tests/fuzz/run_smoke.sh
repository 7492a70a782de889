#!/usr/bin/env bash
# Runs one libFuzzer target for a short time over a copy of its seed corpus (the repository's copy
# stays untouched). A crash, leak or assertion fails the test. Needs MAMORI_FUZZ_DIR (scripts/test.sh
# sets it to the clang fuzz build); without it the test fails rather than pretending to pass.
# Every seed (the hostile samples) is run first, then 10 s of mutation: a smoke run that catches a
# parser change which breaks on known input, not a fuzzing campaign (the targets at 10 s each already fill
# about three minutes of the suite on two cores). For a longer run: MAMORI_FUZZ_SECONDS=600.
set -euo pipefail
target=$1; corpus=$2
seconds=${MAMORI_FUZZ_SECONDS:-10}
if [ -z "${MAMORI_FUZZ_DIR:-}" ] || [ ! -x "$MAMORI_FUZZ_DIR/$target" ]; then
  echo "fuzz smoke: $target not built; run scripts/test.sh (it builds the clang fuzz tree) or set MAMORI_FUZZ_DIR" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/corpus"
cd "$work"
"$MAMORI_FUZZ_DIR/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 corpus 2>&1 | tail -15
