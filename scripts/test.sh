#!/usr/bin/env bash
# Quick start 2: installs the dependencies, builds ntpsweep and runs the whole test suite
# (unit and end-to-end tests through ctest, SARIF validation, the rule pack's own examples).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
build="${NTPSWEEP_BUILD_DIR:-$here/build}"
"$build/ntpsweep" rules test
cd "$build"
ctest --output-on-failure -j"$(nproc)"
