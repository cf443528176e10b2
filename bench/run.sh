#!/usr/bin/env bash
# Times each goal of issue 11 side by side with its peer and checks ntpsweep's findings:
#
#   bench/run.sh [CASE...]          # default: every case; a name or its prefix (rss, rss-tar)
#   ROUNDS=1 bench/run.sh tar       # quick look
#
# Corpora come from bench/make-corpus.sh (run it first; cache NTPSWEEP_BENCH_CACHE, default
# /var/cache/ntpsweep-bench). The binary is $NTPSWEEP (default build/ntpsweep).
#
# Each case runs ntpsweep (A) and its peer (B) alternately, ROUNDS times (default 5; the order
# flips every round so neither side always gets the warmer cache), after one warm-up read of the
# input. Wall time is measured around `/usr/bin/time`, which also gives ntpsweep's peak RSS. A run
# that takes longer than BENCH_TIMEOUT seconds (default 600) is stopped and reported as
# "timeout", and that side is not run again in the case. Scans write SARIF to /dev/null, as the
# issue measured; a separate JSON run feeds the correctness check (bench/check.py): ntpsweep must
# report every file:line where `rg -F -i` finds a target as a whole value.
#
# BENCH_RULES=text runs every scan with the catch-all text rule alone.
#
# Prints a Markdown table and writes it to $RESULTS (default bench/RESULTS.md) with the machine
# it came from. Ratios are never asserted: exit 1 only when a run fails or a check fails.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${NTPSWEEP:-$here/build/ntpsweep}
cache=${NTPSWEEP_BENCH_CACHE:-/var/cache/ntpsweep-bench}
rounds=${ROUNDS:-5}
limit=${BENCH_TIMEOUT:-600}
results=${RESULTS:-$here/bench/RESULTS.md}
targets=(10.20.30.40 ntp-old.corp.example.com fd00::123)
all_cases=(rootfs-dir rootfs-archives synthetic tar tar.gz tar.zst ext4 xfs hosts-1000 rules-200
  rss-dir-1x rss-dir-2x rss-dir-4x rss-tar-1x rss-tar-2x rss-tar-4x inventory)

