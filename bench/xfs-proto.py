#!/usr/bin/env python3
"""Prints an mkfs.xfs prototype file (man mkfs.xfs, -p) for the tree TREE: xfs-proto.py TREE.

mkfs.xfs then copies the tree into a new file system image without mounting anything. The format
is whitespace-separated tokens, so a name or a symbolic-link target with whitespace cannot be
written (nor a name starting with ':', which starts a comment): those are left out and listed on
stderr. Hard links become separate copies; the sticky bit has no place in the mode string.
"""
import os
import stat
import sys


def mode_str(st):
    m = st.st_mode
    kind = {stat.S_IFREG: "-", stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFBLK: "b",
            stat.S_IFCHR: "c", stat.S_IFIFO: "p"}[stat.S_IFMT(m)]
    return "%s%s%s%03o" % (kind, "u" if m & stat.S_ISUID else "-", "g" if m & stat.S_ISGID else "-", m & 0o777)


def writable(token):
    return token and not any(c.isspace() for c in token) and not token.startswith((":", "$"))


def walk(path, depth, out, skipped):
    ind = "  " * depth
    for name in sorted(os.listdir(path)):
        p = os.path.join(path, name)
        st = os.lstat(p)
        if stat.S_ISSOCK(st.st_mode) or not writable(name):
            skipped.append(p)
            continue
        head = "%s%s %s %d %d" % (ind, name, mode_str(st), st.st_uid, st.st_gid)
        if stat.S_ISDIR(st.st_mode):
            out.write(head + "\n")
            walk(p, depth + 1, out, skipped)
            out.write(ind + "$\n")
        elif stat.S_ISREG(st.st_mode):
            if not writable(os.path.abspath(p)):
                skipped.append(p)
                continue
            out.write("%s %s\n" % (head, os.path.abspath(p)))
        elif stat.S_ISLNK(st.st_mode):
            target = os.readlink(p)
            if not writable(target):
                skipped.append(p)
                continue
            out.write("%s %s\n" % (head, target))
        elif stat.S_ISBLK(st.st_mode) or stat.S_ISCHR(st.st_mode):
            out.write("%s %d %d\n" % (head, os.major(st.st_rdev), os.minor(st.st_rdev)))
        else:  # FIFO
            out.write(head + "\n")


def main():
    tree = sys.argv[1]
    out = sys.stdout
    st = os.lstat(tree)
    out.write("ntpsweep-bench\n0 0\n%s %d %d\n" % (mode_str(st), st.st_uid, st.st_gid))
    skipped = []
    walk(tree, 1, out, skipped)
    out.write("$\n")
    for p in skipped:
        print("xfs-proto: left out (not expressible in a protofile): %s" % p, file=sys.stderr)


if __name__ == "__main__":
    main()
