#!/usr/bin/env bash
# Builds the hostile archives and disk images of tests/images_hardening_test.cpp into OUTDIR, as
# an unprivileged user: zips whose members overlap (the non-nesting zip bomb), a gzip bomb inside
# a tar, a tar header with a bad checksum, ext4 images with a corrupt directory inode, inode
# size or block size (mke2fs -d, then bytes changed), GPT disks with a bad entry or a damaged
# primary header (sfdisk on a file, entries rewritten with their CRCs), text VMDK descriptors
# naming host files, ext4 extent trees of two leaf blocks (debugfs -w), GPT disks (raw and a
# dynamic VHD) of a hundred or more empty partitions before the real one, VMDKs cut short, and
# ext4 and XFS files in pieces (fragmented, sparse, in a later allocation group, in partitions),
# ext4 with META_BG, ext4 and ext3 journals holding transactions not yet replayed (debugfs jo/jw),
# XFS logs left dirty, bare UFS volumes (one with its root's data zeroed), directory entries
# naming a zeroed ext4 inode or a FAT entry of garbage attributes.
# Each carries a planted reference beside the hostile part.
# Usage: make-hardening-inputs.sh OUTDIR
set -euo pipefail
out=${1:?usage: make-hardening-inputs.sh OUTDIR}
for tool in mke2fs mkfs.xfs debugfs e2fsck sfdisk python3 qemu-img makefs mkfs.fat mmd mcopy; do
  command -v "$tool" >/dev/null || { echo "make-hardening-inputs: '$tool' is missing; run scripts/install-deps.sh" >&2; exit 1; }
done
# Built once per script version, aside, then renamed. Test cases run as parallel processes and
# each calls this script: the first takes the lock and builds, the others wait and find it built
# (without the lock, a late builder could remove OUTDIR while another test reads it).
scripts=$(cd "$(dirname "$0")" && pwd)
stamp=$(cat "$0" "$scripts/fixture-ids.sh" | sha256sum | cut -d' ' -f1)
built() { [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; }
built && exit 0
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
built && exit 0
work=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
. "$scripts/fixture-ids.sh"  # mkext4, fixed_ids: the same bytes every run

# The planted tree of every file system below.
mkdir -p tree/etc tree/var/lib/a
printf 'server 10.20.30.40 iburst\n' > tree/etc/ntp.conf
for i in $(seq 1 20); do printf 'data %d\n' "$i" > "tree/var/lib/a/f$i"; done
mkext4 ext4.img 4M tree -b 1024
dir_inode=$(debugfs -R 'stat /var/lib/a' ext4.img 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')

python3 - "$dir_inode" <<'PY'
import gzip, io, os, random, struct, sys, tarfile, zlib
dir_inode = int(sys.argv[1])
PLANTED = b"server 10.20.30.40 iburst\n"

# ---- zips whose members share stored bytes
def lfh(name, crc, csize, usize):
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, usize, len(name), 0) + name
def cdh(name, crc, csize, usize, off):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, csize, usize,
                       len(name), 0, 0, 0, 0, 0, off) + name
def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()
def eocd(n, cd_size, cd_off):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_off, 0)
def planted_member(out, central):
    comp = deflate(PLANTED)
    central.append(cdh(b"etc/ntp.conf", zlib.crc32(PLANTED), len(comp), len(PLANTED), len(out)))
    out += lfh(b"etc/ntp.conf", zlib.crc32(PLANTED), len(comp), len(PLANTED)) + comp

# Overlapping: each member's deflate stream quotes the next member's local header in a stored
# block and then runs on into that member's data, down to one shared kernel (1 MiB of text).
def overlapping(n, payload):
    out, central = bytearray(), []
    planted_member(out, central)
    kernel = deflate(payload)
    names = [b"bomb/%04d" % i for i in range(n)]
    headers, info = [None] * n, [None] * n
    csize, usize, quoted = len(kernel), len(payload), b""
    for i in range(n - 1, -1, -1):
        if i < n - 1:
            h = headers[i + 1]
            quoted = h + quoted
            csize += 5 + len(h)
            usize += len(h)
        crc = zlib.crc32(payload, zlib.crc32(quoted))
        headers[i] = lfh(names[i], crc, csize, usize)
        info[i] = (crc, csize, usize)
    for i in range(n):
        crc, cs, us = info[i]
        central.append(cdh(names[i], crc, cs, us, len(out)))
        out += headers[i]
        if i < n - 1:
            out += struct.pack("<BHH", 0, len(headers[i + 1]), len(headers[i + 1]) ^ 0xFFFF)
    out += kernel
    cd_off = len(out)
    for c in central: out += c
    out += eocd(len(central), len(out) - cd_off, cd_off)
    return bytes(out)