[ -x "$bin" ] || { echo "bench: no ntpsweep at $bin (scripts/build.sh, or set NTPSWEEP)" >&2; exit 2; }
[ -f "$cache/hosts-1000.txt" ] || { echo "bench: no corpus in $cache (bench/make-corpus.sh)" >&2; exit 2; }
for t in rg bsdtar /usr/bin/time /usr/bin/python3 timeout; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (bench/make-corpus.sh installs it)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Run a copy: a rebuild of build/ntpsweep during the run must not mix two binaries in one table.
commit=$(git -C "$(dirname "$bin")/.." describe --always --dirty 2>/dev/null || echo unknown)
built=$(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC')
cp "$bin" "$work/ntpsweep"
# The reader modules it loads on first use (a disk image) sit beside it, as in the build tree.
for module in "$(dirname "$bin")"/ntpsweep-*.so; do
  if [ -e "$module" ]; then cp "$module" "$work/"; fi
done
load_start=$(cut -d' ' -f1-3 /proc/loadavg)  # other work on the machine makes times noisy: say so
bin=$work/ntpsweep

q() { printf '%q' "$1"; }
host_args="" rg_args=""
for t in "${targets[@]}"; do host_args+=" --host $t"; rg_args+=" -e $t"; done
many_hosts=$(sed 's/^/ --host /' "$cache/hosts-1000.txt" | tr -d '\n')
scan="$(q "$bin") scan -q --fail-on none"
sarif="--format sarif -o /dev/null"
# BENCH_RULES=text: every scan with only the catch-all text rule (rules/text.yaml), which shows
# the cost of walking, archives and images apart from the readers' (what bench/images/run.sh's
# "text rule only" rows showed).
rules_used="built-in pack"
if [ "${BENCH_RULES:-}" = text ]; then
  mkdir "$work/text-rules" && cp "$here/rules/text.yaml" "$work/text-rules/"
  scan+=" --no-builtin-rules --rules $(q "$work/text-rules")"
  rules_used="text rule only (BENCH_RULES=text)"
fi
rg="rg -n --null --no-messages -i -F$rg_args"

# Sets the globals of case $1:
#   cwd      directory the commands run in (operands are relative to it: locations match rg's)
#   A, B     ntpsweep's command and the peer's (shell strings); B empty: no peer (RSS rows)
#   peer     what B is, for the table;  goal: "1.0" (ratio A/B) or "rss:64" (MiB, flat)
#   b_ok     exit codes of B that are success
#   inputs   what A and B read, relative to cwd (warmed into the page cache first)
#   check    the ntpsweep command whose JSON is checked (without --format); empty: no check
#   expect   "DIR|rg command" giving the lines to find;  inside/prefixes: see bench/check.py
define() {
  A="" B="" peer="" goal="" check="" expect="" inside="" prefixes="" cwd=$cache inputs=. b_ok="0 1"
  local rootfs_rg="$cache/rootfs|$rg -uu ."
  case $1 in
    rootfs-dir)
      cwd=$cache/rootfs; A="$scan$host_args --archives off . $sarif"; B="$rg -uu ."; peer="rg -uu -i -F"
      goal=1.0; check="$scan$host_args --archives off ."; expect=$rootfs_rg ;;
    rootfs-archives)
      # rg exits 2 here for a file named .gz that is not gzip (dpkg alternatives): not a failure
      cwd=$cache/rootfs; A="$scan$host_args . $sarif"; B="$rg -uuz ."; peer="rg -uuz -i -F" b_ok="0 1 2"
      goal=0.5; check="$scan$host_args ."; expect="$cache/rootfs|$rg -uuz ." ;;
    synthetic)
      cwd=$cache/synthetic; A="$scan$host_args . $sarif"; B="$rg -uu ."; peer="rg -uu -i -F"
      goal=1.0; check="$scan$host_args ."; expect="$cache/synthetic|$rg -uu ." ;;
    tar | tar.gz | tar.zst)  # --archives off: bsdtar -xOf does not open the .gz members either
      A="$scan$host_args --archives off rootfs.$1 $sarif"; B="bsdtar -xOf rootfs.$1 >/dev/null"; peer="bsdtar -xOf"
      goal=1.15; check="$scan$host_args --archives off rootfs.$1"; expect=$rootfs_rg; inside=1 inputs=rootfs.$1 ;;
    ext4 | xfs)
      A="$scan$host_args rootfs.$1 $sarif"; B="$scan$host_args rootfs.tar $sarif"; peer="ntpsweep rootfs.tar"
      goal=1.3; check="$scan$host_args rootfs.$1"; expect=$rootfs_rg; inside=1 inputs="rootfs.$1 rootfs.tar" ;;
    hosts-1000)
      cwd=$cache/rootfs; A="$scan$many_hosts --archives off . $sarif"
      B="$scan --host ${targets[0]} --archives off . $sarif"; peer="ntpsweep, 1 --host"
      goal=1.3; check="$scan$many_hosts --archives off ."; expect=$rootfs_rg ;;
    rules-200)
      cwd=$cache/rootfs; A="$scan$host_args --rules $(q "$cache/rules-200") --archives off . $sarif"
      B="$scan$host_args --archives off . $sarif"; peer="ntpsweep, built-in pack"
      goal=1.5; check="$scan$host_args --rules $(q "$cache/rules-200") --archives off ."; expect=$rootfs_rg ;;
    rss-dir-1x | rss-dir-2x | rss-dir-4x)  # 1x = one quarter of the synthetic repository
      local ops=q0
      case $1 in rss-dir-2x) ops="q0 q1" ;; rss-dir-4x) ops="q0 q1 q2 q3" ;; esac
      cwd=$cache/synthetic; A="$scan$host_args $ops $sarif"; goal=rss:64
      check="$scan$host_args $ops"; expect="$cache/synthetic|$rg -uu $ops" inputs=$ops ;;
    rss-tar-1x)
      A="$scan$host_args rootfs.tar $sarif"; goal=rss:128
      check="$scan$host_args rootfs.tar"; expect=$rootfs_rg; inside=1 inputs=rootfs.tar ;;
    rss-tar-2x | rss-tar-4x)  # copy1/ ... copyN/ of the tree in one tar
      local n=${1#rss-tar-}; n=${n%x}
      A="$scan$host_args rootfs-x$n.tar $sarif"; goal=rss:128
      check="$scan$host_args rootfs-x$n.tar"; expect=$rootfs_rg; inside=1 inputs=rootfs-x$n.tar
      prefixes=$(seq -f ' --prefix copy%g/' "$n" | tr -d '\n') ;;
    inventory)  # both open archives by default: each runs with --archives off, like with like
      cwd=$cache/rootfs; A="$(q "$bin") inventory --archives off --format json -o /dev/null ."
      B="$scan$host_args --archives off . $sarif"; peer="ntpsweep scan"; goal=2.0 ;;
    *) echo "bench: unknown case '$1' (${all_cases[*]})" >&2; exit 2 ;;
  esac
}

