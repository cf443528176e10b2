#!/usr/bin/env bash
# Builds the corpora bench/run.sh measures, on a fresh Debian 12 machine as root, in a cache
# outside the repository (they are large and machine-made, never committed):
#
#   bench/make-corpus.sh [CORPUS...]     # default: all, in this order
#
#   rootfs     Debian 12 minbase root file system with chrony, cloud-init and friends, plus a few
#              planted references (rootfs/; rootfs.method says how it was built)
#   archives   rootfs.tar, .tar.gz, .tar.zst, and rootfs-x2.tar / -x4.tar (2 and 4 copies) for
#              the peak-RSS rows
#   images     rootfs.ext4 (mke2fs -d) and rootfs.xfs (mkfs.xfs -p PROTOFILE): raw, no partitions
#   synthetic  ~200k small files of a made-up organisation's repositories, fixed seed, in four
#              quarters q0..q3 (the 1x/2x/4x peak-RSS rows scan one, two or four of them)
#   hosts      hosts-1000.txt: the three targets and 997 other --host values
#   rules      rules-200/: 200 user rule files, checked with `ntpsweep rules validate` and `test`
#
# Cache: ${NTPSWEEP_BENCH_CACHE:-/var/cache/ntpsweep-bench}. Idempotent: a corpus that exists is
# kept (delete it to rebuild); each is built under a temporary name and renamed when complete.
# The rootfs follows the machine's Debian mirror (/etc/apt); NTPSWEEP_BENCH_MIRROR overrides it
# (a snapshot.debian.org URL pins the package versions). rootfs.packages lists what went in.
# NTPSWEEP_BENCH_ROOTFS_METHOD=download forces the no-mmdebstrap fallback.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${NTPSWEEP_BENCH_CACHE:-/var/cache/ntpsweep-bench}
bin=${NTPSWEEP:-$here/build/ntpsweep}
# The benchmark's targets; bench/run.sh uses the same three.
targets=(10.20.30.40 ntp-old.corp.example.com fd00::123)
# Installed and configured by mmdebstrap. Time daemons conflict with each other (time-daemon), so
# the ones that cannot be installed beside chrony are unpacked over the tree afterwards (below).
include_pkgs=(chrony cloud-init ntpsec-ntpdate systemd systemd-sysv ifupdown isc-dhcp-client
  openssh-server rsyslog cron logrotate netbase iproute2 sudo)
unpack_pkgs=(ntpsec systemd-timesyncd openntpd htpdate)

log() { printf 'make-corpus: %s\n' "$*" >&2; }

