#!/usr/bin/env bash
# Installs every build and test dependency of ntpsweep from Debian packages and npm.
# Idempotent: packages already present are not reinstalled; the npm validator is kept in
# build-tools/ (git-ignored) and reused when its version matches.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libarchive-dev libisal-dev libzstd-dev libre2-dev libyaml-dev libcli11-dev catch2 nlohmann-json3-dev libtomlplusplus-dev
  libyaml-cpp-dev  # tests read the realworld manifest and CI workflows with a second YAML parser
  libtsk-dev libfsxfs-dev libvslvm-dev libbfio-dev
  libpcap-dev  # watch --pcap
  # scripts/fuzz.sh: libFuzzer with ASan/UBSan (clang's runtime libraries)
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
)
# The gate's multi-pattern matcher: Hyperscan on x86-64, its portable fork Vectorscan elsewhere.
if [ "$(dpkg --print-architecture)" = amd64 ]; then build_pkgs+=(libhyperscan-dev); else build_pkgs+=(libvectorscan-dev); fi
test_pkgs=(
  python3 python3-jsonschema git
  # image fixtures (scripts/make-image-fixtures.sh) and bench/
  e2fsprogs xfsprogs btrfs-progs fdisk qemu-utils umoci skopeo zstd lz4 xz-utils bzip2 ncompress
  cpio 7zip genisoimage libarchive-tools rpm time
  # FAT, NTFS and exFAT images written without mounting (libntfs-3g comes with ntfs-3g)
  dosfstools mtools ntfs-3g exfatprogs
  # UFS images (NetBSD's makefs)
  makefs
  # real NTP clients for tests/watch_e2e_test.cpp (query-only: chronyd -Q, ntpdig); ip, unshare;
  # ntpsweep fix checks rewritten configs with the daemons' and parsers' own readers
  chrony sntp iproute2 util-linux python3-yaml
  # --format html in a real headless browser (tests/html); the .deb (CPack, dpkg-shlibdeps)
  chromium dpkg-dev file
)

missing=()
# Node.js may come from another source (with its own npm); Debian's npm conflicts with that.
command -v npm >/dev/null || test_pkgs+=(nodejs npm)
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # chrony is a test client only: its service must not start and steer this machine's clock.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Microsoft's SARIF Multitool validates our SARIF in the test suite.
"$here/scripts/install-sarif-multitool.sh"
