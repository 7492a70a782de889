#!/usr/bin/env bash
# Style and static analysis: clang-format (check, or --fix to rewrite) and clang-tidy over every
# translation unit of the build (needs build/compile_commands.json: run scripts/build.sh first).
# Findings are errors: exit 1 if any, 0 if clean.
#   scripts/lint.sh            check formatting and run clang-tidy
#   scripts/lint.sh --fix      rewrite files with clang-format, then run clang-tidy
#   scripts/lint.sh --format   formatting only (fast)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --lint >/dev/null
mode=${1:-check}
build_dir=${MAMORI_BUILD_DIR:-build}

mapfile -t sources < <(git ls-files '*.cpp' '*.h' | grep -vE '^(tests/fuzz/corpus)/')
status=0
python3 scripts/check-deps.py || status=1  # the dependency rules of docs/ARCHITECTURE.md
if [ "$mode" = "--fix" ]; then
  clang-format -i "${sources[@]}"
else
  clang-format --dry-run --Werror "${sources[@]}" || status=1
fi
[ "$mode" = "--format" ] && exit $status

[ -f "$build_dir/compile_commands.json" ] || { echo "lint: run scripts/build.sh first" >&2; exit 2; }
mapfile -t units < <(git ls-files '*.cpp' | grep -vE '^tests/fuzz/')
# Headers: every project folder of this checkout, by absolute path (clang-tidy matches the header
# filter against the path as the compiler found it); nothing under the build tree or the system.
folders=$(git ls-files '*.h' | cut -d/ -f1 | sort -u | paste -sd'|')
run-clang-tidy -quiet -p "$build_dir" -j "$(nproc)" -header-filter "^$PWD/($folders)/" "${units[@]}" \
  >"$build_dir/clang-tidy.log" 2>&1 || status=1
grep -E "(error|warning):" "$build_dir/clang-tidy.log" | sort -u | head -100 || true
[ $status -eq 0 ] && echo "lint: clean"
exit $status
