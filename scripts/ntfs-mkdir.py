#!/usr/bin/env python3
"""Makes directories in an NTFS image file through libntfs-3g (ntfs-3g ships no tool for it and
mounting needs root). Used by the fixture scripts beside mkntfs and ntfscp.

Usage: ntfs-mkdir.py IMAGE DIR...    (parents first, e.g. Windows Windows/Setup)
"""
import ctypes
import os
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    image = sys.argv[1]
    lib = ctypes.CDLL("libntfs-3g.so.89", use_errno=True)
    p = ctypes.c_void_p
    lib.ntfs_mount.restype = p
    lib.ntfs_mount.argtypes = [ctypes.c_char_p, ctypes.c_ulong]
    lib.ntfs_pathname_to_inode.restype = p
    lib.ntfs_pathname_to_inode.argtypes = [p, p, ctypes.c_char_p]
    lib.ntfs_mbstoucs.argtypes = [ctypes.c_char_p, ctypes.POINTER(p)]
    lib.ntfs_create.restype = p
    lib.ntfs_create.argtypes = [p, ctypes.c_uint32, p, ctypes.c_uint8, ctypes.c_uint32]
    lib.ntfs_inode_close.argtypes = [p]
    lib.ntfs_umount.argtypes = [p, ctypes.c_int]
    vol = lib.ntfs_mount(image.encode(), 0)
    if not vol:
        sys.exit("ntfs-mkdir: %s: %s" % (image, os.strerror(ctypes.get_errno())))
    for path in sys.argv[2:]:
        parent, _, name = path.rpartition("/")
        dir_ni = lib.ntfs_pathname_to_inode(vol, None, (parent or "/").encode())
        uname = p()
        n = lib.ntfs_mbstoucs(name.encode(), ctypes.byref(uname))
        ni = lib.ntfs_create(dir_ni, 0, uname, n, 0o040000) if dir_ni and n > 0 else None
        if not ni:
            sys.exit("ntfs-mkdir: cannot make %s: %s" % (path, os.strerror(ctypes.get_errno())))
        lib.ntfs_inode_close(ni)
        lib.ntfs_inode_close(dir_ni)
    if lib.ntfs_umount(vol, 0) != 0:
        sys.exit("ntfs-mkdir: cannot close " + image)


if __name__ == "__main__":
    main()