# One timed run of shell command $1 in $cwd: prints "MILLISECONDS PEAK_RSS_KIB", "timeout" or
# "fail:RC". Exit codes $2 (default 0 and 1: rg without a match) are success.
run1() {
  local s e rc=0
  s=$(date +%s%N)
  (cd "$cwd" && /usr/bin/time -f %M -o "$work/rss" timeout -k 10 "$limit" bash -c "$1") \
    >/dev/null 2>"$work/stderr" || rc=$?
  e=$(date +%s%N)
  if [[ " ${2:-0 1} " == *" $rc "* ]]; then
    echo "$(((e - s) / 1000000)) $(tail -1 "$work/rss")"
  elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo timeout
  else
    echo "fail:$rc"
    sed 's/^/  | /' "$work/stderr" | tail -5 >&2
  fi
}

median() { sort -n | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
secs() { if [ -n "$1" ]; then awk -v m="$1" 'BEGIN {printf "%.3f s", m / 1000}'; else echo "—"; fi; }

# Warm the page cache with the input's bytes, so that round 1 is not a cold read for one side.
warm() {
  # shellcheck disable=SC2086  # $inputs is a list of paths
  (cd "$cwd" && find $inputs -type f -print0 | xargs -0 cat >/dev/null 2>&1) || true
}

# The correctness check of the case; prints its verdict for the table.
verify() {
  [ -n "$check" ] || { echo "—"; return; }
  local dir=${expect%%|*} cmd=${expect#*|} key out
  key=$(printf '%s' "$expect" | md5sum | cut -c1-12)
  [ -f "$work/expect-$key" ] || (cd "$dir" && bash -c "$cmd" >"$work/expect-$key") || true
  local rc=0
  (cd "$cwd" && timeout -k 10 "$limit" bash -c "$check --format json -o $(q "$work/found.json")") 2>"$work/stderr" || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo "not checked: timeout"; return 0; fi
  [ -s "$work/found.json" ] || { echo "FAILED: no JSON from the check run (exit $rc)"; return 1; }
  local opts=()
  for t in "${targets[@]}"; do opts+=(--target "$t"); done
  [ -n "$inside" ] && opts+=(--inside)
  # shellcheck disable=SC2206  # $prefixes is a list of --prefix options
  opts+=($prefixes)
  out=$(/usr/bin/python3 "$here/bench/check.py" --rg "$work/expect-$key" --json "$work/found.json" "${opts[@]}") || { echo "$out"; rm -f "$work/found.json"; return 1; }
  rm -f "$work/found.json"
  echo "$out"
}

files_mb() {  # regular files under $1 and their bytes (du would count directory blocks too)
  find "$1" -type f -printf '%s\n' | awk '{n++; s += $1} END {printf "%d files, %.0f MB", n, s / 1e6}'
}

rows=() failed=0 rss1x_dir="" rss1x_tar=""
run_case() {
  local c=$1 r side res ta=() tb=() rss=0 out_a="" out_b="" verdict
  define "$c"
  echo "bench: $c" >&2
  warm
  verdict=$(verify) || failed=1
  echo "bench:   check: $verdict" >&2
  for r in $(seq "$rounds"); do
    for side in $( ((r % 2)) && echo A B || echo B A); do
      [ "$side" = B ] && [ -z "$B" ] && continue
      [ "$side" = A ] && [ -n "$out_a" ] && continue
      [ "$side" = B ] && [ -n "$out_b" ] && continue
      if [ "$side" = A ]; then res=$(run1 "$A"); else res=$(run1 "$B" "$b_ok"); fi
      echo "bench:   round $r $side: $res" >&2
      case $res in
        timeout | fail:*)
          if [ "$side" = A ]; then out_a=$res; else out_b=$res; fi
          [ "$res" = timeout ] || failed=1 ;;
        *)
          if [ "$side" = A ]; then
            ta+=("${res% *}"); [ "${res#* }" -gt "$rss" ] && rss=${res#* }
          else
            tb+=("${res% *}")
          fi ;;
      esac
    done
  done
  local ma mb ratio="—" met="—" goal_text rss_mib
  ma=$(printf '%s\n' "${ta[@]}" | median) mb=""
  [ -n "$B" ] && mb=$(printf '%s\n' "${tb[@]}" | median)
  rss_mib=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')
  if [ "${goal#rss:}" != "$goal" ]; then
    # Peak RSS rows: under the limit, and flat: at most 1.25x the 1x row of the same kind.
    local lim=${goal#rss:} base
    goal_text="≤ $lim MiB, flat"
    case $c in rss-dir-1x) rss1x_dir=$rss ;; rss-tar-1x) rss1x_tar=$rss ;; esac
    base=$rss1x_dir; [ "${c#rss-tar}" != "$c" ] && base=$rss1x_tar
    met=$(awk -v r="$rss" -v l="$lim" -v b="${base:-0}" 'BEGIN {print (r > 0 && r <= l * 1024 && (b == 0 || r <= 1.25 * b)) ? "yes" : "no"}')
  else
    goal_text="≤ ${goal}×"
    if [ -n "$ma" ] && [ -n "$mb" ]; then
      ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f×", a / b}')
      met=$(awk -v a="$ma" -v b="$mb" -v g="$goal" 'BEGIN {print (a / b <= g) ? "yes" : "no"}')
    elif [ -n "$out_a" ]; then
      met=no
    fi
  fi
  [ -n "$out_a" ] && ma="" && rss_mib="—"
  rows+=("| $c | ${out_a:-$(secs "$ma")} | ${peer:-—} | ${out_b:-$(secs "$mb")} | $ratio | $goal_text | $met | $rss_mib | $verdict |")
}

