#!/usr/bin/env bash
# Quick start 2: installs the dependencies, builds ntpsweep and runs the whole test suite
# (unit and end-to-end tests through ctest, SARIF validation, the rule pack's own examples), every
# fuzz target (its saved reproducers replayed and a fixed number of inputs from a fixed seed:
# scripts/fuzz.sh with NTPSWEEP_FUZZ_RUNS, default 2000; clang 14, ASan+UBSan), then the same
# suite built with ASan+UBSan (scripts/sanitize.sh).
#   scripts/test.sh            what CI runs (.ci/run)
#   scripts/test.sh --quick    the suite alone, for an edit-test loop (says what it left out)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
quick=false
[ "${1:-}" = "--quick" ] && quick=true
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
build="${NTPSWEEP_BUILD_DIR:-$here/build}"
"$build/ntpsweep" rules test
cd "$build"
ctest --output-on-failure -j"$(nproc)" -LE hostile_known_failing
# Hostile cases that fail because of a bug not fixed yet (docs/security.md, "Known failing"):
# run apart and named, so that they are seen; one that passes now must leave the list.
if ctest --output-on-failure -L hostile_known_failing >"$build/hostile-known-failing.log" 2>&1 &&
  ! grep -q "No tests were found" "$build/hostile-known-failing.log"; then
  echo "test: the known-failing hostile cases pass now: take them out of" \
    "NTPSWEEP_HOSTILE_KNOWN_FAILING (tests/CMakeLists.txt) and docs/security.md" >&2
  exit 1
fi
if ! grep -q "No tests were found" "$build/hostile-known-failing.log"; then
  echo "test: KNOWN FAILING hostile cases (not counted; docs/security.md):" >&2
  grep -E "^(\| |FAILED|  - )" "$build/hostile-known-failing.log" >&2 || true
fi
if $quick; then
  echo "test: --quick: the fuzz targets (scripts/fuzz.sh) and the sanitizer suite" \
    "(scripts/sanitize.sh) were not run" >&2
  exit 0
fi
NTPSWEEP_FUZZ_RUNS="${NTPSWEEP_FUZZ_RUNS:-2000}" "$here/scripts/fuzz.sh"
# The same suite again, built with ASan+UBSan (build-asan/): any report fails it.
"$here/scripts/sanitize.sh"
