#!/usr/bin/env bash
# Benchmarks `ntpsweep scan` of any directory trees (default: this machine's /usr /etc) against
# grep and ripgrep searching the same trees for the same literals, in the same run (page cache
# warmed first), and ntpsweep with one worker against all. Prints wall time, the number of files
# and bytes ntpsweep read, and ratios. Usage: bench/scan-tree.sh [DIR...]. The binary is
# $NTPSWEEP (default build/ntpsweep). The fixed corpora and the goals of issue 11 are
# bench/run.sh's; this script is for trees of your own.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${NTPSWEEP:-$here/build/ntpsweep}
[ -x "$bin" ] || { echo "bench: no ntpsweep at $bin (scripts/build.sh, or set NTPSWEEP)" >&2; exit 2; }
for tool in rg bc; do
  command -v $tool >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$( [ $tool = rg ] && echo ripgrep || echo bc)" >/dev/null
done
dirs=("$@")
[ "${#dirs[@]}" -gt 0 ] || dirs=(/usr /etc)
hosts=(10.20.30.40 ntp-old.corp.example.com fd00::123)
runs=3

best() {  # best wall time in seconds of `runs` runs of "$@"
  local best=""
  for _ in $(seq $runs); do
    local s e t
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}

host_args=()
grep_args=()
for h in "${hosts[@]}"; do host_args+=(--host "$h"); grep_args+=(-e "$h"); done
# Warm the page cache so every tool reads from memory.
"$bin" scan "${host_args[@]}" "${dirs[@]}" --format json -o /dev/null 2>/dev/null || true
stats=$("$bin" scan "${host_args[@]}" "${dirs[@]}" --format json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]
print(s["entries"], s["binary_skipped"], s["bytes"])') || true
read -r entries binaries bytes <<<"$stats"

t_ns=$(best "$bin" scan "${host_args[@]}" "${dirs[@]}" --format json -o /dev/null)
t_ns1=$(best "$bin" scan -j 1 "${host_args[@]}" "${dirs[@]}" --format json -o /dev/null)
# Same flags as bench/run.sh: -i (names match case-insensitively), binaries skipped as ntpsweep does.
t_grep=$(best grep -rIiF --no-messages "${grep_args[@]}" "${dirs[@]}")
t_rg=$(best rg -uu -i --no-messages -F "${grep_args[@]}" "${dirs[@]}")

echo "trees: ${dirs[*]}  hosts: ${hosts[*]}  best of $runs runs, warm cache, $(nproc) cores"
echo "ntpsweep read $entries text files ($bytes bytes), skipped $binaries binary files"
printf '%-28s %8s s  %s\n' "ntpsweep (-j $(nproc))" "$t_ns" "1.00x"
printf '%-28s %8s s  %.2fx ntpsweep time\n' "ntpsweep (-j 1)" "$t_ns1" "$(echo "$t_ns1 / $t_ns" | bc -l)"
printf '%-28s %8s s  %.2fx ntpsweep time\n' "grep -rIiF (1 thread)" "$t_grep" "$(echo "$t_grep / $t_ns" | bc -l)"
printf '%-28s %8s s  %.2fx ntpsweep time\n' "rg -uu -i -F" "$t_rg" "$(echo "$t_rg / $t_ns" | bc -l)"