selected=()
if [ "$#" -eq 0 ]; then selected=("${all_cases[@]}"); fi
for arg in "$@"; do
  found=0
  for c in "${all_cases[@]}"; do
    if [ "$c" = "$arg" ] || [ "${c#"$arg"-}" != "$c" ]; then selected+=("$c"); found=1; fi
  done
  [ "$found" = 1 ] || { echo "bench: unknown case '$arg' (${all_cases[*]})" >&2; exit 2; }
done
for c in "${selected[@]}"; do run_case "$c"; done

{
  echo "# ntpsweep benchmark results"
  echo
  echo "Written by \`bench/run.sh\` (corpora: \`bench/make-corpus.sh\`). Ratios are measured, never asserted."
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); rounds: $rounds (median), timeout ${limit} s, warm page cache; rules: $rules_used"
  echo "- load average (1, 5, 15 min) at start: $load_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- ntpsweep: $("$bin" --version | head -1), commit $commit, binary built $built"
  echo "- peers: $(rg --version | sed -n 1p), $(bsdtar --version)"
  echo "- rootfs: $(cat "$cache/rootfs.method" 2>/dev/null); $(files_mb "$cache/rootfs"); synthetic: $(files_mb "$cache/synthetic")"
  echo
  echo "| case | ntpsweep median | peer | peer median | ratio | goal | met? | ntpsweep peak RSS (MiB) | check: rg lines found |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Ratio = ntpsweep median / peer median. rss-dir-Nx: 1x = synthetic/q0 (a quarter of the"
  echo "synthetic repository), 2x = q0 q1, 4x = all four; rss-tar-Nx: N copies of the rootfs in one"
  echo "tar. \"flat\" = at most 1.25x the 1x row. inventory --archives off is compared with"
  echo "\`scan --archives off\`. The check column counts the file:line pairs where"
  echo "\`rg -i -F\` finds a target as a whole value (decoys such as 10.20.30.400 excluded) that"
  echo "ntpsweep also reports; archive and image members are matched through location chains."
} >"$work/results.md"
cp "$work/results.md" "$results"
cat "$results"
exit "$failed"
