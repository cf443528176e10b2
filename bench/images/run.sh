#!/usr/bin/env bash
# Throughput of ntpsweep on a ~1 GB tar, tar.gz, tar.zst and raw ext4 image, against the peers
# measured in the same run on the same files: `cat` (reading the bytes), `gzip -dc` and
# `zstd -dc` (decompressing them). Prints a table of wall time, payload rate (uncompressed bytes
# per second), the ratio to each peer, and peak RSS (/usr/bin/time -v).
#
#   bench/images/run.sh [NTPSWEEP] [WORKDIR]
#
# The corpus is ~1 GB of real files from /usr (text and binaries, like a root file system),
# with a few planted ntp.conf files; it is built once in WORKDIR (default /tmp/ntpsweep-bench)
# and reused. Runs are warm-cache (the corpus is read once first); each number is the best of
# RUNS (default 3). Nothing here is a test: no timing is ever asserted.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/ntpsweep}
work=${2:-/tmp/ntpsweep-bench}
runs=${RUNS:-3}
target_mb=${TARGET_MB:-1024}
for tool in tar gzip zstd mke2fs /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "bench: no ntpsweep binary at $bin" >&2; exit 1; }
mkdir -p "$work"
cd "$work"

# ---- corpus
if [ ! -f corpus.tar ]; then
  echo "bench: building a ~${target_mb} MB corpus from /usr ..." >&2
  rm -rf corpus && mkdir -p corpus/etc
  # Whole directories of /usr until the target size is reached (sorted: the same corpus each time).
  total=0
  for d in $(cd / && find usr/share usr/lib -mindepth 3 -maxdepth 3 -type d 2>/dev/null | LC_ALL=C sort); do
    size=$(du -sm "/$d" 2>/dev/null | cut -f1)
    [ $((total + size)) -gt "$target_mb" ] && continue
    mkdir -p "corpus/$(dirname "$d")"
    cp -a "/$d" "corpus/$d" 2>/dev/null || true
    total=$((total + size))
    [ "$total" -ge $((target_mb * 95 / 100)) ] && break
  done
  for i in 1 2 3 4 5; do
    printf 'server 10.20.30.40 iburst\n' > "corpus/etc/ntp-$i.conf"
  done
  tar -C corpus --sort=name --owner=0 --group=0 -cf corpus.tar .
  gzip -6 -c corpus.tar > corpus.tar.gz
  zstd -q -3 -c corpus.tar > corpus.tar.zst
  size_mb=$(( $(du -sm corpus | cut -f1) * 13 / 10 + 64 ))
  mke2fs -q -F -t ext4 -d corpus corpus-ext4.img "${size_mb}M"
  rm -rf corpus
fi
payload=$(stat -c %s corpus.tar)

# best wall time (s) and peak RSS (KiB) of a command over $runs runs
measure() {
  local best="" rss=0 t r
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o time.out sh -c "$1" >/dev/null 2>&1 || true
    read -r t r < <(tail -1 time.out)  # after "Command exited with non-zero status 1"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$r" -gt "$rss" ] && rss=$r
  done
  echo "$best $rss"
}

cat corpus.tar corpus.tar.gz corpus.tar.zst corpus-ext4.img > /dev/null  # warm the page cache
read -r t_gz _ < <(measure "gzip -dc corpus.tar.gz > /dev/null")
read -r t_zst _ < <(measure "zstd -dc corpus.tar.zst > /dev/null")

scan="$bin scan -q --host 10.20.30.40 --format json -o /dev/null"
# "text rule only": the catch-all rule alone, so that the rows show the input layer's cost apart
# from the full rule pack's.
mkdir -p rules-text && cp "$here/rules/text.yaml" rules-text/
scan_text="$bin scan -q --no-builtin-rules --rules rules-text --host 10.20.30.40 --format json -o /dev/null"
printf '\nntpsweep %s on %s (%d cores); payload %s MB (%s files); best of %s runs, warm cache\n\n' \
  "$("$bin" --version 2>/dev/null | head -1)" "$(uname -m)" "$(nproc)" "$((payload / 1000000))" \
  "$(tar tf corpus.tar | grep -vc '/$')" "$runs"
printf '%-16s %9s %8s %10s %9s %9s %10s %10s\n' input size_MB time_s MB/s x_cat x_gzip-dc x_zstd-dc peak_RSS_MB
printf '(full rule pack)\n'
for rules in all text; do
  [ "$rules" = text ] && printf '\n(text rule only)\n'
  for input in corpus.tar corpus.tar.gz corpus.tar.zst corpus-ext4.img; do
    read -r base _ < <(measure "cat $input > /dev/null")
    cmd=$scan
    [ "$rules" = text ] && cmd=$scan_text
    read -r t rss < <(measure "$cmd $input")
    size=$(du -m --apparent-size "$input" | cut -f1)
    awk -v n="$input" -v s="$size" -v t="$t" -v p="$payload" -v c="$base" -v g="$t_gz" -v z="$t_zst" -v r="$rss" \
      'BEGIN { printf "%-16s %9d %8.2f %10.0f %9.1f %9.2f %10.2f %10.1f\n", n, s, t, p / 1e6 / t, t / c, t / g, t / z, r / 1024 }'
  done
done
printf '\npeers: gzip -dc corpus.tar.gz %.2f s, zstd -dc corpus.tar.zst %.2f s\n' "$t_gz" "$t_zst"
printf 'x_cat = ntpsweep time / time of cat on the same input; x_gzip-dc, x_zstd-dc: / those peers\n'
printf 'MB/s = uncompressed payload (corpus.tar bytes) / ntpsweep time\n'
