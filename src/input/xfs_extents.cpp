#include "input/xfs_extents.h"

#include <algorithm>
#include <string_view>

#include "input/byte_order.h"

namespace ntpsweep::input {
namespace {

constexpr uint64_t kSuperMagic = 0x58465342;  // "XFSB"
constexpr uint64_t kInodeMagic = 0x494E;      // "IN"
constexpr uint64_t kFormatExtents = 2;
constexpr uint64_t kFlagRealtime = 0x1;
constexpr uint64_t kFlag2BigExtentCounts = 0x10;  // XFS_DIFLAG2_NREXT64: a count elsewhere
constexpr size_t kCoreBytesV2 = 100, kCoreBytesV3 = 176;
constexpr size_t kExtentRecord = 16;

}  // namespace

bool XfsVolume::Open(ReadFn read, uint64_t volume_bytes, std::string* error) {
  read_ = std::move(read);
  volume_bytes_ = volume_bytes;
  std::string sb(512, '\0');
  if (!read_(0, sb.data(), sb.size())) return *error = "cannot read the superblock", false;
  if (Be(sb, 0, 4) != kSuperMagic) return *error = "no XFS superblock", false;
  block_ = Be(sb, 4, 4);
  ag_blocks_ = Be(sb, 84, 4);
  ag_count_ = Be(sb, 88, 4);
  v5_ = (Be(sb, 100, 2) & 0xF) == 5;
  inode_size_ = Be(sb, 104, 2);
  const uint64_t block_log = Be(sb, 120, 1), inode_log = Be(sb, 122, 1);
  inodes_per_block_log_ = static_cast<unsigned>(Be(sb, 123, 1));
  ag_block_log_ = static_cast<unsigned>(Be(sb, 124, 1));
  if (block_log < 9 || block_log > 16 || block_ != (1ull << block_log) || inode_log < 8 ||
      inode_size_ != (1ull << inode_log) || inode_size_ > block_ ||
      inodes_per_block_log_ != block_log - inode_log || ag_block_log_ > 31 || ag_blocks_ == 0 ||
      ag_blocks_ > (1ull << ag_block_log_) || ag_count_ == 0)
    return *error = "a superblock with corrupt geometry", false;
  return true;
}

bool XfsVolume::MapFile(uint64_t inum, uint64_t size, std::vector<FileExtent>* out,
                        std::string* error) const {
  out->clear();
  const uint64_t ag = inum >> (ag_block_log_ + inodes_per_block_log_);
  const uint64_t ag_block = (inum >> inodes_per_block_log_) & ((1ull << ag_block_log_) - 1);
  const uint64_t index = inum & ((1ull << inodes_per_block_log_) - 1);
  const uint64_t at = (ag * ag_blocks_ + ag_block) * block_ + index * inode_size_;
  std::string inode(static_cast<size_t>(inode_size_), '\0');
  if (ag >= ag_count_ || ag_block >= ag_blocks_ || at > volume_bytes_ ||
      inode_size_ > volume_bytes_ - at || !read_(at, inode.data(), inode.size()))
    return *error = "cannot read inode " + std::to_string(inum), false;
  const uint64_t version = Be(inode, 4, 1);
  if (Be(inode, 0, 2) != kInodeMagic || version < 1 || version > 3 || (version == 3) != v5_)
    return *error = "inode " + std::to_string(inum) + " has no inode magic", false;
  if (Be(inode, 5, 1) != kFormatExtents)
    return *error = "inode " + std::to_string(inum) + " keeps no extent list", false;
  if (Be(inode, 56, 8) != size)
    return *error = "inode " + std::to_string(inum) + " gives another size", false;
  if ((Be(inode, 90, 2) & kFlagRealtime) ||
      (version == 3 && (Be(inode, 120, 8) & kFlag2BigExtentCounts)))
    return *error = "inode " + std::to_string(inum) + " is a realtime or large-count file", false;
  const size_t core = version == 3 ? kCoreBytesV3 : kCoreBytesV2;
  const uint64_t fork_offset = Be(inode, 82, 1) * 8;
  const size_t fork_end = fork_offset ? core + static_cast<size_t>(fork_offset) : inode.size();
  const uint64_t count = Be(inode, 76, 4);
  if (fork_end > inode.size() || count > (fork_end - core) / kExtentRecord)
    return *error = "inode " + std::to_string(inum) + " has more extents than fit in it", false;
  const uint64_t disk_blocks = volume_bytes_ / block_;
  uint64_t pos = 0;  // bytes of the file mapped so far
  auto add = [&](uint64_t offset, uint64_t length, bool zero) {
    if (length == 0) return;
    out->push_back({zero ? 0 : offset, length, zero});
    pos += length;
  };
  for (uint64_t i = 0; i < count && pos < size; ++i) {
    const size_t r = core + static_cast<size_t>(i) * kExtentRecord;
    const uint64_t l0 = Be(inode, r, 8), l1 = Be(inode, r + 8, 8);
    const bool unwritten = (l0 >> 63) != 0;
    const uint64_t file_block = (l0 & ((1ull << 63) - 1)) >> 9;
    const uint64_t fs_block = ((l0 & 0x1FF) << 43) | (l1 >> 21);
    const uint64_t blocks = l1 & ((1ull << 21) - 1);
    const uint64_t extent_ag = fs_block >> ag_block_log_;
    const uint64_t disk_block = extent_ag * ag_blocks_ + (fs_block & ((1ull << ag_block_log_) - 1));
    if (blocks == 0 || extent_ag >= ag_count_ || disk_block >= disk_blocks ||
        blocks > disk_blocks - disk_block || file_block > (UINT64_MAX >> 17) / block_)
      return *error = "an extent past the end of the volume", false;
    const uint64_t start = file_block * block_;
    if (start < pos) return *error = "extents out of order or overlapping", false;
    if (start >= size) break;
    add(0, start - pos, true);  // a hole before it
    add(disk_block * block_, std::min(blocks * block_, size - start), unwritten);
  }
  add(0, size - pos, true);
  return true;
}

}  // namespace ntpsweep::input
