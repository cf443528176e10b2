#!/usr/bin/env bash
# The Debian package, built by CPack and tried without touching the system: its control data
# (dpkg-deb --info: name, version, Depends from dpkg-shlibdeps, each installed here), its files
# (dpkg-deb --contents: binary, man page, completions, rule pack, docs and schemas, all under
# /usr and owned by root), then unpacked into a scratch root (dpkg -x) where its binary scans
# fixtures/demo, with the built-in rules and with the installed rule pack alone, and an ext4
# image of it through the packaged disk reader module.
#   check-deb.sh BUILD-DIR SOURCE-DIR SCRATCH-DIR
set -euo pipefail
build=$(realpath "${1:?usage: check-deb.sh BUILD-DIR SOURCE-DIR SCRATCH-DIR}")
source=$(realpath "${2:?}")
scratch=$(realpath -m "${3:?}")
if ! command -v dpkg-deb >/dev/null || ! command -v dpkg-shlibdeps >/dev/null; then
  echo "SKIPPED: no dpkg-deb/dpkg-shlibdeps here (Debian's dpkg and dpkg-dev make the package)"
  exit 77
fi
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

rm -rf "$scratch"
mkdir -p "$scratch"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log"; echo "FAIL: cpack"; exit 1; }
debs=("$scratch"/out/*.deb)
[ "${#debs[@]}" -eq 1 ] || { echo "FAIL: want one .deb, got: ${debs[*]}"; exit 1; }
deb=${debs[0]}
version=$(sed -n 's/^project(ntpsweep VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# Control data.
dpkg-deb --info "$deb" >"$scratch/info"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = ntpsweep ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', want $version"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
description=$(field Description)
[[ "${description%%$'\n'*}" == *retired* ]] || fail "Description: $description"
depends=$(field Depends)
echo "Depends: $depends"
# What the binary and its reader modules link (ldd), by package, must each be in Depends.
ldd "$build/ntpsweep" "$build"/ntpsweep-*.so >"$scratch/ldd"
for lib in libarchive.so libre2.so libyaml-0.so libtomlplusplus.so libtsk.so libfsxfs.so \
           libvslvm.so libpcap.so libhs.so libstdc++.so libc.so; do
  path=$(awk -v l="$lib" 'index($1, l) == 1 && !done {print $3; done = 1}' "$scratch/ldd")
  [ -n "$path" ] || { fail "the built binary does not link $lib"; continue; }
  dpkg -S "$(realpath "$path")" >"$scratch/owner" 2>/dev/null || dpkg -S "$path" >"$scratch/owner"
  pkg=$(awk -F: 'NR == 1 {print $1}' "$scratch/owner")
  tr ',|' '\n\n' <<<"$depends" | sed 's/(.*)//; s/ //g' | grep -qxF -- "$pkg" ||
    fail "Depends lacks $pkg (for $lib)"
done
# Every dependency (first alternative) is a package installed here: the Depends are real names.
tr ',' '\n' <<<"$depends" | sed 's/|.*//; s/(.*)//; s/ //g' | while read -r dep; do
  [ -z "$dep" ] && continue
  dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q "install ok installed" ||
    echo "FAIL: Depends names $dep, which is not an installed package" >>"$scratch/dep-fails"
done
if [ -s "$scratch/dep-fails" ]; then cat "$scratch/dep-fails"; fails=$((fails + 1)); fi
# The container image (Dockerfile) installs the same libraries: every dependency that
# debian:12-slim does not already hold is in its runtime stage.
runtime=$(awk '/^FROM / {n++} n == 2' "$source/Dockerfile")
for dep in $(tr ',' '\n' <<<"$depends" | sed 's/(.*)//; s/ //g'); do
  case "$dep" in libc6 | libgcc-s1 | libstdc++6 | zlib1g) continue ;; esac
  found=0
  for alt in ${dep//|/ }; do grep -qw -- "$alt" <<<"$runtime" && found=1; done
  [ "$found" -eq 1 ] || fail "the Dockerfile's runtime stage does not install $dep"
done

# Files.
dpkg-deb --contents "$deb" >"$scratch/contents"
want=(./usr/bin/ntpsweep ./usr/share/man/man1/ntpsweep.1
      ./usr/share/bash-completion/completions/ntpsweep ./usr/share/zsh/site-functions/_ntpsweep
      ./usr/share/doc/ntpsweep/README.md ./usr/share/doc/ntpsweep/output.md
      "./usr/share/doc/ntpsweep/schema/ntpsweep-report-1.schema.json")
for rule in "$source"/rules/*.yaml; do want+=("./usr/share/ntpsweep/rules/$(basename "$rule")"); done
for path in "${want[@]}"; do
  awk '{print $6}' "$scratch/contents" | grep -qxF "$path" || fail "the package lacks $path"
done
# The reader modules, in lib/ntpsweep beside bin (lib may be multiarch).
for module in ntpsweep-disk.so ntpsweep-pcap.so; do
  awk '{print $6}' "$scratch/contents" | grep -qE "^\./usr/lib/([^/]+/)?ntpsweep/$module\$" ||
    fail "the package lacks usr/lib/.../ntpsweep/$module"
done
outside=$(awk '$6 !~ /^\.\/(usr\/?.*)?$/ {print $6}' "$scratch/contents")
[ -z "$outside" ] || fail "files outside /usr: $outside"
owners=$(awk '{print $2}' "$scratch/contents" | sort -u)
[ "$owners" = root/root ] || fail "owners: $owners"
grep -q "$build" "$scratch/contents" && fail "the package names the build directory"

# Unpacked into a scratch root (not installed: the system is not touched).
dpkg -x "$deb" "$scratch/root"
bin="$scratch/root/usr/bin/ntpsweep"
[ -x "$bin" ] || { echo "FAIL: no executable $bin"; exit 1; }
file "$bin" | grep -q 'not stripped' && fail "the packaged binary is not stripped"
head -c 200 "$scratch/root/usr/share/man/man1/ntpsweep.1" | grep -q '^\.TH NTPSWEEP' ||
  fail "the man page has no .TH NTPSWEEP header"
bash -n "$scratch/root/usr/share/bash-completion/completions/ntpsweep" || fail "bash completion"
hosts=(--host 10.20.30.40 --host ntp-old.corp.example.com)
count() {  # findings in a JSON report on stdin
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))'
}
status=0
(cd "$source" && "$bin" scan "${hosts[@]}" --format json -q fixtures/demo) >"$scratch/deb.json" ||
  status=$?
[ "$status" -eq 1 ] || fail "the packaged ntpsweep exited $status on fixtures/demo (want 1: findings)"
status=0
(cd "$source" && "$build/ntpsweep" scan "${hosts[@]}" --format json -q fixtures/demo) \
  >"$scratch/built.json" || status=$?
packaged=$(count <"$scratch/deb.json")
built=$(count <"$scratch/built.json")
[ "$packaged" -gt 0 ] && [ "$packaged" = "$built" ] ||
  fail "the packaged binary found $packaged findings, the built one $built"
# The installed rule pack alone finds the same.
status=0
(cd "$source" && "$bin" scan "${hosts[@]}" --no-builtin-rules \
  --rules "$scratch/root/usr/share/ntpsweep/rules" --format json -q fixtures/demo) \
  >"$scratch/pack.json" || status=$?
[ "$status" -eq 1 ] && [ "$(count <"$scratch/pack.json")" = "$built" ] ||
  fail "with the installed rule pack only: exit $status, $(count <"$scratch/pack.json") findings, want $built"
echo "packaged binary: $packaged findings in fixtures/demo (built binary: $built)"
# A disk image (fixtures/demo as ext4, made without root): the packaged binary loads its disk
# reader module from the package's lib/ntpsweep and finds what the built one finds in it.
if command -v mke2fs >/dev/null; then
  E2FSPROGS_FAKE_TIME=1600000000 mke2fs -q -F -t ext4 -U 6e747073-7765-4570-8000-000000000001 \
    -E hash_seed=6e747073-7765-4570-8000-000000000002 -d "$source/fixtures/demo" "$scratch/demo.img" 16M \
    >/dev/null
  for which in deb built; do
    b=$bin
    [ "$which" = built ] && b=$build/ntpsweep
    status=0
    "$b" scan "${hosts[@]}" --format json -q "$scratch/demo.img" >"$scratch/$which-img.json" ||
      status=$?
    [ "$status" -eq 1 ] || fail "the $which binary exited $status on an ext4 image (want 1)"
  done
  packaged=$(count <"$scratch/deb-img.json")
  [ "$packaged" = "$built" ] && [ "$(count <"$scratch/built-img.json")" = "$built" ] ||
    fail "in the ext4 image the packaged binary found $packaged findings, want $built"
else
  echo "no mke2fs: the packaged disk reader is not tried"
fi

if [ "$fails" -ne 0 ]; then
  echo "$fails failures"
  exit 1
fi
rm -rf "$scratch"
echo "check-deb: ok"
