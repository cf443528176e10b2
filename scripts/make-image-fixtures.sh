#!/usr/bin/env bash
# Builds the fixtures of the images test group from the planted tree fixtures/images/tree, with
# the real tools, as an unprivileged user (no mount, no loop device, no device-mapper):
#   archives  tar (gnu, pax, ustar, v7) with every filter, cpio, zip, 7z, iso9660, xar, .deb,
#             .rpm (gzip and zstd payloads), nested archives, single compressed files
#   images    an OCI layout (umoci), oci-archive and docker-archive (skopeo), hand-made layer
#             tarballs with whiteouts, an opaque directory and hard links (Docker >= 25, classic,
#             OCI with gzip/zstd layers, a multi-platform index)
#   disks     ext4 (mke2fs -d), XFS (mkfs.xfs -p), GPT and MBR (sfdisk + dd), VMDK (both
#             subformats), VHD (dynamic, fixed), VHDX, qcow2 (qemu-img convert), LVM (from the
#             committed PV header, see below), btrfs (mkfs.btrfs -r), a Windows GPT disk
#             (ESP: FAT32 by mtools; NTFS: mkntfs + ntfscp), a FAT16 stick, an empty exFAT
#   hostile   one input per limit and per kind of damage
# Usage: scripts/make-image-fixtures.sh OUTDIR. Skipped when OUTDIR was built from the same
# script and inputs. The tools come from scripts/install-deps.sh; a missing one is an error.
# Two runs write the same bytes but for times and IDs no option fixes, none of which a reader
# depends on: XFS inode times (xfsprogs 6.1 reads the clock), so the GPT and LVM disks holding
# XFS and their qemu-img conversions; qemu-img's own VMDK CID, VHD footer time and VHDX GUIDs;
# btrfs times; the ISO's volume dates; xar's TOC times; skopeo's oci-archive tar header times;
# NTFS file times (libntfs-3g reads the clock; mkntfs -T fixes the volume's own).
#
# LVM: creating a physical volume needs root and loop devices once. The first MiB of such a PV
# (label, metadata area; `pvcreate --dataalignment 1m` + `vgcreate -s 4m vgtest` on a 96 MiB
# loop device, then `vgcfgrestore -f fixtures/images/lvm-vg.txt vgtest`, which adds the LVs
# `root` = extents 0-3 and `data` = extents 4-20 without device-mapper) is committed as
# fixtures/images/lvm-pv-header.zst; the file systems are written at their extents here.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: make-image-fixtures.sh OUTDIR}
src=$here/fixtures/images
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