open("zip-overlap.zip", "wb").write(overlapping(200, b"# filler, not a server line\n" * 37450))

# Shared: many central entries naming one local header.
out, central = bytearray(), []
planted_member(out, central)
payload = b"# filler, not a server line\n" * 37450
comp = deflate(payload)
off = len(out)
out += lfh(b"shared.txt", zlib.crc32(payload), len(comp), len(payload)) + comp
for i in range(50):
    central.append(cdh(b"shared-%02d.txt" % i, zlib.crc32(payload), len(comp), len(payload), off))
cd_off = len(out)
for c in central: out += c
out += eocd(len(central), len(out) - cd_off, cd_off)
open("zip-shared.zip", "wb").write(bytes(out))

# ---- tars
def add(t, name, data):
    ti = tarfile.TarInfo(name); ti.mtime = 1600000000; ti.size = len(data); ti.mode = 0o644
    t.addfile(ti, io.BytesIO(data))

# A gzip bomb inside a tar that is mostly incompressible: the tar's own ratio is low, the
# member's is not.
with tarfile.open("ratio-nested.tar", "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "bomb.gz", gzip.compress(b"# x\n" * (16 << 20), 9, mtime=0))  # text: read, not sniffed as binary
    add(t, "pad.bin", random.Random(1).randbytes(1 << 20))  # incompressible, the same every run
    add(t, "etc/ntp.conf", PLANTED)

# Three gzipped tars of one 2 MiB text member each (--max-total-bytes).
body = PLANTED + b"# filler line for size\n" * ((2 << 20) // 23)
for n in (1, 2, 3):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        add(t, "etc/ntp.conf", body)
    open("total-%d.tar.gz" % n, "wb").write(gzip.compress(buf.getvalue(), 6, mtime=0))

# A plain gzip (no archive inside) of 64 MiB of text: read only up to --max-file-size.
open("ntp.conf.gz", "wb").write(gzip.compress(PLANTED + b"# filler line for size\n" * ((64 << 20) // 23), 6, mtime=0))

# A member header whose checksum is wrong, between two sound ones.
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
    add(t, "etc/ntp.conf", PLANTED)
    add(t, "etc/damaged.conf", PLANTED)
    add(t, "etc/chrony.conf", b"pool 10.20.30.40 iburst\n")
tar = bytearray(buf.getvalue())
second = 512 + 512  # after the first header and its one data block
tar[second + 148:second + 156] = b"0000001\0"
open("tar-badsum.tar", "wb").write(tar)

# ---- ext4
base = open("ext4.img", "rb").read()
def inode_at(img, n):
    sb = 1024
    bs = 1024 << struct.unpack_from("<I", img, sb + 24)[0]
    ipg = struct.unpack_from("<I", img, sb + 40)[0]
    isz = struct.unpack_from("<H", img, sb + 88)[0]
    desc = struct.unpack_from("<H", img, sb + 0xFE)[0] or 32
    first = struct.unpack_from("<I", img, sb + 20)[0]
    g, idx = divmod(n - 1, ipg)
    table = struct.unpack_from("<I", img, (first + 1) * bs + g * desc + 8)[0]
    return table * bs + idx * isz
# var/lib/a: 3.75 GiB, block-mapped, its block pointers aimed at the inode table (garbage).
img = bytearray(base)
at = inode_at(img, dir_inode)
flags = struct.unpack_from("<I", img, at + 32)[0] & ~0x80000
struct.pack_into("<I", img, at + 32, flags)
struct.pack_into("<I", img, at + 4, 0xF0000000)
table_block = (inode_at(img, 1)) // 1024
for k in range(15): struct.pack_into("<I", img, at + 40 + 4 * k, table_block + 3 + k)
open("ext4-bigdir.img", "wb").write(img)
img = bytearray(base); struct.pack_into("<H", img, 1024 + 88, 100)   # s_inode_size
open("ext4-inode-size.img", "wb").write(img)
img = bytearray(base); struct.pack_into("<I", img, 1024 + 24, 2)     # s_log_block_size: 4 KiB
open("ext4-block-size.img", "wb").write(img)

# ---- VMDK descriptors naming files of the host
desc = ('# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n'
        'createType="monolithicFlat"\n\n# Extent description\nRW 8 FLAT "/etc/shadow" 0\n'
        'RW 2048 FLAT "/dev/zero" 0\n\n# The Disk Data Base\n#DDB\n'
        'ddb.comment = "ntp server 10.20.30.40"\n')
open("host-files.vmdk", "w").write(desc)
PY
# streamOptimized VMDKs under other names than their descriptors give: copy.vmdk, made from
# another tree as disk.vmdk, beside a disk.vmdk of the planted tree; and a lone renamed export.
mkdir -p renamed lone other-tree/etc
printf 'pool 10.20.30.40 iburst\n' > other-tree/etc/chrony.conf
mkext4 other.img 4M other-tree -b 1024
qemu-img convert -O vmdk -o subformat=streamOptimized ext4.img renamed/disk.vmdk
qemu-img convert -O vmdk -o subformat=streamOptimized other.img lone/disk.vmdk
cp lone/disk.vmdk renamed/copy.vmdk
mv lone/disk.vmdk lone/export-ami-0abc.vmdk
rm -r other-tree other.img

# ---- GPT disks: p1 a sound ext4 with the planted file, p2 starting past the end of the disk
# (TSK then rejects the whole table), p3 an ext4 with a corrupt inode size, p4 whose first
# sector comes after its last (bad-entry); p2 covering the whole disk from sector 0, the table
# included (whole-disk: TSK drops entries that start at 0).
truncate -s 12M gpt-bad-entry.img
fixed_ids 1 <<'EOF' | sfdisk -q gpt-bad-entry.img
label: gpt
start=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
start=10240, size=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="past-end"
start=12288, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="broken"
start=20480, size=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="backwards"
EOF
dd if=ext4.img of=gpt-bad-entry.img bs=512 seek=2048 conv=notrunc status=none
dd if=ext4-inode-size.img of=gpt-bad-entry.img bs=512 seek=12288 conv=notrunc status=none
truncate -s 8M gpt-whole-disk.img
fixed_ids 2 <<'EOF' | sfdisk -q gpt-whole-disk.img
label: gpt
start=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
start=10240, size=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="whole"
EOF
dd if=ext4.img of=gpt-whole-disk.img bs=512 seek=2048 conv=notrunc status=none
# More than 128 entries (TSK 4.11 keeps a slot in an int8_t): ext4 in entries 1 and 140, a
# 4 KiB swap area in each of the ones between (named, not probed for a file system).
truncate -s 12M gpt-many.img
{
  printf 'label: gpt\ntable-length: 256\nfirst-lba: 128\n'
  printf 'start=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n'
  for i in $(seq 2 139); do printf 'start=%d, size=8, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' $((900 + 8 * i)); done
  printf 'start=10240, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n'
} | fixed_ids 3 | sfdisk -q gpt-many.img
python3 - <<'PY'
with open("gpt-many.img", "r+b") as f:
    for i in range(2, 140):
        f.seek((900 + 8 * i) * 512 + 4086)
        f.write(b"SWAPSPACE2")
PY
dd if=ext4.img of=gpt-many.img bs=512 seek=2048 conv=notrunc status=none
dd if=ext4.img of=gpt-many.img bs=512 seek=10240 conv=notrunc status=none
# A sound GPT whose primary header is then damaged: zeroed (TSK and the kernel read the backup
# at the end of the disk) and with a wrong CRC (TSK checks none and reads it).
truncate -s 8M gpt-primary-gone.img
fixed_ids 4 <<'EOF' | sfdisk -q gpt-primary-gone.img
label: gpt
start=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
dd if=ext4.img of=gpt-primary-gone.img bs=512 seek=2048 conv=notrunc status=none
cp gpt-primary-gone.img gpt-primary-crc.img
dd if=/dev/zero of=gpt-primary-gone.img bs=512 seek=1 count=1 conv=notrunc status=none
# Flip the CRC's first byte: a set value can be the CRC already (with sfdisk's random GUIDs it
# was, one build in 256).
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(528); b = f.read(1)[0]; f.seek(528); f.write(bytes([b ^ 0xFF]))' gpt-primary-crc.img
python3 - <<'PY'
import struct, zlib
# The same entries changed in the primary table and in the backup at the end of the disk (TSK
# falls back to the backup), with both headers' CRCs recomputed.
def rewrite(path, changes):
    d = bytearray(open(path, "rb").read())
    for h in (512, len(d) - 512):
        lba, count, size = struct.unpack_from("<QII", d, h + 72)
        for index, (first, last) in changes.items():
            struct.pack_into("<QQ", d, lba * 512 + index * size + 32, first, last)
        struct.pack_into("<I", d, h + 88, zlib.crc32(bytes(d[lba * 512:lba * 512 + count * size])))
        hs = struct.unpack_from("<I", d, h + 12)[0]
        struct.pack_into("<I", d, h + 16, 0)
        struct.pack_into("<I", d, h + 16, zlib.crc32(bytes(d[h:h + hs])))
    open(path, "wb").write(d)
sectors = (12 << 20) // 512
rewrite("gpt-bad-entry.img", {1: (sectors + 2048, sectors + 4095), 3: (22000, 21000)})
rewrite("gpt-whole-disk.img", {1: (0, (8 << 20) // 512 - 1)})
PY

# ext4 extent trees of two leaf blocks, which TSK 4.11 cannot map: a directory of 400 long names
# on 1 KiB blocks (its blocks interleave with its files', one extent each), and a file written
# into the holes left by deleting every other small file (debugfs -w, no root).
mkdir -p trees/many trees/fill
pad=$(printf 'n%.0s' $(seq 1 230))
for i in $(seq -w 1 400); do echo "x" > "trees/many/$pad$i"; done
printf 'server 10.20.30.40 iburst\n' > trees/many/zz-ntp.conf
printf 'server 10.20.30.41 iburst\n' > trees/many/decoy.conf  # a host not asked for
for i in $(seq -w 1 300); do head -c 1000 /dev/zero | tr '\0' 'a' > "trees/fill/f$i"; done
mkext4 ext4-extent-trees.img 8M trees -b 1024
for i in $(seq 1 1799); do echo "# filler line $i, nothing to find here; padding padding padding padding"; done > big.conf
echo "server 10.20.30.40 iburst" >> big.conf
{ for i in $(seq -w 1 2 300); do echo "rm /fill/f$i"; done; echo "write big.conf /big.conf"
  for field in atime ctime mtime; do echo "sif /big.conf $field $ext4_time"; done; } |
  debugfs -w -f - ext4-extent-trees.img >/dev/null 2>&1
for f in /many /big.conf; do  # the test is void unless both trees have two leaf blocks
  [ "$(debugfs -R "stat $f" ext4-extent-trees.img 2>/dev/null | grep -o 'ETB0)' | wc -l)" -ge 2 ] ||
    { echo "make-hardening-inputs: $f of ext4-extent-trees.img has one extent leaf" >&2; exit 1; }
done
rm -rf trees big.conf

# A GPT disk of 140 empty partitions, one of unknown bytes, then the ext4 volume: probing the
# empty ones must not spend the read budget the last one needs.
truncate -s 40M gpt-many-empty.img
{ echo "label: gpt"; echo "table-length: 256"
  for i in $(seq 0 140); do echo "start=$((2048 + i * 256)), size=256, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"; done
  echo "start=$((2048 + 141 * 256)), size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"; } |
  fixed_ids 5 | sfdisk -q gpt-many-empty.img
python3 -c 'import random,sys; random.seed(7); sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range(131072)))' |
  dd of=gpt-many-empty.img bs=512 seek=$((2048 + 140 * 256)) conv=notrunc status=none
dd if=ext4.img of=gpt-many-empty.img bs=512 seek=$((2048 + 141 * 256)) conv=notrunc,sparse status=none
# The same in a dynamic VHD: 200 empty partitions of 512 KiB, then the ext4 one (p201).
truncate -s 120M vhd-many.img
{ echo "label: gpt"; echo "table-length: 256"
  for i in $(seq 0 199); do echo "start=$((2048 + i * 1024)), size=1024, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"; done
  echo "start=$((2048 + 200 * 1024)), size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4"; } |
  fixed_ids 6 | sfdisk -q vhd-many.img
dd if=ext4.img of=vhd-many.img bs=512 seek=$((2048 + 200 * 1024)) conv=notrunc,sparse status=none
qemu-img convert -O vpc vhd-many.img gpt-many-empty.vhd
rm vhd-many.img

# VMDKs cut short, as a failed copy leaves them, and the whole one as the decoy.
mkdir -p vtree/etc
seq 1 400000 > vtree/etc/filler.txt
printf 'server 10.20.30.40 iburst\n' > vtree/etc/ntp.conf
mkext4 vmdk-root.img 16M vtree
truncate -s 20M vmdk-disk.img
printf 'label: gpt\nstart=2048, size=32768, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' | fixed_ids 7 |
  sfdisk -q vmdk-disk.img
dd if=vmdk-root.img of=vmdk-disk.img bs=512 seek=2048 conv=notrunc,sparse status=none
qemu-img convert -O vmdk vmdk-disk.img vmdk-whole.vmdk
qemu-img convert -O vmdk -o subformat=streamOptimized vmdk-disk.img vmdk-stream.vmdk
head -c $(( $(stat -c %s vmdk-whole.vmdk) * 9 / 10 )) vmdk-whole.vmdk > vmdk-cut.vmdk
head -c $(( $(stat -c %s vmdk-stream.vmdk) / 5 )) vmdk-stream.vmdk > vmdk-stream-cut.vmdk
mkdir -p vmdk-dir && cp vmdk-cut.vmdk vmdk-dir/
rm -rf vtree vmdk-root.img vmdk-disk.img vmdk-stream.vmdk

# Files whose bytes are read by pread from their extents in a raw image (disk.cpp): a GPT disk,
# p1 ext4 on 1 KiB blocks with a file written into the holes left by deleting every other small
# file (one block per extent, the reference on its last line) and a file ending in a hole; p2 XFS
# of 18 MiB allocation groups (not a power of two blocks) whose first group a file of zeros
# fills, so that the reference file lies in the second. The decoy lines name a host not asked
# for. The same disk as a VMDK is read through the libraries: its findings are the reference.
mkdir -p xt/fill xt/etc xx
printf 'server 10.20.30.40 iburst\n' > xt/etc/ntp.conf
for i in $(seq -w 1 200); do head -c 1000 /dev/zero | tr '\0' 'a' > "xt/fill/f$i"; done
{ printf 'head line\n'; head -c 3000 /dev/zero | tr '\0' 'b'
  printf '\nserver 10.20.30.40 # before the hole\n'; } > xt/sparse.conf
truncate -s 80000 xt/sparse.conf
mkext4 pieces-ext4.img 4M xt -b 1024
for i in $(seq 1 120); do echo "# line $i: server 10.20.30.41 is a host not asked for; padding"; done > frag.conf
echo "server 10.20.30.40 iburst" >> frag.conf
{ for i in $(seq -w 1 2 200); do echo "rm /fill/f$i"; done; echo "write frag.conf /frag.conf"
  for field in atime ctime mtime; do echo "sif /frag.conf $field $ext4_time"; done; } |
  debugfs -w -f - pieces-ext4.img >/dev/null 2>&1
[ "$(debugfs -R 'stat /frag.conf' pieces-ext4.img 2>/dev/null | grep -o '([0-9]*):' | wc -l)" -ge 5 ] ||
  { echo "make-hardening-inputs: frag.conf of pieces-ext4.img is not fragmented" >&2; exit 1; }
head -c $((17 << 20)) /dev/zero > xx/a-fill.bin
for i in $(seq 1 30000); do echo "# server 10.20.30.41 is a host not asked for; padding padding"; done > xx/big.conf
echo "server 10.20.30.40 iburst" >> xx/big.conf
printf '# in the second allocation group\nserver 10.20.30.40 iburst\n' > xx/ntp.conf
{ echo /dev/null; echo "0 0"; echo "d--755 0 0"
  for f in a-fill.bin big.conf ntp.conf; do echo " $f ---644 0 0 $PWD/xx/$f"; done; echo '$'; } > xx.proto
truncate -s 72M pieces-xfs.img
TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -m uuid=6e747073-7765-4570-8000-000000000004 -d agcount=4 -p xx.proto pieces-xfs.img
truncate -s 80M pieces-disk.img
printf 'label: gpt\nstart=2048, size=8192, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\nstart=10240, size=147456, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' |
  fixed_ids 8 | sfdisk -q pieces-disk.img
dd if=pieces-ext4.img of=pieces-disk.img bs=512 seek=2048 conv=notrunc,sparse status=none
dd if=pieces-xfs.img of=pieces-disk.img bs=512 seek=10240 conv=notrunc,sparse status=none
qemu-img convert -O vmdk pieces-disk.img pieces-disk.vmdk
# The ext4 volume cut short inside its files' blocks.
head -c 1350000 pieces-ext4.img > pieces-ext4-cut.img
rm -rf xt xx xx.proto frag.conf pieces-ext4.img pieces-xfs.img

# ext4 laid out with META_BG (1 KiB blocks, 16 inodes a group, 40 groups): 600 files of decoy
# lines fill the inodes of the first meta group, so zz/'s files (inline, extent-mapped and a
# small one) have inodes in groups whose descriptors META_BG moved out of the first table.
# ext4-meta-bg-claim.img: the same, its inline file's inode claiming 1.6 GB.
mkdir -p mb/fill mb/zz
for i in $(seq -w 1 600); do echo "server 10.20.30.41 # filler $i, a host not asked for" > "mb/fill/f$i"; done
printf 'server 10.20.30.40 iburst\n' > mb/zz/ntp.conf
printf 'pool 10.20.30.40\n' > mb/zz/inline.conf
{ head -c 3000 /dev/zero | tr '\0' 'x'; printf '\nserver 10.20.30.40\n'; } > mb/zz/big.conf
mkext4 ext4-meta-bg.img 320M mb -b 1024 -N 640 -O inline_data,meta_bg,^resize_inode
inum=$(debugfs -R 'stat /zz/ntp.conf' ext4-meta-bg.img 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
[ "${inum:-0}" -gt 256 ] ||  # past meta group 0: 16 groups of 64-byte descriptors in a block
  { echo "make-hardening-inputs: zz/ of ext4-meta-bg.img is in the first meta group" >&2; exit 1; }
cp ext4-meta-bg.img ext4-meta-bg-claim.img
debugfs -w -R 'sif /zz/inline.conf size 1650811949' ext4-meta-bg-claim.img >/dev/null 2>&1
rm -rf mb

# ext4 images of a system that did not unmount: debugfs writes transactions into the journal
# (jo, jw, jc) without replaying them. The file system has etc/ntp.conf naming a host not asked
# for; the transaction holds the blocks that differ once ntp.conf names the target and
# etc/chrony/chrony.conf is added (taken from a copy debugfs changed directly). -csum: journal
# checksums (v3); -revoke: a second transaction revokes chrony.conf's data block; -uncommitted:
# the transaction never committed. Each NAME.replayed.img is NAME.img after e2fsck replayed it.
mkdir -p jt/etc
printf 'server 10.20.30.41 iburst\n' > jt/etc/ntp.conf
printf 'server 10.20.30.40 iburst\n' > j-ntp.conf
printf 'pool 10.20.30.40 iburst\n' > j-chrony.conf
# journal_delta BEFORE: journal-after.img is BEFORE with that change made by debugfs; prints the
# blocks that differ, their new contents written to journal-blocks.bin.
journal_delta() {
  cp "$1" journal-after.img
  printf 'rm /etc/ntp.conf\nwrite j-ntp.conf /etc/ntp.conf\nmkdir /etc/chrony\nwrite j-chrony.conf /etc/chrony/chrony.conf\n' |
    debugfs -w -f - journal-after.img >/dev/null 2>&1
  python3 - "$1" journal-after.img <<'PY'
import struct, sys
a = open(sys.argv[1], "rb").read()
b = open(sys.argv[2], "rb").read()
bs = 1024 << struct.unpack_from("<I", a, 1024 + 24)[0]
blocks = [n for n in range(len(a) // bs) if a[n * bs:(n + 1) * bs] != b[n * bs:(n + 1) * bs]]
open("journal-blocks.bin", "wb").write(b"".join(b[n * bs:(n + 1) * bs] for n in blocks))
print(",".join(map(str, blocks)))
PY
}
mkext4 journal-before.img 8M jt
changed=$(journal_delta journal-before.img)
chrony_block=$(debugfs -R 'stat /etc/chrony/chrony.conf' journal-after.img 2>/dev/null |
  sed -n 's/^(0):\([0-9]*\)$/\1/p')
[ -n "$changed" ] && [ -n "$chrony_block" ] ||
  { echo "make-hardening-inputs: no journal transaction to write" >&2; exit 1; }
: > empty
journal_image() {  # journal_image NAME DEBUGFS-COMMANDS
  cp journal-before.img "$1.img"
  printf '%s\n' "$2" | debugfs -w -f - "$1.img" >/dev/null 2>&1
  cp "$1.img" "$1.replayed.img"
  e2fsck -E journal_only -y "$1.replayed.img" >/dev/null 2>&1 || true
}
journal_image ext4-journal "jo
jw -b $changed journal-blocks.bin
jc"
journal_image ext4-journal-csum "jo -c
jw -b $changed journal-blocks.bin
jc"
journal_image ext4-journal-revoke "jo
jw -b $changed journal-blocks.bin
jc
jo
jw -r $chrony_block empty
jc"
journal_image ext4-journal-uncommitted "jo
jw -b $changed -c journal-blocks.bin
jc"
# ext3: its journal mapped by direct and indirect blocks, not extents.
mke2fs -q -F -t ext3 "${ext4_ids[@]}" -d jt ext3-before.img 8M >/dev/null
changed=$(journal_delta ext3-before.img)
cp ext3-before.img journal-before.img
journal_image ext3-journal "jo
jw -b $changed journal-blocks.bin
jc"
rm -rf jt j-ntp.conf j-chrony.conf journal-before.img journal-after.img journal-blocks.bin empty \
  ext3-before.img

# XFS directories of every shape (mkfs.xfs -p): in the inode (d-short), one block (d-block),
# data blocks and a leaf (d-leaf), and a B+tree of extents (d-node, 4,000 names); a short and a
# long (remote) symlink. v5 with file types; v4 without, with 8 KiB directory blocks. Every
# other file names a host not asked for. xfs-shapes-v5.vmdk: read through TSK's image, not pread.
mkdir -p xs
printf 'server 10.20.30.40 iburst\n' > xs/target.conf
printf 'server 10.20.30.41 # a host not asked for\n' > xs/decoy.conf
{ echo /dev/null; echo "0 0"; echo "d--755 0 0"
  echo " d-short d--755 0 0"; echo "  ntp.conf ---644 0 0 $PWD/xs/target.conf"
  echo "  other.conf ---644 0 0 $PWD/xs/decoy.conf"; echo " \$"
  for shape in d-block:40 d-leaf:400 d-node:4000; do
    echo " ${shape%:*} d--755 0 0"
    for i in $(seq -w 1 "${shape#*:}"); do echo "  a-rather-long-file-name-number-$i.conf ---644 0 0 $PWD/xs/decoy.conf"; done
    echo "  zz-ntp.conf ---644 0 0 $PWD/xs/target.conf"; echo " \$"
  done
  echo " ln-short l--777 0 0 d-short/ntp.conf"
  echo " ln-long l--777 0 0 d-short/$(head -c 400 /dev/zero | tr '\0' 'x')"
  echo '$'; } > xs.proto
for v in v5 v4; do
  truncate -s 64M "xfs-shapes-$v.img"
  opts=(-m uuid=6e747073-7765-4570-8000-000000000006)
  [ "$v" = v4 ] && opts=(-m crc=0 -n ftype=0,size=8192)
  TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f "${opts[@]}" -p xs.proto "xfs-shapes-$v.img" 2>/dev/null
done
qemu-img convert -O vmdk xfs-shapes-v5.img xfs-shapes-v5.vmdk
rm -rf xs xs.proto

# XFS of a system that did not unmount: after mkfs's unmount record, the log holds a record that
# starts a transaction (xfs_repair -n: "valuable metadata changes in a log"; xfs_logprint -t:
# DIRTY). The shapes images above, whose logs are clean, are the decoys.
for v in v5 v4; do
  python3 - "xfs-shapes-$v.img" "xfs-dirty-$v.img" <<'PY'
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
bs, logstart = struct.unpack_from(">I", img, 4)[0], struct.unpack_from(">Q", img, 48)[0]
agblocks, agblklog = struct.unpack_from(">I", img, 84)[0], img[124]
log = ((logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))) * bs
header, data = bytearray(img[log:log + 512]), bytearray(img[log + 512:log + 1024])
assert struct.unpack_from(">I", header, 0)[0] == 0xFEEDBABE and data[9] & 0x20  # unmount record
struct.pack_into(">QQ", header, 16, (1 << 32) | 2, 1 << 32)  # h_lsn 1:2, h_tail_lsn 1:0
struct.pack_into(">I", header, 44, 0x5452414E)                # the op's tid, kept aside
struct.pack_into(">II", data, 0, 1, 0)                        # cycle stamp, oh_len
data[8:16] = b"\x69\x01\0\0\0\0\0\0"                       # XFS_TRANSACTION, XLOG_START_TRANS
img[log + 1024:log + 2048] = header + data
open(sys.argv[2], "wb").write(img)
PY
done

# ext4 whose root directory's inode is gone: zeroed in its inode table (-root-zeroed), or the
# block group descriptors zeroed, so that the inode table is looked for at block 0 (-gdt-zeroed).
mkext4 ext4-root-zeroed.img 4M tree -b 1024
cp ext4-root-zeroed.img ext4-gdt-zeroed.img
read -r root_block root_offset < <(debugfs -R 'imap <2>' ext4-root-zeroed.img 2>/dev/null |
  sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
[ -n "$root_block" ] || { echo "make-hardening-inputs: no root inode found" >&2; exit 1; }
dd if=/dev/zero of=ext4-root-zeroed.img bs=1 seek=$((root_block * 1024 + root_offset)) count=256 \
  conv=notrunc status=none
dd if=/dev/zero of=ext4-gdt-zeroed.img bs=1024 seek=2 count=1 conv=notrunc status=none

# Bare UFS volumes (makefs, NetBSD's), their magic past the 8 KiB a file is first sniffed by:
# UFS1, which the Sleuth Kit reads, and UFS2, which TSK 4.11 does not recognise (makefs puts both
# superblocks at 8 KiB). The superblock's time and id vary from run to run.
mkdir -p ut/etc
printf 'server 10.20.30.40 iburst\n' > ut/etc/ntp.conf
printf 'server 10.20.30.41 # a host not asked for\n' > ut/etc/decoy.conf
for v in 1 2; do makefs -t ffs -o version=$v -s 8m -T "$SOURCE_DATE_EPOCH" "ufs$v.img" ut >/dev/null; done
# UFS1 whose root directory's data (".", "..", "etc": one 512-byte directory block) is zeroed.
cp ufs1.img ufs1-root-zeroed.img
python3 - ufs1-root-zeroed.img <<'PY'
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
# d_ino 2, d_reclen 12, DT_DIR, d_namlen 1, "." padded; then ".." of inode 2 (the root's own).
dots = struct.pack("<IHBB4sI", 2, 12, 4, 1, b".", 2)
at = img.find(dots)
assert at > 0 and img.find(dots, at + 1) < 0, "one root directory block"
img[at:at + 512] = bytes(512)
open(sys.argv[1], "wb").write(img)
PY
rm -rf ut

# Directory entries that point at nothing readable: ext4 whose decoy.conf names a zeroed inode;
# FAT whose decoy.conf's attribute byte is garbage (0x50: "directory" and a reserved bit, so its
# text is walked as a directory). The planted ntp.conf beside each is read.
mkdir -p dt/etc
printf 'server 10.20.30.40 iburst\n' > dt/etc/ntp.conf
printf 'server 10.20.30.40 # lost\n' > dt/etc/decoy.conf
mkext4 ext4-inode-zeroed.img 4M dt -b 1024
read -r inode_block inode_offset < <(debugfs -R 'imap /etc/decoy.conf' ext4-inode-zeroed.img 2>/dev/null |
  sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
[ -n "$inode_block" ] || { echo "make-hardening-inputs: no decoy.conf inode found" >&2; exit 1; }
dd if=/dev/zero of=ext4-inode-zeroed.img bs=1 seek=$((inode_block * 1024 + inode_offset)) count=256 \
  conv=notrunc status=none
mkfs.fat -C -i 12345678 -n HARDENING fat-clean.img 2048 >/dev/null
mmd -i fat-clean.img ::/etc
mcopy -m -i fat-clean.img dt/etc/ntp.conf dt/etc/decoy.conf ::/etc/
cp fat-clean.img fat-attr-garbage.img
python3 - fat-attr-garbage.img <<'PY'
import sys
img = bytearray(open(sys.argv[1], "rb").read())
at = img.find(b"DECOY~1 CON")  # the 8.3 entry beside the long name
assert at > 0 and img.find(b"DECOY~1 CON", at + 1) < 0, "one decoy.conf entry"
img[at + 11] = 0x50
open(sys.argv[1], "wb").write(img)
PY
rm -rf dt

rm -rf tree
echo "$stamp" > .stamp
cd ..
rm -rf "$out"
mv -T "$work" "$out"
trap - EXIT
