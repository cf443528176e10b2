#pragma once
// The data extents of an XFS file, read from its inode without libfsxfs, so that its bytes can
// be read by pread from the image (disk.cpp, ExtentFileSource): libfsxfs reads them through
// its own buffers, and on the walking thread. Only what is exact is mapped: an inode whose data
// fork is an extent list or a B+tree of them; inline data and realtime files are left to
// libfsxfs. Directories kept in the inode or in such blocks are read here too.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/file_extent.h"

namespace ntpsweep::input {

// A named entry of an XFS directory.
struct XfsDirEntry {
  uint64_t inode = 0;
  std::string name;
};

// What a walk needs of an inode.
struct XfsInodeInfo {
  uint16_t mode = 0;
  uint64_t size = 0;
};

class XfsVolume {
 public:
  // Reads `len` bytes at byte `off` of the volume; false when they cannot all be read.
  using ReadFn = std::function<bool(uint64_t off, char* buf, size_t len)>;

  // False, with the reason, when the superblock is not an XFS one this can read.
  bool Open(ReadFn read, uint64_t volume_bytes, std::string* error);

  // The pieces covering the first `size` bytes of regular file `inum` (holes and unwritten
  // extents as zeros), at byte offsets of the volume, every one inside it; false, with the
  // reason, when its inode is not a plain extent list of that size.
  bool MapFile(uint64_t inum, uint64_t size, std::vector<FileExtent>* out,
               std::string* error) const;

  uint64_t root_inode() const { return root_; }

  // The mode and size of inode `inum`; false with the reason.
  bool Stat(uint64_t inum, XfsInodeInfo* out, std::string* error) const;

  // The entries of directory `inum` ("." and ".." left out) when they are kept in its inode or
  // in blocks a plain extent list maps; false with the reason (a B+tree directory, corruption).
  bool ReadDir(uint64_t inum, std::vector<XfsDirEntry>* out, std::string* error) const;

  // The target of symbolic link `inum` when it is kept in its inode; false with the reason.
  bool ReadLink(uint64_t inum, std::string* out, std::string* error) const;

  // Whether the internal log was left clean (its last record an unmount record, ending where the
  // next would be written, as the kernel tells on mount); kDirty with what was found instead.
  enum class LogState { kClean, kDirty, kExternal, kUnreadable };
  LogState CheckLog(std::string* detail) const;

 private:
  // Inode `inum`'s bytes, its magic and version checked; false with the reason.
  bool LoadInode(uint64_t inum, std::string* inode, std::string* error) const;
  // The pieces of the first `size` bytes of `inode`'s data fork, a plain extent list, at byte
  // offsets of the volume; false with the reason.
  bool MapFork(const std::string& inode, uint64_t inum, uint64_t size, std::vector<FileExtent>* out,
               std::string* error) const;
  // The 16-byte extent records of `inode`'s data fork, in file order: from the inode (an extent
  // list) or the leaves of its B+tree; false with the reason.
  bool ForkRecords(const std::string& inode, uint64_t inum, std::string* records,
                   std::string* error) const;
  uint64_t DiskBlock(uint64_t fs_block) const;
  // Where `inode`'s data fork starts and ends in it.
  size_t ForkStart(const std::string& inode) const;
  size_t ForkEnd(const std::string& inode) const;

  ReadFn read_;
  uint64_t root_ = 0;
  uint64_t dir_block_ = 0;  // a directory block: blocks << sb_dirblklog
  bool ftype_ = false;      // directory entries carry a file type byte
  uint64_t volume_bytes_ = 0;
  uint64_t block_ = 0;
  uint64_t ag_blocks_ = 0;
  uint64_t ag_count_ = 0;
  uint64_t inode_size_ = 0;
  unsigned ag_block_log_ = 0;
  unsigned inodes_per_block_log_ = 0;
  bool v5_ = false;
  uint64_t log_start_ = 0;   // sb_logstart: a file system block, 0 for an external log
  uint64_t log_blocks_ = 0;  // sb_logblocks
};

}  // namespace ntpsweep::input
