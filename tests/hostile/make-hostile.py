#!/usr/bin/env python3
"""Writes the hostile input suite (docs/security.md) into OUT, without root, at test time.

Every case is a directory OUT/cases/<name>/ scanned as one operand: the hostile part (a bomb,
a loop, a damaged image...) and, beside it, a planted reference to the retired server
(PLANTED_HOST) that the scan must still report. OUT/specs/<name>.json says what
tests/hostile/check-hostile.py asserts: the planted findings, the notice (or skip counter) that
names the gap, and extra arguments. Tools: python3, mke2fs, debugfs, mkfs.xfs, sfdisk, qemu-img,
mkntfs, ntfscp and libntfs-3g (install-deps.sh).

Usage: make-hostile.py OUT [CASE...]    make-hostile.py --list
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tarfile
import time
import zipfile

PLANTED_HOST = "10.66.0.1"
PLANTED_CONF = b"# planted beside the hostile part\nserver 10.66.0.1 iburst\n"
MT = 1600000000
CASES = {}
# Fixed identifiers and clock for the tools that would write random GUIDs, hash seeds or the
# time: a case is the same bytes on every run.
FIXED_ENV = dict(os.environ, E2FSPROGS_FAKE_TIME=str(MT), SOURCE_DATE_EPOCH=str(MT))
EXT4_IDS = ["-U", "6e747073-7765-4570-8000-000000000001",
            "-E", "root_owner=0:0,hash_seed=6e747073-7765-4570-8000-000000000002"]
XFS_UUID = "6e747073-7765-4570-8000-000000000003"
GPT_LABEL_ID = "6E747073-7765-4570-8000-000000000010"


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def zip_member(name, kind=zipfile.ZIP_DEFLATED):
    """A zip entry dated MT (writestr(name) would stamp it with the clock)."""
    info = zipfile.ZipInfo(name, time.gmtime(MT)[:6])
    info.compress_type = kind
    return info


def write(path, data, mode="wb"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def plant(root):
    """The sibling reference every case carries: etc/ntp.conf, line 2."""
    write(os.path.join(root, "etc", "ntp.conf"), PLANTED_CONF)
    return {"location_suffix": "etc/ntp.conf", "line": 2}


def tar_add(t, name, data=b"", kind=tarfile.REGTYPE, linkname="", size=None):
    ti = tarfile.TarInfo(name)
    ti.mtime, ti.mode, ti.type, ti.linkname = MT, 0o644, kind, linkname
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    if size is not None:
        ti.size = size
    t.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for m in members:
            tar_add(t, *m)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------
# Archives


@case
def nested_zip_bomb(root):
    """42.zip-style: zips of zips of deflated zeros, 4 levels of 4 (4 GiB from ~1 MB)."""
    zeros = b"\0" * (16 << 20)
    level = io.BytesIO()
    with zipfile.ZipFile(level, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zip_member("zeros.bin"), zeros)
    data = level.getvalue()
    for depth in range(4):
        nxt = io.BytesIO()
        with zipfile.ZipFile(nxt, "w", zipfile.ZIP_DEFLATED) as z:
            if depth == 3:  # the outermost level: a reference before the bomb
                z.writestr(zip_member("etc/chrony/chrony.conf"), b"server 10.66.0.1 iburst\n")
            for i in range(4):
                z.writestr(zip_member("level%d-%d.zip" % (depth, i)), data)
        data = nxt.getvalue()
    write(os.path.join(root, "backup", "42.zip"), data)
    return {"planted": [plant(root), {"location_suffix": "42.zip!etc/chrony/chrony.conf", "line": 1}],
            "notice": {"id": "limit-", "where": "42.zip"}}


@case
def gzip_bomb(root):
    """Text that decompresses 1000:1: concatenated gzip members (512 MiB from 0.5 MB), zstd
    frames (16 GiB from 0.5 MB), and a tar.gz whose second member is 512 MiB."""
    text = b"A" * (64 << 20)  # not zeros: a gunzipped run of zeros reads as an empty tar
    member = gzip.compress(text, compresslevel=9, mtime=0)
    write(os.path.join(root, "var", "log", "huge.log.gz"), member * 8)
    zst = subprocess.run(["zstd", "-q", "-19", "-c"], input=text, stdout=subprocess.PIPE,
                         check=True).stdout
    write(os.path.join(root, "var", "log", "huge.log.zst"), zst * 256)
    # A tar.gz as concatenated gzip members: the headers, then the 2 GiB member's data.
    size = 8 << 26
    head = io.BytesIO()
    with tarfile.open(fileobj=head, mode="w", format=tarfile.GNU_FORMAT) as t:
        tar_add(t, "etc/chrony.conf", b"server 10.66.0.1\n")
        ti = tarfile.TarInfo("var/big.log")
        ti.size, ti.mtime = size, MT
        t.addfile(ti)
    headers = head.getvalue()
    headers = headers[:headers.rfind(b"var/big.log") + 512]  # without tarfile's end blocks
    tail = gzip.compress(b"\0" * 1024, mtime=0)  # end-of-archive blocks
    write(os.path.join(root, "backup", "bomb.tar.gz"),
          gzip.compress(headers, mtime=0) + member * 8 + tail)
    return {"planted": [plant(root), {"location_suffix": "bomb.tar.gz!etc/chrony.conf", "line": 1}],
            "notice": {"id": "entry-truncated", "where": "huge.log.gz"},
            "notices": [{"id": "entry-truncated", "where": "huge.log.zst"}]}


@case
def nesting_100_levels(root):
    """A tar in a tar ... 100 levels, each with a reference beside the next level."""
    data = tar_bytes([("etc/ntp.conf", b"server 10.66.0.1\n")])
    for i in range(100):
        data = tar_bytes([("etc/ntp.conf", b"server 10.66.0.1\n"), ("level%03d.tar" % i, data)],
                         fmt=tarfile.USTAR_FORMAT)
    write(os.path.join(root, "nest.tar"), data)
    return {"planted": [plant(root), {"location_suffix": "nest.tar!etc/ntp.conf", "line": 1}],
            "notice": {"id": "limit-depth", "where": "nest.tar"}}


@case
def unsafe_member_names(root):
    """Members named ../, absolute, and both; a hard link and a symlink to outside the archive."""
    data = tar_bytes([
        ("../../../etc/ntp.conf", b"server 10.66.0.1\n"),
        ("/etc/chrony.conf", b"server 10.66.0.1\n"),
        ("a/../../../../tmp/escape.conf", b"server 10.66.0.1\n"),
        ("etc/passwd-link", b"", tarfile.SYMTYPE, "/etc/passwd"),
        ("etc/up-link", b"", tarfile.SYMTYPE, "../../../../../etc/shadow"),
        ("etc/hard", b"", tarfile.LNKTYPE, "../../etc/shadow"),
    ], fmt=tarfile.GNU_FORMAT)
    write(os.path.join(root, "unsafe.tar"), data)
    return {"planted": [plant(root)], "min_findings_in": {"unsafe.tar!": 3},
            "notice": {"id": "archive-unsafe-name", "where": "unsafe.tar"}}


@case
def size_claim_1tb(root):
    """A tar member whose header claims 1 TiB (base-256 size) and a zip entry claiming 1 TiB."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        tar_add(t, "etc/chrony.conf", b"server 10.66.0.1\n")
        ti = tarfile.TarInfo("var/huge.img")
        ti.size, ti.mtime = 1 << 40, MT
        t.addfile(ti)  # header only: the claimed data is not there
        # (tarfile pads nothing for a member without a file object; the archive ends here)
    write(os.path.join(root, "claims.tar"), buf.getvalue())
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(zip_member("etc/ntp.conf", zipfile.ZIP_STORED), b"server 10.66.0.1\n")
        zf.writestr(zip_member("big.bin", zipfile.ZIP_STORED), b"x" * 64)
    data = bytearray(z.getvalue())
    # Patch the central directory's uncompressed size of big.bin to 0xFFFFFFFF (4 GiB - 1) and
    # its local header's to the same: a size claim the data does not back.
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 0xFFFFFFFF)
    lh = data.find(b"PK\x03\x04", 1)
    struct.pack_into("<I", data, lh + 22, 0xFFFFFFFF)
    write(os.path.join(root, "claims.zip"), bytes(data))
    return {"planted": [plant(root), {"location_suffix": "claims.tar!etc/chrony.conf", "line": 1},
                        {"location_suffix": "claims.zip!etc/ntp.conf", "line": 1}],
            "notice": {"id": "", "where": "claims."}}


