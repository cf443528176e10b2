#pragma once
// ext4 inodes read without the Sleuth Kit: TSK 4.11 cannot map an extent tree with two or more
// leaf blocks (it adds every index block at offset 0 and gives up), so a large directory or a
// fragmented file on ext4 is lost there. This reads the inode's own tree.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace ntpsweep::input {

// One run of a file's blocks; `zero` for an extent allocated but never written.
struct Ext4Extent {
  uint64_t logical = 0, physical = 0, count = 0;
  bool zero = false;
};

// The fields of an inode that say how much a reader of it would allocate.
struct Ext4InodeHead {
  uint64_t size = 0;
  uint16_t mode = 0;
  uint32_t flags = 0;  // i_flags: extents, inline data...
  bool inline_data() const { return (flags & 0x10000000u) != 0; }
};

// The descriptor of an inode's block group, and whether META_BG moved it out of the table that
// follows the superblock.
struct Ext4GroupDescriptor {
  uint64_t group = 0;
  bool moved = false;
  std::string bytes;
};

// An inode's size, mode and extent map (sorted by logical block, not overlapping).
struct Ext4Inode {
  uint64_t size = 0;
  uint16_t mode = 0;
  std::vector<Ext4Extent> extents;
};

// A directory entry of a linear (or hashed: its index blocks read as empty) ext4 directory.
struct Ext4DirEntry {
  uint64_t inode = 0;
  std::string name;
};

// Not thread-safe (it keeps the last descriptor and inode it read): one walk's thread uses it.
class Ext4Volume {
 public:
  // Reads `len` bytes at byte `off` of the volume; false when they cannot all be read.
  using ReadFn = std::function<bool(uint64_t off, char* buf, size_t len)>;

  // False, with the reason, when the superblock is not an ext4 one this can read.
  bool Open(ReadFn read, uint64_t volume_bytes, std::string* error);

  // The descriptor of inode `inum`'s block group, valid until the next call; null with the reason.
  const Ext4GroupDescriptor* DescriptorOf(uint64_t inum, std::string* error);

  // The inode's size, mode and flags, read without following anything; false with the reason.
  bool ReadInodeHead(uint64_t inum, Ext4InodeHead* out, std::string* error);

  // The inode's extent map, walked with bounds on every node; false with the reason.
  bool LoadInode(uint64_t inum, Ext4Inode* out, std::string* error);

  // LoadInode, or for an inode mapped by direct and indirect blocks (ext2/3: an ext3 journal)
  // its blocks as extents, holes left out; false with the reason.
  bool LoadAnyInode(uint64_t inum, Ext4Inode* out, std::string* error);

  // Up to `want` bytes of the file at `pos` (holes and unwritten extents read as zeros); -1 with
  // the reason when its blocks cannot be read.
  ssize_t Read(const Ext4Inode& inode, uint64_t pos, char* buf, size_t want,
               std::string* error) const;

  // The named entries of a directory ("." and ".." left out); false with the reason.
  bool ReadDir(const Ext4Inode& dir, std::vector<Ext4DirEntry>* out, std::string* error) const;

  uint64_t block_size() const { return block_; }
  uint64_t inode_size() const { return inode_size_; }
  uint64_t descriptor_size() const { return desc_size_; }
  bool meta_bg() const { return first_meta_bg_ != UINT64_MAX; }

 private:
  // The raw inode `inum` (inode_size() bytes), valid until the next call; null with the reason.
  const std::string* RawInode(uint64_t inum, std::string* error);
  // Where block group `group`'s descriptor sits on the volume.
  uint64_t DescriptorAt(uint64_t group) const;
  bool DescriptorMoved(uint64_t group) const;
  bool WalkNode(const std::string& node, int depth, std::set<uint64_t>* seen, Ext4Inode* out,
                std::string* error) const;
  // Maps the block pointer `ptr` of `level` levels of indirection (0: a data block) at logical
  // block `*logical`, up to `wanted` blocks; advances `*logical` past what it covers.
  bool WalkBlockMap(uint64_t ptr, int level, uint64_t wanted, uint64_t* logical, Ext4Inode* out,
                    std::string* error) const;

  ReadFn read_;
  uint64_t volume_bytes_ = 0;
  uint64_t block_ = 0;
  uint64_t blocks_ = 0;
  uint64_t first_data_block_ = 0;
  uint64_t blocks_per_group_ = 0;
  uint64_t inodes_per_group_ = 0;
  uint64_t inodes_ = 0;
  uint64_t inode_size_ = 0;
  uint64_t desc_size_ = 0;
  uint64_t first_meta_bg_ = UINT64_MAX;  // the first meta group laid out by META_BG
  bool sparse_super_ = false;
  // The last descriptor and inode read: a walk asks for one inode several times in a row (its
  // check before TSK opens it, then its extent map), and for many inodes of one group.
  Ext4GroupDescriptor desc_cache_;
  bool desc_cached_ = false;
  uint64_t inode_cache_inum_ = 0;
  std::string inode_cache_;
};

}  // namespace ntpsweep::input
