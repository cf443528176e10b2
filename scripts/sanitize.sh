#!/usr/bin/env bash
# Builds ntpsweep and its whole test suite with AddressSanitizer and UBSan (in build-asan/, -O1
# so it builds and runs in CI's time) and runs the suite there. Any ASan/UBSan report fails the
# run: UBSan does not recover, and leak checking is on. Extra arguments go to ctest
# (e.g. scripts/sanitize.sh -R hostile).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="${NTPSWEEP_ASAN_BUILD_DIR:-$here/build-asan}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DNTPSWEEP_SANITIZE=ON -DNTPSWEEP_WERROR=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -- -j"$(nproc)"
# abort_on_error: a report ends the process with a signal, so ctest shows the test as failed
# even where a test only looks at the exit code of the binary it runs.
# No strict_string_checks, as in scripts/fuzz.sh (libarchive's cpio reader trips it harmlessly).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0}"
# Leaks inside The Sleuth Kit's VMDK reader are not ours (fuzz/lsan.supp says which).
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/fuzz/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
"$build/ntpsweep" rules test
cd "$build"
# The known-failing hostile cases are run and named by scripts/test.sh; the package check
# inspects a release .deb, which an instrumented build is not (it depends on libasan).
ctest --output-on-failure -j"$(nproc)" -LE "hostile_known_failing|package" "$@"
