#pragma once
// The data extents of an XFS file, read from its inode without libfsxfs, so that its bytes can
// be read by pread from the image (disk.cpp, ExtentFileSource): libfsxfs reads them through
// its own buffers, and on the walking thread. Only what is exact is mapped: an inode whose data
// fork is a plain extent list; inline data, B+tree forks and realtime files are left to libfsxfs.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/file_extent.h"

namespace ntpsweep::input {

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

 private:
  ReadFn read_;
  uint64_t volume_bytes_ = 0;
  uint64_t block_ = 0;
  uint64_t ag_blocks_ = 0;
  uint64_t ag_count_ = 0;
  uint64_t inode_size_ = 0;
  unsigned ag_block_log_ = 0;
  unsigned inodes_per_block_log_ = 0;
  bool v5_ = false;
};

}  // namespace ntpsweep::input
