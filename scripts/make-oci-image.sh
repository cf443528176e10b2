#!/usr/bin/env bash
# Assembles the ntpsweep container image offline, as an OCI layout, from a built binary: the
# binary and its reader modules, the shared libraries ldd names (and the loader), the rule
# pack, a non-root user and /src as the working directory, the binary as entrypoint: the same
# image the Dockerfile builds, for machines that reach no registry. Then smoke-tests it without
# root: the binary inside the image's root file system runs (unshare -r chroot, else through the
# image's own loader) and scans fixtures/demo, and ntpsweep scans its own image.
#   scripts/make-oci-image.sh BUILD/ntpsweep OUT-DIR    -> OUT-DIR/ntpsweep-oci (tag :latest)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
binary=$(realpath "${1:?usage: make-oci-image.sh BINARY OUT-DIR}")
out=$(realpath -m "${2:?usage: make-oci-image.sh BINARY OUT-DIR}")
layout="$out/ntpsweep-oci"
work="$out/work"
rm -rf "$layout" "$work"
mkdir -p "$out" "$work"

umoci init --layout "$layout"
umoci new --image "$layout:latest"
umoci unpack --rootless --image "$layout:latest" "$work/bundle"
rootfs="$work/bundle/rootfs"

# The binary, the reader modules it loads on the first disk image or capture (built beside it;
# lib/ntpsweep beside bin, as `cmake --install` puts them), every library they load (resolved,
# kept at its path) and the loader.
install -D -m 0755 "$binary" "$rootfs/usr/local/bin/ntpsweep"
modules=("$(dirname "$binary")"/ntpsweep-*.so)
for module in "${modules[@]}"; do
  install -D -m 0755 "$module" "$rootfs/usr/local/lib/ntpsweep/$(basename "$module")"
done
ldd "$binary" "${modules[@]}" | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' | sort -u |
  while read -r lib; do
    install -D -m 0755 "$(realpath "$lib")" "$rootfs$lib"
  done
# The rule pack (also compiled into the binary): for `--rules` overlays and reading.
mkdir -p "$rootfs/usr/share/ntpsweep"
cp -r "$here/rules" "$rootfs/usr/share/ntpsweep/rules"
# A non-root user and the working directory users mount their tree on.
mkdir -p "$rootfs/etc" "$rootfs/src" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nntpsweep:x:10001:10001:ntpsweep:/src:/usr/sbin/nologin\n' \
  > "$rootfs/etc/passwd"
printf 'root:x:0:\nntpsweep:x:10001:\n' > "$rootfs/etc/group"

umoci repack --image "$layout:latest" "$work/bundle"
umoci config --image "$layout:latest" --config.user 10001:10001 --config.workingdir /src \
  --config.entrypoint /usr/local/bin/ntpsweep --config.cmd scan \
  --config.label org.opencontainers.image.title=ntpsweep
umoci gc --layout "$layout"

# Smoke test: the image's own root file system, unpacked again from the layout.
rm -rf "$work/check"
umoci unpack --rootless --image "$layout:latest" "$work/check"
check="$work/check/rootfs"
cp -r "$here/fixtures/demo" "$check/src/demo"
hosts=(--host 10.20.30.40 --host ntp-old.corp.example.com)
status=0
if unshare -r true 2>/dev/null; then
  unshare -r chroot "$check" /usr/local/bin/ntpsweep scan "${hosts[@]}" --format json \
    -o /tmp/demo.json -q /src/demo || status=$?
  report="$check/tmp/demo.json"
  how="unshare -r chroot"
else
  loader=$(ldd "$binary" | awk '/^\t\/[^ ]+ \(/{print $1}')
  libdirs=$(ldd "$binary" | awk '/=> \//{print $3}' | xargs -n1 dirname | sort -u |
    sed "s|^|$check|" | paste -sd:)
  "$check$loader" --library-path "$libdirs" "$check/usr/local/bin/ntpsweep" scan "${hosts[@]}" \
    --format json -o "$work/demo.json" -q "$check/src/demo" || status=$?
  report="$work/demo.json"
  how="the image's loader"
fi
if [ "$status" -ne 1 ]; then
  echo "make-oci-image: the image's ntpsweep exited $status on fixtures/demo (want 1: findings)" >&2
  exit 1
fi
found=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$report")
echo "make-oci-image: ran inside the image ($how): $found findings in fixtures/demo"
# ntpsweep reads its own image (an OCI layout) like any other: no error.
status=0
"$binary" scan "${hosts[@]}" --format json -o "$work/self.json" -q "$layout" || status=$?
if [ "$status" -gt 1 ]; then
  echo "make-oci-image: scanning the image failed (exit $status)" >&2
  exit 1
fi
echo "make-oci-image: $layout (scanned itself: exit $status)"
rm -rf "$work"
