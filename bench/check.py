#!/usr/bin/env python3
"""Correctness check of bench/run.sh: ntpsweep finds at least every line rg finds.

    check.py --rg RG_OUT --json NTPSWEEP_JSON --target T... [--inside] [--prefix P...]

RG_OUT is `rg -n --null -i -F -e T...` output (path NUL line:text). A line counts only where a
target stands as a whole value: rg -F also finds 10.20.30.400, 110.20.30.40,
ntp-old.corp.example.com.au and fd00::1234, which ntpsweep must not report (docs/matching.md),
so those lines are counted as decoys and not required. The remaining file:line pairs must all be
among ntpsweep's findings (JSON, docs/output.md), keyed by location chain:

  * a directory scan: the chain as is (`etc/chrony/chrony.conf`, `a.gz!a`);
  * --inside (an archive or image operand): the chain without its first element, so that
    `rootfs.tar!./etc/chrony/chrony.conf` meets rg's `etc/chrony/chrony.conf` of the tree;
  * --prefix P (repeatable): each expected path is required under each prefix (copies of the
    tree in one archive: copy1/, copy2/...).

rg -z reports a line of a compressed file under the compressed file's name; ntpsweep chains it
one level deeper (`x.gz!x`): such a finding also counts for the compressed file's name.
Prints one summary line; exit 1 when an rg line is missing.
"""
import argparse
import json
import re
import sys

COMPRESSED = re.compile(r"\.(gz|bz2|xz|zst|lz4|lzma|Z|br)$")


def token_re(t):
    """A regex that finds target literal t only where it stands as a whole value."""
    e = re.escape(t)
    if re.fullmatch(r"[0-9.]+", t):  # IPv4: not 110.20.30.40, 10.20.30.400, 10.20.30.40.5
        return re.compile(r"(?<![0-9A-Za-z.])" + e + r"(?![0-9]|\.[0-9])", re.I)
    if ":" in t:  # IPv6: not fd00::1234, fd00::123:5
        return re.compile(r"(?<![0-9A-Za-z:.])" + e + r"(?![0-9A-Za-z]|:[0-9A-Za-z])", re.I)
    # host name: not xntp-old..., a.ntp-old..., ntp-old.corp.example.com.au
    # ('-' before it only inside a label: ${NTP:-ntp-old...} is a reference, x-ntp-old... is not)
    return re.compile(r"(?<![0-9A-Za-z.])(?<![0-9A-Za-z]-)" + e + r"(?![0-9A-Za-z_-]|\.[0-9A-Za-z])", re.I)


def norm(p):
    while p.startswith("./"):
        p = p[2:]
    return p.lstrip("/")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rg", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--target", action="append", required=True)
    ap.add_argument("--inside", action="store_true")
    ap.add_argument("--prefix", action="append", default=[""])
    a = ap.parse_args()
    prefixes = a.prefix[1:] or [""]
    tokens = [token_re(t) for t in a.target]

    want, decoys, rg_all = set(), 0, set()
    with open(a.rg, "rb") as f:
        for raw in f:
            path, _, rest = raw.rstrip(b"\n").partition(b"\0")
            line, _, text = rest.partition(b":")
            key = (norm(path.decode("utf-8", "surrogateescape")), int(line))
            rg_all.add(key)
            if any(t.search(text.decode("utf-8", "replace")) for t in tokens):
                want.update((p + key[0], key[1]) for p in prefixes)
            else:
                decoys += 1

    got, primary = set(), set()
    with open(a.json) as f:
        doc = json.load(f)
    for fd in doc["findings"]:
        chain = [norm(c) for c in fd["chain"]]
        if a.inside:
            chain = chain[1:]
        primary.add(("!".join(chain), fd["line"]))
        if len(chain) >= 2 and COMPRESSED.search(chain[-2]):
            got.add(("!".join(chain[:-1]), fd["line"]))
    got |= primary

    missing = sorted(want - got)
    # Lines ntpsweep reports that rg -F cannot see: other spellings, members of archives.
    rg_keys = {(p + k[0], k[1]) for k in rg_all for p in prefixes}
    extra = len({k for k in primary if k not in rg_keys and (k[0].rsplit("!", 1)[0], k[1]) not in rg_keys})
    summary = "%d/%d" % (len(want) - len(missing), len(want))
    if missing:
        print("MISSING: %s; e.g. %s" % (summary, ", ".join("%s:%d" % m for m in missing[:5])))
        return 1
    print("ok: %s; %d decoy lines; ntpsweep +%d lines" % (summary, decoys, extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