stamp=$( (cat "$0" "$here/scripts/fixture-ids.sh" "$here/scripts/ntfs-mkdir.py" "$src/lvm-pv-header.zst" "$src/lvm-vg.txt";
          cd "$src/tree" && find . -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  exit 0
fi

for tool in tar bsdtar gzip bzip2 xz zstd lz4 compress cpio 7zz genisoimage dpkg-deb rpmbuild \
            mke2fs debugfs mkfs.xfs mkfs.btrfs sfdisk qemu-img umoci skopeo python3 sha256sum \
            mkfs.vfat mmd mcopy mdel mshowfat mkntfs ntfscp mkfs.exfat tune.exfat; do
  command -v "$tool" >/dev/null || {
    echo "make-image-fixtures: '$tool' is missing; run scripts/install-deps.sh" >&2
    exit 1
  }
done

# Built aside and renamed into place, so that an interrupted run never leaves a partial set.
work=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
. "$here/scripts/fixture-ids.sh"  # mkext4: the same bytes every run
mtime=@$SOURCE_DATE_EPOCH
xfs_uuid=6e747073-7765-4570-8000-000000000003

# ---------------------------------------------------------------------------------------------
# The planted tree: the committed files, plus what cannot be committed as text.
cp -a "$src/tree" tree
gzip -n -9 tree/opt/legacy/ntp.conf                      # -> opt/legacy/ntp.conf.gz
mkdir -p tree/usr/bin
printf '\177ELF\002\001\001\000\000\000 server 10.20.30.40 \000\000' > tree/usr/bin/ntp-probe
find tree -exec touch -h -d "$mtime" {} +

tarc() {  # tarc DIR [tar options...]: a reproducible tar of DIR's contents on stdout
  local dir=$1; shift
  tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" "$@" -cf - .
}

# ---------------------------------------------------------------------------------------------
# Archives
mkdir -p archives compressed nested
tarc tree --format=gnu > archives/rootfs.tar
tarc tree --format=pax --pax-option=delete=atime,delete=ctime > archives/rootfs-pax.tar
# bsdtar is given a sorted list: its own walk follows the directory order, which varies.
sorted_tree() { (cd tree && { echo .; find . -mindepth 1 | sort; }); }
sorted_tree | (cd tree && bsdtar --format ustar -n -T - -cf ../archives/rootfs-ustar.tar)
sorted_tree | (cd tree && bsdtar --format v7 -n -T - -cf ../archives/rootfs-v7.tar)
gzip -n -c archives/rootfs.tar > archives/rootfs.tar.gz
bzip2 -c archives/rootfs.tar > archives/rootfs.tar.bz2
xz -c archives/rootfs.tar > archives/rootfs.tar.xz
xz --format=lzma -c archives/rootfs.tar > archives/rootfs.tar.lzma
zstd -q -c archives/rootfs.tar > archives/rootfs.tar.zst
lz4 -q -c archives/rootfs.tar > archives/rootfs.tar.lz4
compress -c archives/rootfs.tar > archives/rootfs.tar.Z
(cd tree && find . -mindepth 1 | sort | cpio -o -H newc --reproducible --quiet > ../archives/rootfs.cpio)
(cd tree && find . -mindepth 1 | sort | cpio -o -H odc --reproducible --quiet > ../archives/rootfs-odc.cpio)
sorted_tree | (cd tree && bsdtar --format xar -n -T - -cf ../archives/rootfs.xar)
(cd tree && 7zz a -bd -bso0 -bsp0 ../archives/rootfs.7z . >/dev/null)
genisoimage -quiet -R -o archives/rootfs.iso tree
python3 - tree archives/rootfs.zip <<'PY'
import os, sys, zipfile
root, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            info = zipfile.ZipInfo(os.path.relpath(p, root), (2020, 9, 13, 12, 26, 40))
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(p, "rb") as fh:
                z.writestr(info, fh.read())
PY

# A Debian package (ar -> data.tar.xz) and RPMs (rpm -> gzip or zstd -> cpio).
mkdir -p pkg/DEBIAN pkg/etc/default
cat > pkg/DEBIAN/control <<'EOF'
Package: ntpdate-corp
Version: 1.0
Architecture: all
Maintainer: Fixtures <fixtures@example.com>
Description: points ntpdate at the corporate server
EOF
cp tree/etc/default/ntpdate pkg/etc/default/ntpdate
dpkg-deb --root-owner-group -Zxz --build pkg archives/pkg.deb >/dev/null
mkdir -p rpm/SPECS
cat > rpm/SPECS/ntp-legacy.spec <<'EOF'
Name: ntp-legacy
Version: 1.0
Release: 1
Summary: legacy ntpd options
License: MIT
BuildArch: noarch
%description
Fixture package.
%install
mkdir -p %{buildroot}/etc/sysconfig
printf 'OPTIONS="-g -x 10.20.30.40"\n' > %{buildroot}/etc/sysconfig/ntpd
%files
/etc/sysconfig/ntpd
EOF
for payload in w9.gzdio w19.zstdio; do
  rpmbuild -bb --quiet --define "_topdir $work/rpm" --define "_binary_payload $payload" \
    --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
    --define "_buildhost fixtures" rpm/SPECS/ntp-legacy.spec >/dev/null 2>&1
  mv rpm/RPMS/noarch/*.rpm "archives/ntp-legacy-${payload%%io}.rpm"
done

# Single compressed files.
for z in "gzip -n" bzip2 xz zstd; do
  ext=$(case $z in "gzip -n") echo gz;; bzip2) echo bz2;; xz) echo xz;; zstd) echo zst;; esac)
  $z -c < tree/etc/ntp.conf > compressed/ntp.conf.$ext
done

# Nested: a tar holding a .tar.zst, a .deb and a 7z (7z needs random access: held in memory).
mkdir -p nest/images
cp archives/rootfs.tar.zst nest/images/rootfs.tar.zst
cp archives/pkg.deb archives/rootfs.7z nest/
tarc nest > nested/outer.tar

# ---------------------------------------------------------------------------------------------
# Container images, made by real tools: umoci builds an OCI layout in two layers (the second
# deletes etc/ntp.d, which only the first has), skopeo converts it.
mkdir -p images
umoci init --layout images/oci
created=2020-09-13T12:26:40Z  # $SOURCE_DATE_EPOCH: umoci stamps configs and history with the clock
umoci new --image images/oci:app
umoci config --image images/oci:app --no-history --created "$created"
umoci unpack --rootless --image images/oci:app b1 >/dev/null
cp -a tree/. b1/rootfs/
mkdir -p b1/rootfs/etc/ntp.d
printf 'server 10.20.30.40 iburst\n' > b1/rootfs/etc/ntp.d/old.conf
find b1/rootfs -exec touch -h -d "$mtime" {} +
umoci repack --history.created "$created" --image images/oci:app b1
umoci unpack --rootless --image images/oci:app b2 >/dev/null
rm -r b2/rootfs/etc/ntp.d
find b2/rootfs -exec touch -h -d "$mtime" {} +
umoci repack --history.created "$created" --image images/oci:app b2
umoci gc --layout images/oci
skopeo copy -q oci:images/oci:app oci-archive:images/oci.tar
skopeo copy -q oci:images/oci:app docker-archive:images/docker.tar:app:1
gzip -n -c images/docker.tar > images/docker.tar.gz

# Hand-made layers: whiteouts, an opaque directory, a same-layer hard link, a parent replaced by
# a file, a layer without the tar trailer; in three layouts and a two-platform index.
python3 - images <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
import subprocess
out = sys.argv[1]
MT = 1600000000

def layer(entries, trailer=True):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            kind, name = e[0], e[1]
            ti = tarfile.TarInfo(name); ti.mtime = MT; ti.uid = ti.gid = 0
            if kind == "dir":
                ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
            elif kind == "file":
                data = e[2].encode(); ti.size = len(data); ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))
            elif kind == "link":
                ti.type = tarfile.LNKTYPE; ti.linkname = e[2]; t.addfile(ti)
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE; ti.linkname = e[2]; t.addfile(ti)
    data = buf.getvalue()
    if not trailer:  # umoci 0.4 writes layers without the two zero blocks
        while data.endswith(b"\0" * 512):
            data = data[:-512]
    return data

OLD = "server 10.20.30.40 iburst\n"
NEW = "server 192.0.2.99 iburst\n"
layers = [
    layer([("dir", "etc"), ("file", "etc/ntp.conf", OLD),
           ("dir", "etc/chrony"), ("file", "etc/chrony/chrony.conf", "pool ntp-old.corp.example.com\n"),
           ("dir", "etc/ntp.d"), ("file", "etc/ntp.d/old.conf", OLD),
           ("dir", "etc/default"), ("file", "etc/default/ntpdate", 'NTPSERVERS="10.20.30.40"\n'),
           ("dir", "srv"), ("dir", "srv/ntp"), ("file", "srv/ntp/ntp.conf", OLD)]),
    layer([("dir", "etc"), ("file", "etc/ntp.conf", NEW),
           ("dir", "etc/chrony.d"), ("file", "etc/chrony.d/corp.conf", "server ntp-old.corp.example.com iburst\n"),
           ("link", "etc/chrony.d/hardlink.conf", "etc/chrony.d/corp.conf")]),
    layer([("dir", "etc/chrony"), ("file", "etc/chrony/.wh.chrony.conf", "")]),
    layer([("dir", "etc/ntp.d"), ("file", "etc/ntp.d/new.conf", NEW), ("file", "etc/ntp.d/.wh..wh..opq", "")]),
    layer([("file", "srv/ntp", "replaced by a file\n")], trailer=False),
]
diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]

def config(diffs, arch="amd64"):
    return json.dumps({"architecture": arch, "os": "linux",
                       "config": {"Cmd": ["/usr/sbin/ntpd", "-n"]},
                       "rootfs": {"type": "layers", "diff_ids": diffs},
                       "history": [{"created_by": "RUN echo 'server 10.20.30.40' > /etc/ntp.conf"}]},
                      sort_keys=True).encode()

def add(t, name, data):
    ti = tarfile.TarInfo(name); ti.mtime = MT; ti.size = len(data); ti.mode = 0o644
    t.addfile(ti, io.BytesIO(data))

def add_dir(t, name):
    ti = tarfile.TarInfo(name); ti.mtime = MT; ti.type = tarfile.DIRTYPE; ti.mode = 0o755
    t.addfile(ti)

def blob(data): return "sha256:" + hashlib.sha256(data).hexdigest()

def oci_tar(path, blobs_layers, media, extra_manifests=()):
    """An OCI image layout as a tar; blobs first and index.json last, like docker >= 25."""
    cfg = config(diff_ids)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(cfg), "size": len(cfg)},
        "layers": [{"mediaType": m, "digest": blob(b), "size": len(b)} for b, m in zip(blobs_layers, media)]}).encode()
    return cfg, manifest

# 1. Docker >= 25: OCI blobs + manifest.json + index.json + oci-layout in one tarball.
cfg, manifest = oci_tar(None, layers, ["application/vnd.oci.image.layer.v1.tar"] * len(layers))
with tarfile.open(os.path.join(out, "layers-docker25.tar"), "w", format=tarfile.PAX_FORMAT) as t:
    add_dir(t, "blobs"); add_dir(t, "blobs/sha256")
    for b in layers + [cfg, manifest]:
        add(t, "blobs/sha256/" + hashlib.sha256(b).hexdigest(), b)
    add(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": blob(manifest), "size": len(manifest), "annotations": {"io.containerd.image.name": "corp/ntp:1"}}]}).encode())
    add(t, "manifest.json", json.dumps([{"Config": "blobs/sha256/" + blob(cfg)[7:], "RepoTags": ["corp/ntp:1"],
        "Layers": ["blobs/sha256/" + d[7:] for d in diff_ids]}]).encode())
    add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    add(t, "repositories", json.dumps({"corp/ntp": {"1": diff_ids[-1][7:]}}).encode())

# 2. Classic docker save: <id>/layer.tar, <config>.json, manifest.json last.
with tarfile.open(os.path.join(out, "layers-classic.tar"), "w", format=tarfile.GNU_FORMAT) as t:
    ids = []
    for i, l in enumerate(layers):
        lid = hashlib.sha256(b"layer-id-%d" % i).hexdigest(); ids.append(lid)
        add_dir(t, lid); add(t, lid + "/VERSION", b"1.0"); add(t, lid + "/layer.tar", l)
    add(t, blob(cfg)[7:] + ".json", cfg)
    add(t, "manifest.json", json.dumps([{"Config": blob(cfg)[7:] + ".json", "RepoTags": ["corp/ntp:1"],
        "Layers": [i + "/layer.tar" for i in ids]}]).encode())

# 3. OCI layout with compressed layers: gzip and zstd.
def zstd(data): return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True, check=True).stdout
packed = [gzip.compress(l, mtime=0) if i % 2 == 0 else zstd(l) for i, l in enumerate(layers)]
media = ["application/vnd.oci.image.layer.v1.tar+gzip" if i % 2 == 0 else "application/vnd.oci.image.layer.v1.tar+zstd"
         for i in range(len(layers))]
cfg, manifest = oci_tar(None, packed, media)
with tarfile.open(os.path.join(out, "layers-oci-compressed.tar"), "w", format=tarfile.PAX_FORMAT) as t:
    add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    for b in packed + [cfg, manifest]:
        add(t, "blobs/sha256/" + hashlib.sha256(b).hexdigest(), b)
    add(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": blob(manifest), "size": len(manifest)}]}).encode())

# 4. A two-platform image index (one layer each) behind an index in index.json.
def platform_image(arch, text):
    l = layer([("dir", "etc"), ("file", "etc/ntp.conf", text)])
    c = config([blob(l)], arch)
    m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(c), "size": len(c)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": blob(l), "size": len(l)}]}).encode()
    return l, c, m
amd = platform_image("amd64", OLD)
arm = platform_image("arm64", "server ntp-old.corp.example.com\n")
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(amd[2]), "size": len(amd[2]),
     "platform": {"os": "linux", "architecture": "amd64"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(arm[2]), "size": len(arm[2]),
     "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}]}).encode()
with tarfile.open(os.path.join(out, "multiarch-oci.tar"), "w", format=tarfile.PAX_FORMAT) as t:
    for b in list(amd) + list(arm) + [idx]:
        add(t, "blobs/sha256/" + hashlib.sha256(b).hexdigest(), b)
    add(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": blob(idx), "size": len(idx)}]}).encode())
    add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
PY

# ---------------------------------------------------------------------------------------------
# Disk images
mkdir -p disks
mkext4 disks/ext4.img 16M tree -L rootfs
# mkfs.xfs -p takes a prototype file; a file system under 300 MB needs the xfsprogs test
# overrides (TEST_DIR/TEST_DEV/QA_CHECK_FS), which only lift that size check.
xfsproto() {  # xfsproto DIR: a mkfs.xfs prototype of DIR's files, owned by root
  python3 - "$1" <<'PY'
import os, stat, sys
root = sys.argv[1]
lines = ["/dev/null", "0 0", "d--755 0 0"]
def walk(d, ind):
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n); st = os.lstat(p); perm = "%03o" % stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode): lines.append(f"{ind}{n} l--{perm} 0 0 {os.readlink(p)}")
        elif stat.S_ISDIR(st.st_mode):
            lines.append(f"{ind}{n} d--{perm} 0 0"); walk(p, ind + " "); lines.append(f"{ind}$")
        elif stat.S_ISREG(st.st_mode): lines.append(f"{ind}{n} ---{perm} 0 0 {os.path.abspath(p)}")
walk(root, " ")
lines.append("$")
print("\n".join(lines))
PY
}
mkxfs() {  # mkxfs IMAGE SIZE DIR
  truncate -s "$2" "$1"
  xfsproto "$3" > "$1.proto"
  TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -L xroot -m uuid=$xfs_uuid -p "$1.proto" "$1"
  rm "$1.proto"
}
mkxfs disks/xfs.img 64M tree

# GPT: p1 ext4 named "rootfs-a", p2 XFS named "data" (a name trivy would skip).
truncate -s 90M disks/gpt.img
sfdisk -q disks/gpt.img <<'EOF'
label: gpt
label-id: 6E747073-7765-4570-8000-000000000010
start=2048, size=32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=6E747073-7765-4570-8000-000000000011, name="rootfs-a"
start=34816, size=131072, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=6E747073-7765-4570-8000-000000000012, name="data"
EOF
dd if=disks/ext4.img of=disks/gpt.img bs=512 seek=2048 conv=notrunc,sparse status=none
dd if=disks/xfs.img of=disks/gpt.img bs=512 seek=34816 conv=notrunc,sparse status=none
# MBR: p1 ext4.
truncate -s 20M disks/mbr.img
printf 'label: dos\nlabel-id: 0x6e747301\nstart=2048, size=32768, type=83\n' | sfdisk -q disks/mbr.img
dd if=disks/ext4.img of=disks/mbr.img bs=512 seek=2048 conv=notrunc,sparse status=none
# MBR with an extended partition (p2) holding two logical ones (p5, p6): a chain of EBRs.
truncate -s 56M disks/mbr-logical.img
sfdisk -q disks/mbr-logical.img <<'EOF'
label: dos
label-id: 0x6e747302
start=2048, size=32768, type=83
start=36864, size=71680, type=5
start=38912, size=32768, type=83
start=73728, size=32768, type=83
EOF
for lba in 2048 38912 73728; do
  dd if=disks/ext4.img of=disks/mbr-logical.img bs=512 seek=$lba conv=notrunc,sparse status=none
done
# The same GPT disk in every container qemu-img writes (AWS exports streamOptimized VMDK).
qemu-img convert -O vmdk disks/gpt.img disks/gpt-sparse.vmdk
qemu-img convert -O vmdk -o subformat=streamOptimized disks/gpt.img disks/gpt-stream.vmdk
qemu-img convert -O vpc disks/gpt.img disks/gpt-dynamic.vhd
qemu-img convert -O vpc -o subformat=fixed disks/gpt.img disks/gpt-fixed.vhd
qemu-img convert -O vhdx disks/gpt.img disks/gpt.vhdx
qemu-img convert -O qcow2 disks/gpt.img disks/gpt.qcow2
# LVM: GPT p1 = the PV (96 MiB); LV root (extents 0-3) ext4, LV data (extents 4-20) XFS;
# extents start 1 MiB into the PV (pe_start).
truncate -s 100M disks/lvm.img
printf 'label: gpt\nlabel-id: %s\nstart=2048, size=196608, type=%s, uuid=%s, name="pv"\n' \
  6E747073-7765-4570-8000-000000000020 E6D6D379-F507-44C2-A23C-238F2A3DF928 \
  6E747073-7765-4570-8000-000000000021 |
  sfdisk -q disks/lvm.img
zstd -q -dc "$src/lvm-pv-header.zst" | dd of=disks/lvm.img bs=512 seek=2048 conv=notrunc status=none
mkext4 lv-root.img 16M tree
mkxfs lv-data.img 64M tree
dd if=lv-root.img of=disks/lvm.img bs=1M seek=2 conv=notrunc,sparse status=none
dd if=lv-data.img of=disks/lvm.img bs=1M seek=18 conv=notrunc,sparse status=none
qemu-img convert -O vmdk -o subformat=streamOptimized disks/lvm.img disks/lvm-stream.vmdk
# Symbolic links, resolved inside the image: relative, absolute, climbing above the root, to a
# directory (not followed), a loop, a dangling one.
mkdir -p links/etc/ntpsec
printf 'server 10.20.30.40 iburst\n' > links/etc/ntpsec/ntp.conf
ln -s ntpsec/ntp.conf links/etc/ntp.conf
ln -s /etc/ntpsec/ntp.conf links/etc/chrony.conf
ln -s ../../../../../../etc/ntpsec/ntp.conf links/etc/escape.conf
ln -s /etc/ntpsec links/etc/ntp.d
ln -s loop2 links/etc/loop1
ln -s loop1 links/etc/loop2
ln -s /nonexistent links/etc/dangling.conf
# A target over 60 bytes: ext4 keeps it in an extent-mapped block, not in the inode.
ln -s /etc/ntpsec/../ntpsec/../ntpsec/../ntpsec/../ntpsec/../ntpsec/ntp.conf links/etc/long.conf
find links -exec touch -h -d "$mtime" {} +
mkext4 disks/links-ext4.img 4M links
mkxfs disks/links-xfs.img 64M links
tarc links > archives/links.tar
rm -r links
# Linkage inside an image: a consumer of a finding's variable read again from the image at the
# end (the decoy tar has a file of the same name that consumes another variable), and a 1 MiB
# binary file whose head alone is read.
mkdir -p linked/tf/scripts linked/usr/lib decoy/tf/scripts
printf 'variable "ntp_server" {\n  default = "10.20.30.40"\n}\n' > linked/tf/variables.tf
printf '#!/bin/sh\necho "server ${ntp_server} iburst" >> /etc/chrony/chrony.conf\n' \
  > linked/tf/scripts/chrony.sh
printf '#!/bin/sh\necho "server ${variable} iburst" >> /etc/chrony/chrony.conf\n' \
  > linked/tf/scripts/decoy.sh
{ printf '\0ELF'; head -c 1048572 /dev/zero | tr '\0' 'x'; } > linked/usr/lib/blob.bin
printf '#!/bin/sh\n\necho "server ${ntp_server_b} iburst" >> /etc/chrony/chrony.conf\n' \
  > decoy/tf/scripts/chrony.sh
find linked decoy -exec touch -h -d "$mtime" {} +
mkext4 disks/linked-ext4.img 8M linked
mkxfs disks/linked-xfs.img 64M linked
tarc decoy > archives/linked-decoy.tar
rm -r linked decoy
# btrfs: no reader exists; it must be named as unsupported.
truncate -s 128M disks/btrfs.img
mkfs.btrfs -q -U 6e747073-7765-4570-8000-000000000004 -r tree disks/btrfs.img >/dev/null

# Windows and removable media, as The Sleuth Kit reads them (FAT, NTFS, exFAT), written without
# mounting: mtools into FAT, ntfscp into NTFS with its directories made by libntfs-3g itself
# (ntfs_mkdir), and no writer exists for exFAT (an empty volume: detected, walked, quiet).
export MTOOLS_SKIP_CHECK=1
ntfs_mkdir() {  # ntfs_mkdir IMAGE DIR...: directories made in an NTFS image file, parents first
  LC_ALL=C.UTF-8 python3 "$here/scripts/ntfs-mkdir.py" "$@"
}
mkdir -p win
# The ESP (FAT32): a boot loader's grub.cfg naming only other hosts; the UEFI shell's script
# with the server; a file with the server deleted after it was written (its entry and clusters
# are still there: deleted names are not the system's, never reported).
truncate -s 34M esp.img
mkfs.vfat -F 32 -S 512 -s 1 -n ESP --invariant esp.img >/dev/null
mmd -i esp.img ::EFI ::EFI/debian ::EFI/BOOT
printf 'set timeout=5\nmenuentry "Debian" {\n  linux /vmlinuz root=/dev/sda2 ntp=10.20.30.41 ntp2=10.20.30.401\n}\n' > win/grub.cfg
printf '@echo -off\r\nifconfig -s eth0 dhcp\r\n# clock set from 10.20.30.40 before boot\r\nfs0:\\EFI\\debian\\grubx64.efi\r\n' > win/startup.nsh
printf 'server 10.20.30.40 iburst\n' > win/old-ntp.conf
mcopy -i esp.img win/grub.cfg ::EFI/debian/grub.cfg
mcopy -i esp.img win/startup.nsh win/old-ntp.conf ::
mdel -i esp.img ::old-ntp.conf
# NTFS: Windows' first-boot script setting W32Time's peers, a chrony.conf, a PowerShell script in
# a long non-ASCII path, and a script naming only other hosts (the same address one digit longer).
truncate -s 8M ntfs.img
mkntfs -F -q -Q -T -s 512 -c 4096 -L Windows ntfs.img >/dev/null 2>&1
ntfs_mkdir ntfs.img /Windows /Windows/Setup /Windows/Setup/Scripts /ProgramData \
  /ProgramData/chrony "/ProgramData/Zeitgeber Überwachung"
printf '@echo off\r\nw32tm /config /manualpeerlist:"10.20.30.40,0x8" /syncfromflags:manual /update\r\nnet start w32time\r\n' > win/SetupComplete.cmd
printf '@echo off\r\nw32tm /config /manualpeerlist:"10.20.30.401 10.20.30.41 time.windows.com"\r\n' > win/decoy.cmd
printf '# chrony for Windows\r\npool ntp-old.corp.example.com iburst\r\n' > win/chrony.conf
printf '$ErrorActionPreference = "Stop"\r\nSet-ItemProperty -Path HKLM:\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters -Name NtpServer -Value "10.20.30.40,0x9"\r\n' > win/zeit.ps1
LC_ALL=C.UTF-8 ntfscp -q ntfs.img win/SetupComplete.cmd /Windows/Setup/Scripts/SetupComplete.cmd
LC_ALL=C.UTF-8 ntfscp -q ntfs.img win/decoy.cmd /Windows/Setup/Scripts/decoy.cmd
LC_ALL=C.UTF-8 ntfscp -q ntfs.img win/chrony.conf /ProgramData/chrony/chrony.conf
LC_ALL=C.UTF-8 ntfscp -q ntfs.img win/zeit.ps1 \
  "/ProgramData/Zeitgeber Überwachung/Zeitserver für alle Außenstellen einstellen.ps1"
# A GPT disk as a Windows AMI exports it: p1 the ESP, p2 NTFS.
truncate -s 44M disks/windows.img
fixed_ids 32 <<'GPT' | sfdisk -q disks/windows.img
label: gpt
start=2048, size=69632, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"
start=71680, size=16384, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="Basic data partition"
GPT
dd if=esp.img of=disks/windows.img bs=512 seek=2048 conv=notrunc,sparse status=none
dd if=ntfs.img of=disks/windows.img bs=512 seek=71680 conv=notrunc,sparse status=none
# A FAT16 USB stick (no partition table, 512-byte clusters): a long non-ASCII directory name,
# and a file in two fragments (written over the cluster a deleted file freed, and on after the
# file behind it) with the server in its second fragment.
truncate -s 8M disks/usb-fat16.img
mkfs.vfat -F 16 -S 512 -s 1 -n USBSTICK --invariant disks/usb-fat16.img >/dev/null
printf 'server 10.20.30.40 iburst\n' > win/ntp.conf
head -c 512 /dev/zero | tr '\0' '#' > win/gap.txt
printf 'a file after the gap\n' > win/after.txt
{ for i in $(seq 1 40); do printf '# filler line %02d of the fragmented file\n' "$i"; done
  printf 'server ntp-old.corp.example.com iburst\n'; } > win/fragmented.conf
LC_ALL=C.UTF-8 mmd -i disks/usb-fat16.img "::Zeitserver Konfiguration für Außenstellen"
LC_ALL=C.UTF-8 mcopy -i disks/usb-fat16.img win/ntp.conf "::Zeitserver Konfiguration für Außenstellen/ntp.conf"
mcopy -i disks/usb-fat16.img win/gap.txt win/after.txt ::
mdel -i disks/usb-fat16.img ::gap.txt
mcopy -i disks/usb-fat16.img win/fragmented.conf ::fragmented.conf
[ "$(mshowfat -i disks/usb-fat16.img ::fragmented.conf | grep -o '<[0-9-]*>' | wc -l)" = 2 ] || {
  echo "make-image-fixtures: fragmented.conf is not in two fragments" >&2
  exit 1
}
# exFAT: empty (no writer without mounting), its random serial fixed.
truncate -s 3M disks/exfat.img
mkfs.exfat -c 512 -b 4K -L USB disks/exfat.img >/dev/null
tune.exfat -I 0x6e747303 disks/exfat.img >/dev/null
rm -r win esp.img ntfs.img

# ---------------------------------------------------------------------------------------------
# Hostile inputs: one per limit, one per kind of damage.
mkdir -p hostile
python3 - hostile disks/ext4.img <<'PY'
import io, os, struct, sys, tarfile, zipfile
out, ext4 = sys.argv[1], sys.argv[2]
MT = 1600000000
def add(t, name, data):
    ti = tarfile.TarInfo(name); ti.mtime = MT; ti.size = len(data); ti.mode = 0o644
    t.addfile(ti, io.BytesIO(data))

# A nested zip bomb: deflated zeros, zipped 16 times per level (the 42.zip construction).
zeros = b"\0" * (64 << 20)
def member(name):  # dated, not stamped with the clock as writestr(name) would
    return zipfile.ZipInfo(name, (2020, 9, 13, 12, 26, 40))
level = io.BytesIO()
with zipfile.ZipFile(level, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(member("zeros.bin"), zeros, zipfile.ZIP_DEFLATED)
data = level.getvalue()
for depth in range(3):
    nxt = io.BytesIO()
    with zipfile.ZipFile(nxt, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(16):
            z.writestr(member("layer%d-%02d.zip" % (depth, i)), data, zipfile.ZIP_DEFLATED)
    data = nxt.getvalue()
open(os.path.join(out, "bomb.zip"), "wb").write(data)

# Members named with "..", absolute names, and both.
with tarfile.open(os.path.join(out, "unsafe.tar"), "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "../../etc/ntp.conf", b"server 10.20.30.40 iburst\n")
    add(t, "/etc/chrony/chrony.conf", b"pool ntp-old.corp.example.com iburst\n")

# 200 members (--max-entries).
with tarfile.open(os.path.join(out, "many.tar"), "w", format=tarfile.GNU_FORMAT) as t:
    for i in range(200): add(t, "etc/ntp.d/%03d.conf" % i, b"server 10.20.30.40\n")

# One 3 MiB text member with the server on its first and last lines (--max-entry-size).
body = b"server 10.20.30.40 iburst\n" + b"# filler line for size\n" * (3 << 20 >> 5) + b"server 10.20.30.40 prefer\n"
with tarfile.open(os.path.join(out, "big-member.tar"), "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "etc/ntp.conf", body)

# A superblock that still has the ext magic but nonsense geometry.
img = bytearray(open(ext4, "rb").read())
sb = 1024
struct.pack_into("<I", img, sb + 0, 0)          # s_inodes_count
struct.pack_into("<I", img, sb + 32, 0)         # s_blocks_per_group
struct.pack_into("<I", img, sb + 40, 0)         # s_inodes_per_group
open(os.path.join(out, "corrupt-superblock.img"), "wb").write(img)

# A DOS partition table whose p1 runs past the end of the image and whose p2 starts beyond it.
size = 8 << 20
disk = bytearray(size)
part = open(ext4, "rb").read()[:size - 2048 * 512]
disk[2048 * 512:2048 * 512 + len(part)] = part
def entry(n, start, count, kind=0x83):
    struct.pack_into("<BBBBBBBBII", disk, 446 + 16 * n, 0, 0, 0, 0, kind, 0, 0, 0, start, count)
entry(0, 2048, 32768)          # 16 MiB partition in an 8 MiB image
entry(1, 1 << 20, 2048)        # starts at 512 MiB
disk[510:512] = b"\x55\xaa"
open(os.path.join(out, "past-end.img"), "wb").write(disk)

# A DOS disk whose p2 is a LUKS container (its header signature) next to an ext4 p1.
size = 24 << 20
disk = bytearray(size)
e = open(ext4, "rb").read()
disk[2048 * 512:2048 * 512 + len(e)] = e
entry(0, 2048, 32768)
entry(1, 34816, 10240)
luks = b"LUKS\xba\xbe\x00\x01" + b"aes".ljust(32, b"\0") + b"xts-plain64".ljust(32, b"\0")
disk[34816 * 512:34816 * 512 + len(luks)] = luks
disk[510:512] = b"\x55\xaa"
open(os.path.join(out, "luks-part.img"), "wb").write(disk)
PY
# Zeros behind zstd: a high ratio (--max-ratio).
mkdir -p zeros && head -c 256M /dev/zero > zeros/zeros.bin
tarc zeros | zstd -q -c > hostile/zeros.tar.zst
rm -r zeros
# A gzip stream cut in the middle.
head -c $(( $(stat -c %s archives/rootfs.tar.gz) / 2 )) archives/rootfs.tar.gz > hostile/truncated.tar.gz
# Four levels of nesting (--max-depth).
mkdir -p d1 d2 d3
cp tree/etc/ntp.conf d1/ntp.conf
tarc d1 | gzip -n > d2/level1.tar.gz
tarc d2 > d3/level2.tar
tarc d3 > hostile/level3.tar

rm -rf b1 b2 pkg rpm nest d1 d2 d3 lv-root.img lv-data.img
echo "$stamp" > .stamp
trap - EXIT
rm -rf "$out"
mv "$work" "$out"