@case
def docker_missing_layer(root):
    """docker save tar whose manifest.json names a layer that is not in the tarball."""
    layer = tar_bytes([("etc/ntp.conf", b"server 10.66.0.1\n")])
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["corp/app:1"],
                            "Layers": ["aaaa/layer.tar", "missing/layer.tar", "../../escape/layer.tar"]}]).encode()
    data = tar_bytes([("aaaa/layer.tar", layer), ("config.json", cfg), ("manifest.json", manifest)])
    write(os.path.join(root, "image.tar"), data)
    return {"planted": [plant(root), {"location_suffix": "etc/ntp.conf", "within": "image.tar", "line": 1}],
            "notice": {"id": "", "where": "image.tar", "text": "missing"}}


@case
def oci_index_fanout(root):
    """OCI image indexes that name the next index 40 times, level after level: the image is read
    once, and a chain past 4 indexes is one notice (each name was read again: 40^4 reads)."""
    blobs = {}

    def blob(data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs["blobs/sha256/" + digest[7:]] = data
        return {"digest": digest, "size": len(data)}

    def index_of(child, media, times):
        return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                           "manifests": [dict(child, mediaType=media)] * times}).encode()

    layer = blob(tar_bytes([("etc/ntp.conf", b"server 10.66.0.1\n")]))
    cfg = blob(json.dumps({"architecture": "amd64", "os": "linux",
                           "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}).encode())
    manifest = blob(json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(cfg, mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar")]}).encode())
    index_media = "application/vnd.oci.image.index.v1+json"
    near = blob(index_of(manifest, "application/vnd.oci.image.manifest.v1+json", 40))
    for _ in range(2):  # three indexes under index.json: within the bound
        near = blob(index_of(near, index_media, 40))
    deep = blob(index_of(manifest, "application/vnd.oci.image.manifest.v1+json", 1) + b" ")
    for _ in range(6):  # six: past it
        deep = blob(index_of(deep, index_media, 40))
    top = {"schemaVersion": 2, "manifests": [dict(near, mediaType=index_media),
                                             dict(deep, mediaType=index_media)]}
    members = [(name, data) for name, data in sorted(blobs.items())]
    members += [("index.json", json.dumps(top).encode()),
                ("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')]
    write(os.path.join(root, "image.tar"), tar_bytes(members))
    return {"planted": [plant(root), {"location_suffix": "etc/ntp.conf", "within": "image.tar", "line": 1}],
            "notice": {"id": "image-error", "where": "image.tar", "text": "deeper than 4"},
            "max_notices": 3}


@case
def whiteout_dotdot(root):
    """An upper layer whose whiteouts name ../ paths: nothing outside the image is hidden."""
    lower = tar_bytes([("etc/ntp.conf", b"server 10.66.0.1\n"), ("etc/keep.conf", b"x\n")])
    upper = tar_bytes([("etc/.wh...", b""), ("../.wh.etc", b""), ("etc/../../.wh.etc", b""),
                       ("a/.wh..wh..opq/../../etc/.wh.ntp.conf", b"")])
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["corp/app:1"],
                            "Layers": ["l1/layer.tar", "l2/layer.tar"]}]).encode()
    data = tar_bytes([("l1/layer.tar", lower), ("l2/layer.tar", upper), ("config.json", cfg),
                      ("manifest.json", manifest)])
    write(os.path.join(root, "image.tar"), data)
    return {"planted": [plant(root), {"location_suffix": "etc/ntp.conf", "within": "image.tar",
                                      "line": 1, "active": True}]}


# ------------------------------------------------------------------------------------------
# File systems (directories)


@case
def symlink_loops(root):
    """Symlink loops, links to outside the root, a directory link to its parent."""
    plant_ref = plant(root)
    os.makedirs(os.path.join(root, "links", "d"))
    os.symlink("b", os.path.join(root, "links", "a"))
    os.symlink("a", os.path.join(root, "links", "b"))
    os.symlink("self", os.path.join(root, "links", "self"))
    os.symlink("..", os.path.join(root, "links", "d", "parent"))
    os.symlink("/etc", os.path.join(root, "links", "etc-out"))
    os.symlink("/etc/passwd", os.path.join(root, "links", "passwd"))
    os.symlink("../../../../../../../../etc/shadow", os.path.join(root, "links", "up"))
    return {"planted": [plant_ref], "skipped": "symlink", "no_location_contains": ["passwd", "shadow"]}


@case
def fifo_socket_device(root):
    """A FIFO (a scan that opens it blocks forever), a socket; a device node only as root."""
    plant_ref = plant(root)
    os.makedirs(os.path.join(root, "run"))
    os.mkfifo(os.path.join(root, "run", "ntp.fifo"))
    os.mkfifo(os.path.join(root, "etc", "chrony.conf"))  # a FIFO with a config's name
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.path.join(root, "run", "ntp.sock"))
    s.close()
    note = None
    try:
        os.mknod(os.path.join(root, "run", "zero"), 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    except PermissionError as e:
        note = "device node not made (needs root: %s); the FIFO and socket are" % e.strerror
        print("make-hostile: fifo_socket_device: " + note, file=sys.stderr)
    return {"planted": [plant_ref], "skipped": "special-file", "note": note}


@case
def sparse_10g(root):
    """A 10 GB sparse file, all hole."""
    path = os.path.join(root, "var", "lib", "sparse.img")
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as f:
        f.truncate(10 * 1000 ** 3)
    return {"planted": [plant(root)], "stat": "binary_skipped"}


@case
def deep_directories(root):
    """2,000 nested directories (paths longer than PATH_MAX), a reference at the bottom."""
    plant_ref = plant(root)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(2000):
        os.mkdir("d", dir_fd=fd)
        nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    w = os.open("ntp.conf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(w, b"server 10.66.0.1\n")
    os.close(w)
    os.close(fd)
    # Found, or the gap named: check-hostile accepts either for the bottom file.
    return {"planted": [plant_ref], "found_or_notice": {"location_suffix": "d/d/ntp.conf",
                                                        "notice_where": "d/d/d"}}


@case
def many_files(root):
    """200,000 files in 200 directories, the reference in the last one."""
    for i in range(200):
        d = os.path.join(root, "data", "%03d" % i)
        os.makedirs(d)
        for j in range(1000):
            with open(os.path.join(d, "%04d.txt" % j), "wb") as f:
                f.write(b"x\n")
    write(os.path.join(root, "data", "199", "ntp.conf"), b"server 10.66.0.1\n")
    return {"planted": [plant(root), {"location_suffix": "data/199/ntp.conf", "line": 1}],
            "timeout": 600}


@case
def odd_names(root):
    """Non-UTF-8, newline, tab, '!' and leading '-' names, each holding a reference."""
    plant_ref = plant(root)
    d = os.path.join(os.fsencode(root), b"names")
    os.makedirs(d)
    names = [b"bad-\xff\xfe.conf", b"new\nline.conf", b"tab\tname.conf", b"bang!name.conf",
             b"-rf.conf", b"\xe2\x80\xae.conf"]
    for n in names:
        with open(os.path.join(d, n), "wb") as f:
            f.write(b"ntp_server=10.66.0.1\n")
    return {"planted": [plant_ref], "min_findings_in": {"names/": len(names)}}


@case
def text_encodings(root):
    """Invalid UTF-8 before the reference, CRLF lines, lone CR lines."""
    write(os.path.join(root, "etc", "ntp.conf"),
          b"# caf\xe9 \xc3\x28 \xff\xfe \xed\xa0\x80 \xf4\x90\x80\x80\nserver 10.66.0.1 iburst\n")
    write(os.path.join(root, "etc", "chrony", "chrony.conf"),
          b"# chrony\r\n\r\nserver 10.66.0.1 iburst\r\n")
    write(os.path.join(root, "etc", "openntpd", "ntpd.conf"), b"# old mac\rservers 10.66.0.1\r")
    return {"planted": [{"location_suffix": "etc/ntp.conf", "line": 2},
                        {"location_suffix": "etc/chrony/chrony.conf", "line": 3}],
            "min_findings_in": {"openntpd/ntpd.conf": 1}}


@case
def line_200mb(root):
    """One 200 MB line (over --max-file-size), with a reference at its start."""
    path = os.path.join(root, "var", "log", "oneline.log")
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as f:
        f.write(b"server=10.66.0.1 ")
        chunk = b"A" * (1 << 20)
        for _ in range(200):
            f.write(chunk)
        f.write(b"\n")
    return {"planted": [plant(root), {"location_suffix": "var/log/oneline.log", "line": 1}],
            "notice": {"id": "entry-truncated", "where": "oneline.log"}}


# ------------------------------------------------------------------------------------------
# Documents


@case
def billion_laughs_yaml(root):
    """YAML aliases that expand to 10^9 nodes, in a cloud-init file with an ntp block."""
    lines = [b"#cloud-config", b"ntp:", b"  servers: [10.66.0.1]",
             b"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(b"a%d: &a%d [%s]" % (i, i, b", ".join([b"*a%d" % (i - 1)] * 10)))
    lines.append(b"bomb: *a9")
    write(os.path.join(root, "cloud-init", "user-data"), b"\n".join(lines) + b"\n")
    return {"planted": [plant(root), {"location_suffix": "cloud-init/user-data", "line": 3}]}


@case
def deep_yaml_json(root):
    """100,000 levels of YAML, JSON, HCL, TOML and Nix nesting, each file with a reference first."""
    n = 100000
    write(os.path.join(root, "cloud-init", "user-data"),
          b"#cloud-config\nntp:\n  servers: [10.66.0.1]\ndeep: " + b"[" * n + b"]" * n + b"\n")
    write(os.path.join(root, "cloud-init", "block.yaml"),
          b"ntp_servers: [10.66.0.1]\n" + b"".join(b"  " * i + b"k:\n" for i in range(2000)) +
          b"- " * n + b"x\n")
    write(os.path.join(root, "packer", "packer.json"),
          b'{"ntp_servers": ["10.66.0.1"], "deep": ' + b"[" * n + b"]" * n + b"}\n")
    write(os.path.join(root, "packer", "objects.json"),
          b'{"ntp": "10.66.0.1", "d": ' + b'{"a":' * n + b"1" + b"}" * n + b"}\n")
    write(os.path.join(root, "terraform", "main.tf"),
          b'ntp_servers = ["10.66.0.1"]\n' + b"b {\n" * n + b"}\n" * n)
    write(os.path.join(root, "config", "time.toml"),
          b'ntp_servers = ["10.66.0.1"]\ndeep = ' + b"[" * n + b"]" * n + b"\n")
    write(os.path.join(root, "nix", "time.nix"),
          b'{ networking.timeServers = [ "10.66.0.1" ];\n  deep = ' + b"{ a = " * n + b"1;" + b" }" * n + b";\n}\n")
    return {"planted": [plant(root), {"location_suffix": "cloud-init/user-data", "line": 3},
                        {"location_suffix": "packer/packer.json", "line": 1},
                        {"location_suffix": "terraform/main.tf", "line": 1},
                        {"location_suffix": "config/time.toml", "line": 1},
                        {"location_suffix": "nix/time.nix", "line": 1}],
            }


@case
def unterminated_blocks(root):
    """Heredocs and template blocks that never end, with the reference inside them."""
    write(os.path.join(root, "scripts", "setup.sh"),
          b"#!/bin/sh\ncat <<EOF > /etc/ntp.conf\nserver 10.66.0.1 iburst\n")
    write(os.path.join(root, "templates", "chrony.conf.j2"),
          b"{% for s in ntp_servers %}\nserver 10.66.0.1 iburst\n{{ s \n{# never closed\n")
    write(os.path.join(root, "templates", "ntp.conf.erb"),
          b"<% @servers.each do |s| %>\nserver 10.66.0.1\n<%= s \n")
    write(os.path.join(root, "main.tf"),
          b'resource "x" "y" {\n  ntp = "10.66.0.1"\n  user_data = <<EOT\nserver 10.66.0.1\n${\n')
    return {"planted": [plant(root), {"location_suffix": "scripts/setup.sh", "line": 3},
                        {"location_suffix": "templates/chrony.conf.j2", "line": 2},
                        {"location_suffix": "templates/ntp.conf.erb", "line": 2},
                        {"location_suffix": "main.tf", "line": 2}]}


# ------------------------------------------------------------------------------------------
# Disks


def mkext4(path, size_mb, files):
    tree = path + ".tree"
    for rel, data in files.items():
        write(os.path.join(tree, rel), data)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4"] + EXT4_IDS + ["-d", tree, path, "%dM" % size_mb],
                   check=True, stdout=subprocess.DEVNULL, env=FIXED_ENV)
    # mke2fs -d copies each file's times, and no utime sets a ctime: set all three here.
    paths = {"/"} | {"/" + "/".join(rel.split("/")[:n + 1]) for rel in files
                     for n in range(rel.count("/") + 1)}
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(MT))
    script = "".join('sif "%s" %s %s\n' % (p, field, stamp) for p in sorted(paths)
                     for field in ("atime", "ctime", "mtime"))
    subprocess.run(["debugfs", "-w", "-f", "-", path], input=script.encode(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(tree)
    with open(path, "rb") as f:
        return f.read()


def mkxfs(path, size_mb, files):
    tree = path + ".tree"
    for rel, data in files.items():
        write(os.path.join(tree, rel), data)
    proto = ["/dev/null", "0 0", "d--755 0 0"]
    for rel in sorted(files):  # one level of directories is enough here
        parts = rel.split("/")
        proto += [" " + parts[0] + " d--755 0 0", "  " + parts[1] + " ---644 0 0 " +
                  os.path.abspath(os.path.join(tree, rel)), " $"]
    proto.append("$")
    write(path + ".proto", "\n".join(proto) + "\n", "w")
    with open(path, "wb") as f:
        f.truncate(size_mb << 20)
    env = dict(FIXED_ENV, TEST_DIR="1", TEST_DEV="1", QA_CHECK_FS="1")
    subprocess.run(["mkfs.xfs", "-q", "-f", "-m", "uuid=" + XFS_UUID, "-p", path + ".proto", path],
                   check=True, env=env)
    os.unlink(path + ".proto")
    shutil.rmtree(tree)
    with open(path, "rb") as f:
        return f.read()


def mbr_entry(disk, n, start, count, kind=0x83, base=446):
    struct.pack_into("<BBBBBBBBII", disk, base + 16 * n, 0, 0, 0, 0, kind, 0, 0, 0, start, count)


def place(disk, lba, data):
    disk[lba * 512:lba * 512 + len(data)] = data


@case
def corrupt_superblocks(root):
    """GPT disk: p1 ext4 with zeroed magic, p2 ext4 with nonsense geometry, p3 XFS with a bad
    AG count, p4 a healthy ext4 with the reference."""
    work = os.path.join(root, ".work")
    os.makedirs(work)
    good = mkext4(os.path.join(work, "good.img"), 4, {"etc/ntp.conf": b"server 10.66.0.1\n"})
    bad1 = bytearray(mkext4(os.path.join(work, "b1.img"), 4, {"etc/ntp.conf": b"server 10.66.0.1\n"}))
    struct.pack_into("<H", bad1, 1024 + 56, 0)  # s_magic
    bad2 = bytearray(good)
    struct.pack_into("<I", bad2, 1024 + 24, 30)  # s_log_block_size: 1 KiB << 30
    struct.pack_into("<I", bad2, 1024 + 32, 0)   # s_blocks_per_group
    xfs = bytearray(mkxfs(os.path.join(work, "x.img"), 32, {"etc/ntp.conf": b"server 10.66.0.1\n"}))
    struct.pack_into(">I", xfs, 88, 0)  # sb_agcount
    shutil.rmtree(work)
    parts = [bad1, bad2, xfs, good]
    lba, table = 2048, []
    for p in parts:
        table.append((lba, len(p) // 512))
        lba += len(p) // 512
    size = (lba + 2048) * 512
    path = os.path.join(root, "disk.img")
    with open(path, "wb") as f:
        f.truncate(size)
    script = "label: gpt\nlabel-id: %s\n" % GPT_LABEL_ID + "".join(
        "start=%d, size=%d, type=L, uuid=6E747073-7765-4570-8000-%012X\n" % (t + (n + 1,))
        for n, t in enumerate(table))
    subprocess.run(["sfdisk", "-q", path], input=script.encode(), check=True, stdout=subprocess.DEVNULL)
    with open(path, "r+b") as f:
        for (start, _), p in zip(table, parts):
            f.seek(start * 512)
            f.write(p)
    return {"planted": [plant(root), {"location_suffix": "disk.img!p4/etc/ntp.conf", "line": 1}],
            "notice": {"id": "", "where": "disk.img!p1"},
            "notices": [{"id": "", "where": "disk.img!p2"}, {"id": "", "where": "disk.img!p3"}]}


@case
def ext4_inline_data_claims(root):
    """ext4 with inline data: a file and a directory whose inodes claim 1.6 GB of inline data
    (the Sleuth Kit would allocate and zero that much to open them); a sound inline file beside."""
    work = os.path.join(root, ".work")
    os.makedirs(work)
    tree = os.path.join(work, "tree")
    write(os.path.join(tree, "etc", "ntp.conf"), b"server 10.66.0.1\n")  # inline: 17 bytes
    write(os.path.join(tree, "etc", "claims.conf"), b"server 10.66.0.1\n")
    write(os.path.join(tree, "var", "claims", "inside.conf"), b"server 10.66.0.1\n")
    write(os.path.join(tree, "var", "decoy.conf"), b"server 10.66.0.10\nserver 10.66.0.100\n")
    image = os.path.join(root, "inline.img")
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-O", "inline_data"] + EXT4_IDS +
                   ["-d", tree, image, "4M"], check=True, stdout=subprocess.DEVNULL, env=FIXED_ENV)
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(MT))
    paths = ["/", "/etc", "/etc/ntp.conf", "/etc/claims.conf", "/var", "/var/claims",
             "/var/claims/inside.conf", "/var/decoy.conf"]
    script = "".join('sif "%s" %s %s\n' % (p, f, stamp) for p in paths
                     for f in ("atime", "ctime", "mtime", "crtime"))
    script += "sif /etc/claims.conf size 1650811949\nsif /var/claims size 1650811949\n"
    subprocess.run(["debugfs", "-w", "-f", "-", image], input=script.encode(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=FIXED_ENV)
    shutil.rmtree(work)
    return {"planted": [plant(root), {"location_suffix": "inline.img!etc/ntp.conf", "line": 1}],
            "notices": [{"id": "disk-error", "where": "inline.img!etc/claims.conf",
                         "text": "inline data"},
                        {"id": "disk-error", "where": "inline.img!var/claims", "text": "inline data"}]}


def ntfs_mkdir(image, *paths):
    """Directories made in an NTFS image file by libntfs-3g (scripts/ntfs-mkdir.py)."""
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                        "ntfs-mkdir.py")
    subprocess.run([sys.executable, tool, image] + list(paths), check=True,
                   env=dict(FIXED_ENV, LC_ALL="C.UTF-8"))


def ntfs_attr(img, name, kind):
    """Offset of the attribute of type `kind` in the MFT record whose file name is `name`."""
    cluster = struct.unpack_from("<H", img, 0x0B)[0] * img[0x0D]
    mft = struct.unpack_from("<Q", img, 0x30)[0] * cluster
    size = struct.unpack_from("<b", img, 0x40)[0]
    size = size * cluster if size > 0 else 1 << -size
    rec = mft
    while img[rec:rec + 4] == b"FILE":
        attrs, found = [], None
        a = rec + struct.unpack_from("<H", img, rec + 0x14)[0]
        while a + 8 <= rec + size:
            t, length = struct.unpack_from("<II", img, a)
            if t == 0xFFFFFFFF or length == 0:
                break
            attrs.append((t, a))
            if t == 0x30:
                v = a + struct.unpack_from("<H", img, a + 0x14)[0]
                found = img[v + 0x42:v + 0x42 + 2 * img[v + 0x40]].decode("utf-16-le")
            a += length
        if found == name:
            return next(a for t, a in attrs if t == kind), rec
        rec += size
    raise SystemExit("make-hostile: no MFT record named " + name)


@case
def ntfs_attribute_claims(root):
    """NTFS (mkntfs, ntfscp) whose MFT records claim what the Sleuth Kit would allocate. ntfs.img:
    a file compressed in units of 65,536 clusters (two 256 MiB buffers zeroed to read 8 KB), a
    directory whose index claims 1.6 GB of sparse runs (copied whole, as zeros); attrlist.img: a
    file whose attribute list claims 3.5 GB of sparse runs (loaded whole when the first directory
    is opened); mftlist.img: the $MFT's own record, whose attribute list the Sleuth Kit loads
    while it opens the volume (3.7 GB and 32 s before any walk could weigh it). The boot
    sectors claim 4 GiB, room for the runs; a sound file beside."""
    image = os.path.join(root, "ntfs.img")
    with open(image, "wb") as f:
        f.truncate(8 << 20)
    subprocess.run(["mkntfs", "-F", "-q", "-Q", "-T", "-s", "512", "-c", "4096", image], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ntfs_mkdir(image, "/etc", "/index")
    work = os.path.join(root, ".work")
    write(os.path.join(work, "ntp.conf"), b"server 10.66.0.1\n")
    write(os.path.join(work, "big.conf"), b"server 10.66.0.1\n" + b"#" * 8000 + b"\n")
    write(os.path.join(work, "decoy.conf"), b"server 10.66.0.10\nserver 10.66.0.100\n")
    copies = [("ntp.conf", "/etc/ntp.conf"), ("big.conf", "/etc/compressed.conf"),
              ("big.conf", "/etc/listed.conf")]
    copies += [("decoy.conf", "/index/decoy-%02d.conf" % i) for i in range(30)]  # an index block
    for src, dst in copies:
        subprocess.run(["ntfscp", "-q", image, os.path.join(work, src), dst], check=True)
    shutil.rmtree(work)
    with open(image, "rb") as f:
        img = bytearray(f.read())
    struct.pack_into("<Q", img, 0x28, (4 << 30) // 512)  # the boot sector's sector count

    def sparse(a, size):  # the non-resident attribute at `a`: one sparse run of `size` bytes
        clusters = size // 4096
        runs = a + struct.unpack_from("<H", img, a + 0x20)[0]
        img[runs:runs + 6] = b"\x04" + struct.pack("<I", clusters) + b"\0"
        assert runs + 6 <= a + struct.unpack_from("<I", img, a + 4)[0]
        struct.pack_into("<Q", img, a + 0x18, clusters - 1)
        struct.pack_into("<QQQ", img, a + 0x28, size, size, size)

    listed, _ = ntfs_attr(img, "listed.conf", 0x80)
    listed_bytes = bytes(img[listed:listed + 72])
    a, _ = ntfs_attr(img, "compressed.conf", 0x80)  # $DATA, non-resident
    assert img[a + 8] == 1
    struct.pack_into("<H", img, a + 0x0C, 0x0001)  # compressed
    struct.pack_into("<H", img, a + 0x22, 16)      # in units of 2^16 clusters
    sparse(ntfs_attr(img, "index", 0xA0)[0], 1600 << 20)  # $INDEX_ALLOCATION
    with open(image, "wb") as f:
        f.write(img)
    img[listed:listed + 72] = listed_bytes
    struct.pack_into("<I", img, listed, 0x20)  # the $DATA made an $ATTRIBUTE_LIST
    sparse(listed, 3584 << 20)
    with open(os.path.join(root, "attrlist.img"), "wb") as f:
        f.write(img)
    img[listed:listed + 72] = listed_bytes
    mft_bitmap, _ = ntfs_attr(img, "$MFT", 0xB0)  # non-resident: room for the runs
    struct.pack_into("<I", img, mft_bitmap, 0x20)
    sparse(mft_bitmap, 3584 << 20)
    with open(os.path.join(root, "mftlist.img"), "wb") as f:
        f.write(img)
    return {"planted": [plant(root), {"location_suffix": "ntfs.img!etc/ntp.conf", "line": 1}],
            "notices": [{"id": "disk-error", "where": "ntfs.img!etc/compressed.conf",
                         "text": "compression unit"},
                        {"id": "disk-error", "where": "ntfs.img!index", "text": "directory index"},
                        {"id": "corrupt-file-system", "where": "attrlist.img",
                         "text": "attribute list"},
                        {"id": "corrupt-file-system", "where": "mftlist.img",
                         "text": "mft record 0 claims an attribute list of 3758096384 bytes"}]}


@case
def vmdk_grain_table_claims(root):
    """A monolithicSparse VMDK (qemu-img) of an ext4 whose header says a grain table holds 2^30
    entries, not 512: libvmdk reads it; the truncation check, which sized a buffer by the count
    (4 GiB here, 17 GB for 2^32), must neither balloon nor call it truncated."""
    work = os.path.join(root, ".work")
    os.makedirs(work)
    raw = os.path.join(work, "disk.raw")
    mkext4(raw, 4, {"etc/ntp.conf": b"server 10.66.0.1\n"})
    image = os.path.join(root, "disk.vmdk")
    subprocess.run(["qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", raw, image], check=True)
    shutil.rmtree(work)
    with open(image, "r+b") as f:
        f.seek(44)  # numGTEsPerGT
        f.write(struct.pack("<I", 1 << 30))
    return {"planted": [plant(root), {"location_suffix": "disk.vmdk!etc/ntp.conf", "line": 1}],
            "max_notices": 0}


def mbr_disk(root, name, entries, ext_lba=None, ebr_entries=None):
    """A DOS disk: a healthy ext4 at LBA 2048 with the reference; `entries` fill the table."""
    work = os.path.join(root, ".work")
    os.makedirs(work, exist_ok=True)
    good = mkext4(os.path.join(work, "good.img"), 4, {"etc/ntp.conf": b"server 10.66.0.1\n"})
    shutil.rmtree(work)
    size = (2048 + 8192 + 4096) * 512
    disk = bytearray(size)
    place(disk, 2048, good)
    for n, e in enumerate(entries):
        mbr_entry(disk, n, *e)
    if ext_lba is not None:
        for n, e in enumerate(ebr_entries):
            mbr_entry(disk, n, *e, base=ext_lba * 512 + 446)
        disk[ext_lba * 512 + 510:ext_lba * 512 + 512] = b"\x55\xaa"
    disk[510:512] = b"\x55\xaa"
    write(os.path.join(root, name), bytes(disk))


@case
def partition_past_end(root):
    """DOS table: p1 healthy, p2 starts past the end, p3 runs past the end."""
    mbr_disk(root, "disk.img", [(2048, 8192), (1 << 30, 2048), (10240, 1 << 20)])
    return {"planted": [plant(root), {"location_suffix": "disk.img!p1/etc/ntp.conf", "line": 1}],
            "notice": {"id": "", "where": "disk.img!p2"}}


@case
def overlapping_partitions(root):
    """DOS table: p1 and p2 overlap (p2 covers half of p1), p3 is p1 again."""
    mbr_disk(root, "disk.img", [(2048, 8192), (6144, 8192), (2048, 8192)])
    return {"planted": [plant(root), {"location_suffix": "disk.img!p1/etc/ntp.conf", "line": 1}],
            "notices": [{"id": "partition-overlap", "where": "disk.img!p2"},
                        {"id": "partition-overlap", "where": "disk.img!p3"}]}


@case
def looping_ebr(root):
    """DOS table: p1 healthy; an extended partition whose EBR links to itself."""
    ext = 10240
    mbr_disk(root, "disk.img", [(2048, 8192), (ext, 4096, 0x05)], ext_lba=ext,
             ebr_entries=[(64, 64), (0, 4096, 0x05)])  # a logical partition, then a link to itself
    return {"planted": [plant(root), {"location_suffix": "disk.img!p1/etc/ntp.conf", "line": 1}],
            "notice": {"id": "partition-table-error", "where": "disk.img!p2"}}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--list":
        print(";".join(CASES))
        return
    out = sys.argv[1]
    names = sys.argv[2:] or list(CASES)
    for name in names:
        root = os.path.join(out, "cases", name)
        if os.path.lexists(root):
            subprocess.run(["rm", "-rf", root], check=True)
        os.makedirs(root)
        spec = CASES[name](root)
        spec["doc"] = " ".join(CASES[name].__doc__.split())
        write(os.path.join(out, "specs", name + ".json"), json.dumps(spec, indent=1, sort_keys=True), "w")

if __name__ == "__main__":
    main()
