#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-14, ASan+UBSan, in build-fuzz/) and runs each one
# for SECONDS seconds (default 30) from its seed corpus fuzz/corpus/<target>/ with its
# dictionary. Fails when any target crashes, leaks, times out on one input (-timeout) or goes
# over the memory limit (-rss_limit_mb); the input is kept as build-fuzz/artifacts/<target>-*.
# Before fuzzing, every saved reproducer in fuzz/regressions/<target>/ is replayed (those must
# pass; fuzz/regressions/open/ holds reproducers of bugs not fixed yet, not replayed).
#   scripts/fuzz.sh [SECONDS] [TARGET...]       e.g. scripts/fuzz.sh 600 fuzz_syntax_yaml
# With NTPSWEEP_FUZZ_RUNS=N each target instead runs N inputs from seed 1 (CI: reproducible).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds="${1:-30}"
shift || true
build="${NTPSWEEP_FUZZ_BUILD_DIR:-$here/build-fuzz}"
cxx="${NTPSWEEP_FUZZ_CXX:-clang++-14}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_CXX_COMPILER="$cxx" -DNTPSWEEP_FUZZ=ON \
  -DNTPSWEEP_WERROR=ON -DBUILD_TESTING=OFF "${launcher[@]}" >/dev/null
# Executables sit in fuzz/ of the build tree ("fuzz/fuzz_yaml: CXX_EXECUTABLE_LINKER__...").
all=$(ninja -C "$build" -t targets all | sed -n 's/^\(.*\/\)\?\(fuzz_[a-z0-9_]*\): CXX_EXECUTABLE_LINKER.*/\2/p' | sort -u)
[ -n "$all" ] || { echo "fuzz: no fuzz target in $build (is NTPSWEEP_FUZZ on?)" >&2; exit 1; }
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets <<<"$all"
cmake --build "$build" --target "${targets[@]}" -- -j"$(nproc)"

# The dictionary of each target (fuzz/dict/<name>.dict).
dict_of() {
  case "$1" in
    fuzz_host_target | fuzz_text_match) echo host ;;
    fuzz_rules | fuzz_config | fuzz_syntax_yaml) echo yaml ;;
    fuzz_syntax_json) echo json ;;
    fuzz_syntax_hcl) echo hcl ;;
    fuzz_syntax_shell | fuzz_syntax_shell_vars | fuzz_syntax_dockerfile | fuzz_syntax_kickstart) echo shell ;;
    fuzz_syntax_template) echo template ;;
    fuzz_syntax_xml) echo xml ;;
    fuzz_archive | fuzz_tar_headers) echo archive ;;
    fuzz_disk) echo disk ;;
    fuzz_syntax_*) echo directives ;;
    fuzz_analyze) echo analyze ;;
  esac
}
# Text formats get room for deep nesting and long lines; binary ones take their seeds' size.
max_len_of() {
  case "$1" in
    fuzz_archive | fuzz_disk | fuzz_tar_headers) echo "" ;;
    *) echo "-max_len=65536" ;;
  esac
}

# No strict_string_checks: it reports a strcmp whose arguments are not NUL-terminated even where
# the comparison stops inside them, which libarchive 3.6.2's cpio reader does (reproducer
# fuzz/regressions/fuzz_archive/cpio-odc-unterminated-name-strcmp); bytes really read past an
# end are still reported.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
# Leaks inside The Sleuth Kit's VMDK reader are not ours (fuzz/lsan.supp says which).
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/fuzz/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
artifacts="$build/artifacts"
mkdir -p "$artifacts"
failed=()
summary=()
for t in "${targets[@]}"; do
  exe="$build/fuzz/$t"
  regress="$here/fuzz/regressions/$t"
  if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
    if ! "$exe" -rss_limit_mb=2048 -timeout=25 "$regress"/* >"$artifacts/$t.regressions.log" 2>&1; then
      echo "fuzz: $t fails a saved reproducer in fuzz/regressions/$t:" >&2
      tail -40 "$artifacts/$t.regressions.log" >&2
      failed+=("$t(regression)")
      continue
    fi
  fi
  work="$build/corpus/$t"
  # A fixed number of runs from a fixed seed and a fresh work corpus: the same inputs every time.
  [ -n "${NTPSWEEP_FUZZ_RUNS:-}" ] && rm -rf "$work"
  mkdir -p "$work"
  seeds=()
  [ -d "$here/fuzz/corpus/$t" ] && seeds=("$here/fuzz/corpus/$t")
  dict=$(dict_of "$t")
  opts=(-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$t-")
  if [ -n "${NTPSWEEP_FUZZ_RUNS:-}" ]; then opts+=(-runs="$NTPSWEEP_FUZZ_RUNS" -seed=1)
  else opts+=(-max_total_time="$seconds"); fi
  [ -n "$dict" ] && opts+=(-dict="$here/fuzz/dict/$dict.dict")
  ml=$(max_len_of "$t")
  [ -n "$ml" ] && opts+=("$ml")
  log="$artifacts/$t.log"
  # New inputs go to the work corpus (build-fuzz/corpus/<t>), never into the committed seeds.
  if "$exe" "${opts[@]}" "$work" "${seeds[@]}" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
    echo "fuzz: $t failed; its log ends:" >&2
    grep -E "ERROR|SUMMARY|Test unit written|timeout|out-of-memory|leak" "$log" | head -20 >&2
    tail -60 "$log" >&2
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  summary+=("$(printf '%-28s %-7s execs=%-9s cov=%s' "$t" "$status" "${runs:-?}" "${cov:-?}")")
done
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
budget="${seconds}s"
[ -n "${NTPSWEEP_FUZZ_RUNS:-}" ] && budget="$NTPSWEEP_FUZZ_RUNS runs"
echo "fuzz: ${#targets[@]} targets, $budget each: no crash, leak, timeout or OOM"
