#include "input/ext4_extents.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string_view>

#include "input/byte_order.h"

namespace ntpsweep::input {
namespace {

constexpr uint64_t kSuperblockAt = 1024;
constexpr uint16_t kExtMagic = 0xEF53;
constexpr uint16_t kExtentMagic = 0xF30A;
constexpr uint32_t kExtentsFlag = 0x80000;
constexpr uint32_t kIncompatMetaBg = 0x10, kIncompat64Bit = 0x80;
constexpr uint32_t kRoCompatSparseSuper = 0x1;
constexpr int kMaxTreeDepth = 5;  // the kernel's own bound (EXT4_MAX_EXTENT_DEPTH)
constexpr uint64_t kUnwrittenLength = 32768;
constexpr uint64_t kMaxDirBytes = 64ull << 20;  // a directory of more is a corrupt inode
constexpr size_t kMaxBlockMapRuns = 65536;

}  // namespace

bool Ext4Volume::Open(ReadFn read, uint64_t volume_bytes, std::string* error) {
  read_ = std::move(read);
  volume_bytes_ = volume_bytes;
  std::string sb(1024, '\0');
  if (!read_(kSuperblockAt, sb.data(), sb.size()))
    return *error = "cannot read the superblock", false;
  if (Le(sb, 0x38, 2) != kExtMagic) return *error = "no ext2/3/4 superblock", false;
  uint64_t log_block = Le(sb, 0x18, 4);
  if (log_block > 6) return *error = "a corrupt block size", false;
  block_ = 1024ull << log_block;
  uint64_t incompat = Le(sb, 0x60, 4);
  blocks_ = Le(sb, 0x4, 4) | ((incompat & kIncompat64Bit) ? Le(sb, 0x150, 4) << 32 : 0);
  blocks_ = std::min(blocks_, volume_bytes_ / block_);
  first_data_block_ = Le(sb, 0x14, 4);
  inodes_ = Le(sb, 0x0, 4);
  blocks_per_group_ = Le(sb, 0x20, 4);
  inodes_per_group_ = Le(sb, 0x28, 4);
  inode_size_ = Le(sb, 0x4C, 4) >= 1 ? Le(sb, 0x58, 2) : 128;
  desc_size_ = (incompat & kIncompat64Bit) ? Le(sb, 0xFE, 2) : 32;
  if (incompat & kIncompatMetaBg) first_meta_bg_ = Le(sb, 0x104, 4);
  sparse_super_ = (Le(sb, 0x64, 4) & kRoCompatSparseSuper) != 0;
  if (inodes_per_group_ == 0 || blocks_per_group_ == 0 || inode_size_ < 128 ||
      inode_size_ > block_ || desc_size_ < 32 || desc_size_ > block_ ||
      (desc_size_ & (desc_size_ - 1)) != 0)
    return *error = "a superblock with corrupt geometry", false;
  return true;
}

// Block groups 0, 1 and the powers of 3, 5 and 7 keep a superblock copy under sparse_super; all
// of them without it.
static bool GroupHasSuperblock(uint64_t group, bool sparse_super) {
  if (!sparse_super || group <= 1) return true;
  for (uint64_t base : {3, 5, 7}) {
    uint64_t n = base;
    while (n < group) n *= base;
    if (n == group) return true;
  }
  return false;
}

bool Ext4Volume::DescriptorMoved(uint64_t group) const {
  const uint64_t meta_group = group / (block_ / desc_size_);
  return meta_group >= first_meta_bg_ && meta_group > 0;  // meta group 0's block is the table's
}

uint64_t Ext4Volume::DescriptorAt(uint64_t group) const {
  const uint64_t per_block = block_ / desc_size_;
  const uint64_t meta_group = group / per_block;
  if (!DescriptorMoved(group))  // one table after the superblock
    return (first_data_block_ + 1) * block_ + group * desc_size_;
  // META_BG: each meta group's descriptors fill one block at the start of its first group.
  const uint64_t first = meta_group * per_block;
  const uint64_t block = first_data_block_ + first * blocks_per_group_ +
                         (GroupHasSuperblock(first, sparse_super_) ? 1 : 0);
  return block * block_ + (group % per_block) * desc_size_;
}

const Ext4GroupDescriptor* Ext4Volume::DescriptorOf(uint64_t inum, std::string* error) {
  if (inum == 0 || inum > inodes_)
    return *error = "inode " + std::to_string(inum) + " out of range", nullptr;
  const uint64_t group = (inum - 1) / inodes_per_group_;
  if (desc_cached_ && desc_cache_.group == group) return &desc_cache_;
  desc_cached_ = false;
  desc_cache_.group = group;
  desc_cache_.moved = DescriptorMoved(group);
  uint64_t at = DescriptorAt(group);
  desc_cache_.bytes.assign(static_cast<size_t>(desc_size_), '\0');
  if (at + desc_size_ > volume_bytes_ || !read_(at, desc_cache_.bytes.data(), desc_size_))
    return *error = "cannot read the descriptor of block group " + std::to_string(group), nullptr;
  desc_cached_ = true;
  return &desc_cache_;
}

const std::string* Ext4Volume::RawInode(uint64_t inum, std::string* error) {
  if (inode_cache_inum_ != 0 && inode_cache_inum_ == inum) return &inode_cache_;
  inode_cache_inum_ = 0;
  const Ext4GroupDescriptor* desc = DescriptorOf(inum, error);
  if (!desc) return nullptr;
  uint64_t index = (inum - 1) % inodes_per_group_;
  uint64_t table =
      Le(desc->bytes, 0x8, 4) | (desc_size_ >= 64 ? Le(desc->bytes, 0x28, 4) << 32 : 0);
  uint64_t at = table * block_ + index * inode_size_;
  inode_cache_.assign(static_cast<size_t>(inode_size_), '\0');
  if (table >= blocks_ || at + inode_size_ > volume_bytes_ ||
      !read_(at, inode_cache_.data(), inode_cache_.size()))
    return *error = "cannot read inode " + std::to_string(inum), nullptr;
  inode_cache_inum_ = inum;
  return &inode_cache_;
}

static Ext4InodeHead HeadOf(std::string_view inode) {
  Ext4InodeHead head;
  head.mode = static_cast<uint16_t>(Le(inode, 0x0, 2));
  head.size = Le(inode, 0x4, 4) | (Le(inode, 0x6C, 4) << 32);
  head.flags = static_cast<uint32_t>(Le(inode, 0x20, 4));
  return head;
}

bool Ext4Volume::ReadInodeHead(uint64_t inum, Ext4InodeHead* out, std::string* error) {
  const std::string* inode = RawInode(inum, error);
  if (!inode) return false;
  *out = HeadOf(*inode);
  return true;
}

bool Ext4Volume::LoadInode(uint64_t inum, Ext4Inode* out, std::string* error) {
  *out = {};
  const std::string* inode = RawInode(inum, error);
  if (!inode) return false;
  Ext4InodeHead head = HeadOf(*inode);
  out->mode = head.mode;
  out->size = head.size;
  if (!(head.flags & kExtentsFlag))
    return *error = "inode " + std::to_string(inum) + " is not extent-mapped", false;
  std::set<uint64_t> seen;
  return WalkNode(inode->substr(0x28, 60), -1, &seen, out, error);
}

bool Ext4Volume::LoadAnyInode(uint64_t inum, Ext4Inode* out, std::string* error) {
  *out = {};
  const std::string* inode = RawInode(inum, error);
  if (!inode) return false;
  Ext4InodeHead head = HeadOf(*inode);
  if (head.flags & kExtentsFlag) return LoadInode(inum, out, error);
  if (head.inline_data())
    return *error = "inode " + std::to_string(inum) + " keeps its data inline", false;
  out->mode = head.mode;
  out->size = head.size;
  const uint64_t wanted = head.size / block_ + (head.size % block_ != 0);
  if (wanted > blocks_)
    return *error = "inode " + std::to_string(inum) + " claims more blocks than its volume has",
           false;
  const std::string pointers = inode->substr(0x28, 60);  // 12 direct, then 1-, 2-, 3-indirect
  uint64_t logical = 0;
  for (int i = 0; i < 15; ++i)
    if (!WalkBlockMap(Le(pointers, 4 * static_cast<size_t>(i), 4), std::max(0, i - 11), wanted,
                      &logical, out, error))
      return false;
  return true;
}

bool Ext4Volume::WalkBlockMap(uint64_t ptr, int level, uint64_t wanted, uint64_t* logical,
                              Ext4Inode* out, std::string* error) const {
  if (*logical >= wanted) return true;
  const uint64_t per_block = block_ / 4;
  uint64_t span = 1;
  for (int i = 0; i < level; ++i) span *= per_block;
  if (ptr == 0) return *logical += span, true;  // a hole
  if (ptr >= blocks_)
    return *error =
               "a block pointer past the end of the volume (block " + std::to_string(ptr) + ")",
           false;
  if (level == 0) {
    Ext4Extent* last = out->extents.empty() ? nullptr : &out->extents.back();
    if (last && last->logical + last->count == *logical && last->physical + last->count == ptr) {
      ++last->count;
    } else {
      // A map in more pieces than this is not a journal mke2fs made; bounded, as it is memory.
      if (out->extents.size() >= kMaxBlockMapRuns)
        return *error = "a block map of more than " + std::to_string(kMaxBlockMapRuns) + " runs",
               false;
      out->extents.push_back({*logical, ptr, 1, false});
    }
    ++*logical;
    return true;
  }
  std::string block(static_cast<size_t>(block_), '\0');
  if (!read_(ptr * block_, block.data(), block.size()))
    return *error = "cannot read indirect block " + std::to_string(ptr), false;
  for (uint64_t i = 0; i < per_block && *logical < wanted; ++i)
    if (!WalkBlockMap(Le(block, 4 * i, 4), level - 1, wanted, logical, out, error)) return false;
  return true;
}

// `depth`: what the parent's level says this node's must be (-1 for the root in the inode).
bool Ext4Volume::WalkNode(const std::string& node, int depth, std::set<uint64_t>* seen,
                          Ext4Inode* out, std::string* error) const {
  if (Le(node, 0, 2) != kExtentMagic)
    return *error = "an extent tree node without its magic number", false;
  uint64_t entries = Le(node, 2, 2), level = Le(node, 6, 2);
  if (entries > (node.size() - 12) / 12)
    return *error = "an extent tree node with more entries than fit in it", false;
  if (level > kMaxTreeDepth || (depth >= 0 && level != static_cast<uint64_t>(depth)))
    return *error = "an extent tree of inconsistent depth", false;
  for (uint64_t i = 0; i < entries; ++i) {
    size_t e = 12 + 12 * static_cast<size_t>(i);
    uint64_t logical = Le(node, e, 4);
    if (level == 0) {
      uint64_t len = Le(node, e + 4, 2);
      bool zero = len > kUnwrittenLength;
      if (zero) len -= kUnwrittenLength;
      uint64_t physical = Le(node, e + 8, 4) | (Le(node, e + 6, 2) << 32);
      if (len == 0) continue;
      if (physical >= blocks_ || len > blocks_ - physical)
        return *error =
                   "an extent past the end of the volume (block " + std::to_string(physical) + ")",
               false;
      if (!out->extents.empty() &&
          logical < out->extents.back().logical + out->extents.back().count)
        return *error = "extents out of order or overlapping", false;
      out->extents.push_back({logical, physical, len, zero});
      continue;
    }
    uint64_t child = Le(node, e + 4, 4) | (Le(node, e + 8, 2) << 32);
    // A block met twice is a tree that loops or shares nodes: corrupt, and unbounded to walk.
    if (!seen->insert(child).second)
      return *error = "its extent tree reaches block " + std::to_string(child) + " twice", false;
    std::string next(static_cast<size_t>(block_), '\0');
    if (child >= blocks_ || !read_(child * block_, next.data(), next.size()))
      return *error = "cannot read extent tree block " + std::to_string(child), false;
    if (!WalkNode(next, static_cast<int>(level) - 1, seen, out, error)) return false;
  }
  return true;
}

ssize_t Ext4Volume::Read(const Ext4Inode& inode, uint64_t pos, char* buf, size_t want,
                         std::string* error) const {
  if (pos >= inode.size) return 0;
  want = static_cast<size_t>(std::min<uint64_t>(want, inode.size - pos));
  uint64_t block = pos / block_;
  // The first extent that ends after this block.
  auto it =
      std::upper_bound(inode.extents.begin(), inode.extents.end(), block,
                       [](uint64_t b, const Ext4Extent& e) { return b < e.logical + e.count; });
  if (it == inode.extents.end() || block < it->logical) {  // a hole up to the next extent
    uint64_t hole_end = it == inode.extents.end() ? inode.size : it->logical * block_;
    size_t n = static_cast<size_t>(std::min<uint64_t>(want, hole_end - pos));
    std::memset(buf, 0, n);
    return static_cast<ssize_t>(n);
  }
  uint64_t in_extent = pos - it->logical * block_;
  size_t n = static_cast<size_t>(std::min<uint64_t>(want, it->count * block_ - in_extent));
  if (it->zero) {
    std::memset(buf, 0, n);
    return static_cast<ssize_t>(n);
  }
  if (!read_(it->physical * block_ + in_extent, buf, n)) {
    *error = "cannot read block " + std::to_string(it->physical + in_extent / block_);
    return -1;
  }
  return static_cast<ssize_t>(n);
}

bool Ext4Volume::ReadDir(const Ext4Inode& dir, std::vector<Ext4DirEntry>* out,
                         std::string* error) const {
  if (dir.size > kMaxDirBytes || dir.size % block_ != 0)
    return *error = "a directory of " + std::to_string(dir.size) + " bytes (a corrupt inode)",
           false;
  std::string block(static_cast<size_t>(block_), '\0');
  for (uint64_t pos = 0; pos < dir.size; pos += block_) {
    for (size_t got = 0; got < block.size();) {
      ssize_t n = Read(dir, pos + got, block.data() + got, block.size() - got, error);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    // Entries chain by their record lengths; a broken chain ends this block's entries.
    for (size_t at = 0; at + 8 <= block.size();) {
      uint64_t inum = Le(block, at, 4), rec_len = Le(block, at + 4, 2),
               name_len = Le(block, at + 6, 1);
      if (rec_len < 8 || rec_len % 4 != 0 || at + rec_len > block.size()) break;
      if (inum != 0 && name_len > 0 && 8 + name_len <= rec_len) {
        std::string name = block.substr(at + 8, static_cast<size_t>(name_len));
        if (name != "." && name != "..") out->push_back({inum, std::move(name)});
      }
      at += static_cast<size_t>(rec_len);
    }
  }
  return true;
}

}  // namespace ntpsweep::input
