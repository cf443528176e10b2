#!/usr/bin/env bash
# Configures and builds ntpsweep in build/ (Release with debug info, warnings as errors).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="${NTPSWEEP_BUILD_DIR:-$here/build}"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNTPSWEEP_WERROR=ON >/dev/null
cmake --build "$build" -- -j"$(nproc)"