need_tools() {  # install the bench-only tools that are missing (Debian package names)
  local missing=() t
  declare -A pkg=([mmdebstrap]=mmdebstrap [rg]=ripgrep [bsdtar]=libarchive-tools [zstd]=zstd
    [mkfs.xfs]=xfsprogs [mke2fs]=e2fsprogs [/usr/bin/time]=time [/usr/bin/python3]=python3)
  for t in "${!pkg[@]}"; do command -v "$t" >/dev/null || missing+=("${pkg[$t]}"); done
  [ "${#missing[@]}" -eq 0 ] && return
  log "installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

mirror_file() {  # the apt sources the root file system is built from, deb822 style
  if [ -n "${NTPSWEEP_BENCH_MIRROR:-}" ]; then
    printf 'Types: deb\nURIs: %s\nSuites: bookworm\nComponents: main\n' "$NTPSWEEP_BENCH_MIRROR"
  elif [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cat /etc/apt/sources.list.d/debian.sources
  else
    grep -h '^deb ' /etc/apt/sources.list
  fi
}

# ---- rootfs ---------------------------------------------------------------------------------

# mmdebstrap in the first mode this sandbox allows: root needs mount(2) for /proc, unshare needs
# user namespaces, fakechroot the fakechroot package, chrootless neither but runs maintainer
# scripts on the host's tools. Prints the mode that worked.
rootfs_mmdebstrap() {
  local tree=$1 sources=$2 mode
  for mode in root unshare fakechroot chrootless; do
    if [ "$mode" = fakechroot ] && ! command -v fakechroot >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q fakechroot fakeroot >/dev/null 2>&1 || continue
    fi
    rm -rf "$tree"
    log "rootfs: mmdebstrap --mode=$mode"
    if SOURCE_DATE_EPOCH=1700000000 mmdebstrap --mode="$mode" --variant=minbase \
        --include="$(IFS=,; echo "${include_pkgs[*]}")" bookworm "$tree" "$sources" \
        >"$cache/rootfs.log" 2>&1; then
      echo "mmdebstrap --mode=$mode"
      return 0
    fi
    log "rootfs: mode $mode failed (last lines of $cache/rootfs.log):"
    tail -3 "$cache/rootfs.log" >&2
  done
  return 1
}

# The fallback: no chroot at all. apt resolves essential + required + the included packages
# against an empty dpkg status, downloads them, and dpkg-deb -x unpacks each into the tree. No
# maintainer script runs (no users, no generated configs), which is fine for a read-only corpus.
rootfs_download() {
  local tree=$1 work=$cache/rootfs.debs
  rm -rf "$tree" "$work" && mkdir -p "$tree" "$work/archives/partial" "$work/state"
  : >"$work/state/status"
  local base
  base=$(apt-cache dumpavail | awk -F': ' '/^Package:/{p=$2} /^(Essential: yes|Priority: required)/{print p}' | sort -u)
  log "rootfs: apt-get download of $(wc -w <<<"$base") essential/required + ${#include_pkgs[@]} packages"
  # shellcheck disable=SC2086  # $base is a list of package names
  apt-get install -y -q --download-only -o Debug::NoLocking=1 \
    -o Dir::State::Status="$work/state/status" -o Dir::Cache::Archives="$work/archives" \
    apt $base "${include_pkgs[@]}" >"$cache/rootfs.log" 2>&1
  local deb
  for deb in "$work"/archives/*.deb; do dpkg-deb -x "$deb" "$tree"; done
  rm -rf "$work"
  echo "apt-get install --download-only (empty dpkg status) + dpkg-deb -x"
}

# Time daemons that conflict with chrony: their files go in unconfigured, as in a golden image
# that carries several vendors' configs.
unpack_extra() {
  local tree=$1 work
  work=$(mktemp -d)
  (cd "$work" && apt-get download -q "${unpack_pkgs[@]}" >/dev/null 2>&1) || log "rootfs: some of ${unpack_pkgs[*]} did not download"
  local deb
  for deb in "$work"/*.deb; do [ -e "$deb" ] && dpkg-deb -x "$deb" "$tree"; done
  ls "$work" >>"$cache/rootfs.packages.tmp"
  rm -rf "$work"
}

# A handful of references to the benchmark targets, where a real fleet has them.
plant_rootfs() {
  local t=$1
  mkdir -p "$t/etc/chrony" "$t/etc/cloud/cloud.cfg.d" "$t/usr/local/sbin" "$t/usr/share/doc/corp-time"
  printf '\n# corp: primary time source (ticket OPS-1412)\nserver 10.20.30.40 iburst prefer\n' >>"$t/etc/chrony/chrony.conf"
  cat >"$t/etc/cloud/cloud.cfg.d/60-corp-ntp.cfg" <<'EOF'
# Corp time settings, applied at first boot.
ntp:
  enabled: true
  ntp_client: chrony
  servers:
    - ntp-old.corp.example.com
    - 10.20.30.41
  pools: []
EOF
  cat >"$t/usr/local/sbin/sync-clock" <<'EOF'
#!/bin/sh
# Step the clock once before services start (old appliances drift by minutes).
set -e
NTP_SERVER="${NTP_SERVER:-ntp-old.corp.example.com}"
if command -v ntpdate >/dev/null; then
  ntpdate -u "$NTP_SERVER" || ntpdate -u 10.20.30.40
fi
EOF
  chmod 755 "$t/usr/local/sbin/sync-clock"
  cat >"$t/usr/share/doc/corp-time/README.md" <<'EOF'
# Corp time service

Hosts sync from `ntp-old.corp.example.com` (10.20.30.40, IPv6 fd00::123). Lab machines use
ntp-old.corp.example.com.au, which is a different service and stays.
EOF
  # Compressed, like the rest of /usr/share/doc: found only with archives on (rg -z).
  printf 'corp-time (1.2) stable; urgency=low\n\n  * Move to fd00::123 for IPv6 hosts.\n' | gzip -9n >"$t/usr/share/doc/corp-time/changelog.gz"
  [ -f "$t/etc/ntpsec/ntp.conf" ] && printf '\nserver fd00::123 iburst\n' >>"$t/etc/ntpsec/ntp.conf"
  [ -f "$t/etc/systemd/timesyncd.conf" ] && sed -i 's/^#NTP=$/NTP=ntp-old.corp.example.com/' "$t/etc/systemd/timesyncd.conf"
  return 0
}

build_rootfs() {
  [ -d "$cache/rootfs" ] && return
  local tree=$cache/rootfs.tmp sources method
  sources=$(mktemp --suffix=.sources)
  mirror_file >"$sources"
  : >"$cache/rootfs.packages.tmp"
  if [ "${NTPSWEEP_BENCH_ROOTFS_METHOD:-}" = download ] || ! method=$(rootfs_mmdebstrap "$tree" "$sources"); then
    method=$(rootfs_download "$tree")
  fi
  rm -f "$sources"
  unpack_extra "$tree"
  plant_rootfs "$tree"
  if [ -f "$tree/var/lib/dpkg/status" ]; then
    dpkg-query --admindir="$tree/var/lib/dpkg" -W -f '${Package} ${Version}\n' >>"$cache/rootfs.packages.tmp"
  fi
  sort -o "$cache/rootfs.packages" "$cache/rootfs.packages.tmp" && rm "$cache/rootfs.packages.tmp"
  echo "$method; unpacked over it: ${unpack_pkgs[*]}" >"$cache/rootfs.method"
  mv "$tree" "$cache/rootfs"
  log "rootfs: $(cat "$cache/rootfs.method"); $(find "$cache/rootfs" -type f | wc -l) files, $(du -sh "$cache/rootfs" | cut -f1)"
}

# ---- archives and images of the rootfs -----------------------------------------------------

build_archives() {
  cd "$cache"
  if [ ! -f rootfs.tar ]; then
    log "archives: rootfs.tar, .tar.gz, .tar.zst"
    tar --sort=name --numeric-owner -C rootfs -cf rootfs.tar.tmp . && mv rootfs.tar.tmp rootfs.tar
  fi
  [ -f rootfs.tar.gz ] || { gzip -6 -n -c rootfs.tar >rootfs.tar.gz.tmp && mv rootfs.tar.gz.tmp rootfs.tar.gz; }
  [ -f rootfs.tar.zst ] || { zstd -q -3 -c rootfs.tar >rootfs.tar.zst.tmp && mv rootfs.tar.zst.tmp rootfs.tar.zst; }
  # 2 and 4 copies of the tree in one tar (copy1/ ... copy4/), for peak RSS at 2x and 4x input.
  # The S flag keeps symbolic-link targets as they are.
  local n
  if [ ! -f rootfs-x4.tar ]; then
    log "archives: rootfs-x2.tar, rootfs-x4.tar"
    for n in 1 2 3 4; do
      tar --sort=name --numeric-owner --transform="s,^\.,copy$n,S" -C rootfs -cf "copy$n.tar" .
    done
    # One archive per tar -A: given two, GNU tar 1.34 appended only the first.
    cp copy1.tar rootfs-x2.tar.tmp && tar -A -f rootfs-x2.tar.tmp copy2.tar && mv rootfs-x2.tar.tmp rootfs-x2.tar
    cp rootfs-x2.tar rootfs-x4.tar.tmp && tar -A -f rootfs-x4.tar.tmp copy3.tar && tar -A -f rootfs-x4.tar.tmp copy4.tar
    mv rootfs-x4.tar.tmp rootfs-x4.tar
    rm -f copy[1-4].tar
  fi
}

image_size_mb() {  # room for the tree and file-system metadata; XFS needs at least 300 MB
  local mb
  mb=$(( $(du -sm "$cache/rootfs" | cut -f1) * 14 / 10 + 128 ))
  [ "$mb" -ge 512 ] || mb=512
  echo "$mb"
}

build_images() {
  cd "$cache"
  if [ ! -f rootfs.ext4 ]; then
    log "images: rootfs.ext4 (mke2fs -d)"
    rm -f rootfs.ext4.tmp
    mke2fs -q -F -t ext4 -E root_owner=0:0 -d rootfs rootfs.ext4.tmp "$(image_size_mb)M"
    mv rootfs.ext4.tmp rootfs.ext4
  fi
  if [ ! -f rootfs.xfs ]; then
    log "images: rootfs.xfs (mkfs.xfs -p protofile)"
    /usr/bin/python3 "$here/bench/xfs-proto.py" "$cache/rootfs" >rootfs.xfs.proto 2>rootfs.xfs.skipped
    rm -f rootfs.xfs.tmp && truncate -s "$(image_size_mb)M" rootfs.xfs.tmp
    mkfs.xfs -q -f -p rootfs.xfs.proto rootfs.xfs.tmp
    mv rootfs.xfs.tmp rootfs.xfs
    if [ -s rootfs.xfs.skipped ]; then
      log "images: $(wc -l <rootfs.xfs.skipped) entries not in rootfs.xfs (see rootfs.xfs.skipped)"
    fi
  fi
}

# ---- synthetic repositories, hosts, rules ----------------------------------------------------

build_synthetic() {
  [ -d "$cache/synthetic" ] && return
  log "synthetic: 200k files (fixed seed)"
  rm -rf "$cache/synthetic.tmp"
  /usr/bin/python3 "$here/bench/gen-synthetic.py" "$cache/synthetic.tmp" --manifest "$cache/synthetic.manifest.tsv"
  mv "$cache/synthetic.tmp" "$cache/synthetic"
}

build_hosts() {  # the three targets, then 997 others of every kind a --host takes
  [ -f "$cache/hosts-1000.txt" ] && return
  log "hosts: hosts-1000.txt"
  /usr/bin/python3 - "${targets[@]}" >"$cache/hosts-1000.txt.tmp" <<'PY'
import random, sys
r = random.Random(1000)
out = list(sys.argv[1:])
seen = set(out)
while len(out) < 1000:
    k = r.random()
    if k < 0.55:
        v = "10.%d.%d.%d" % (r.randint(40, 250), r.randint(0, 255), r.randint(1, 254))
    elif k < 0.80:
        v = "%s%d.%s.example.net" % (r.choice(["ntp", "time", "clock", "chrony", "tick"]), r.randint(1, 99),
                                     r.choice(["dc1", "dc2", "lab", "eu", "us", "ap", "corp", "edge"]))
    elif k < 0.95:
        v = "fd%02x:%x::%x" % (r.randint(1, 255), r.randint(1, 0xffff), r.randint(1, 0xffff))
    elif k < 0.98:
        v = "172.%d.%d.0/24" % (r.randint(16, 31), r.randint(0, 255))
    else:
        v = "fd%02x:%x::/64" % (r.randint(1, 255), r.randint(1, 0xffff))
    if v not in seen:
        seen.add(v)
        out.append(v)
print("\n".join(out))
PY
  mv "$cache/hosts-1000.txt.tmp" "$cache/hosts-1000.txt"
}

build_rules() {
  [ -d "$cache/rules-200" ] && return
  log "rules: rules-200/"
  rm -rf "$cache/rules-200.tmp"
  /usr/bin/python3 "$here/bench/gen-rules.py" "$cache/rules-200.tmp"
  # Rules that do not load, or whose examples fail, would measure nothing: check both.
  if [ -x "$bin" ]; then
    "$bin" rules validate "$cache/rules-200.tmp" >&2
    "$bin" rules test --no-builtin-rules "$cache/rules-200.tmp" | tail -1 >&2
  else
    log "rules: no ntpsweep at $bin: rules-200 not validated"
  fi
  mv "$cache/rules-200.tmp" "$cache/rules-200"
}

main() {
  [ "$(id -u)" = 0 ] || { echo "make-corpus: run as root (apt-get, mmdebstrap, device nodes)" >&2; exit 2; }
  mkdir -p "$cache"
  need_tools
  local all=(rootfs archives images synthetic hosts rules) c
  [ "$#" -gt 0 ] && all=("$@")
  for c in "${all[@]}"; do
    case $c in
      rootfs) build_rootfs ;;
      archives) build_archives ;;
      images) build_images ;;
      synthetic) build_synthetic ;;
      hosts) build_hosts ;;
      rules) build_rules ;;
      *) echo "make-corpus: unknown corpus '$c' (rootfs archives images synthetic hosts rules)" >&2; exit 2 ;;
    esac
  done
  log "done: $(du -sh "$cache" | cut -f1) in $cache"
}

main "$@"
