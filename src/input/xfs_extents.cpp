#include "input/xfs_extents.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <set>
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
constexpr uint64_t kFormatLocal = 1;
constexpr uint64_t kIncompatFtype = 0x1, kFeatures2Ftype = 0x200;
// Directory data blocks live below this byte offset of a directory; its leaf and free-space
// index blocks above it (XFS_DIR2_LEAF_OFFSET).
constexpr uint64_t kDirLeafOffset = 32ull << 30;
constexpr uint64_t kMaxDirBytes = 64ull << 20;  // a directory of more is a corrupt inode
constexpr uint64_t kDirBlockMagicV4 = 0x58443242, kDirDataMagicV4 = 0x58443244;  // XD2B, XD2D
constexpr uint64_t kDirBlockMagicV5 = 0x58444233, kDirDataMagicV5 = 0x58444433;  // XDB3, XDD3
constexpr uint64_t kDirFreeTag = 0xFFFF;
constexpr uint64_t kFormatBtree = 3;
constexpr uint64_t kBmapMagicV4 = 0x424D4150, kBmapMagicV5 = 0x424D4133;  // BMAP, BMA3
constexpr int kMaxBtreeLevels = 9;  // XFS_BM_MAXLEVELS for 64-bit counts is 9
// Records gathered from one B+tree at most (16 MiB of them): more is left to libfsxfs, so that
// a hostile tree cannot make this hold a record for every block of the volume.
constexpr uint64_t kMaxBtreeRecords = 1u << 20;

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
  root_ = Be(sb, 56, 8);
  log_start_ = Be(sb, 48, 8);
  log_blocks_ = Be(sb, 96, 4);
  const uint64_t dir_block_log = Be(sb, 192, 1);
  dir_block_ = dir_block_log <= 16 ? block_ << dir_block_log : 0;
  ftype_ = v5_ ? (Be(sb, 216, 4) & kIncompatFtype) != 0 : (Be(sb, 200, 4) & kFeatures2Ftype) != 0;
  if (block_log < 9 || block_log > 16 || block_ != (1ull << block_log) || inode_log < 8 ||
      inode_size_ != (1ull << inode_log) || inode_size_ > block_ ||
      inodes_per_block_log_ != block_log - inode_log || ag_block_log_ > 31 || ag_blocks_ == 0 ||
      ag_blocks_ > (1ull << ag_block_log_) || ag_count_ == 0 || dir_block_ == 0 ||
      dir_block_ > (1ull << 16))
    return *error = "a superblock with corrupt geometry", false;
  return true;
}

bool XfsVolume::LoadInode(uint64_t inum, std::string* inode, std::string* error) const {
  const uint64_t ag = inum >> (ag_block_log_ + inodes_per_block_log_);
  const uint64_t ag_block = (inum >> inodes_per_block_log_) & ((1ull << ag_block_log_) - 1);
  const uint64_t index = inum & ((1ull << inodes_per_block_log_) - 1);
  const uint64_t at = (ag * ag_blocks_ + ag_block) * block_ + index * inode_size_;
  inode->assign(static_cast<size_t>(inode_size_), '\0');
  if (ag >= ag_count_ || ag_block >= ag_blocks_ || at > volume_bytes_ ||
      inode_size_ > volume_bytes_ - at || !read_(at, inode->data(), inode->size()))
    return *error = "cannot read inode " + std::to_string(inum), false;
  const uint64_t version = Be(*inode, 4, 1);
  if (Be(*inode, 0, 2) != kInodeMagic || version < 1 || version > 3 || (version == 3) != v5_)
    return *error = "inode " + std::to_string(inum) + " has no inode magic", false;
  return true;
}

size_t XfsVolume::ForkStart(const std::string& inode) const {
  return Be(inode, 4, 1) == 3 ? kCoreBytesV3 : kCoreBytesV2;
}

size_t XfsVolume::ForkEnd(const std::string& inode) const {
  const uint64_t fork_offset = Be(inode, 82, 1) * 8;
  const size_t end =
      fork_offset ? ForkStart(inode) + static_cast<size_t>(fork_offset) : inode.size();
  return std::min(end, inode.size());
}

XfsVolume::LogState XfsVolume::CheckLog(std::string* detail) const {
  if (log_start_ == 0) return LogState::kExternal;
  constexpr uint64_t kBasicBlock = 512;
  constexpr uint64_t kRecordMagic = 0xFEEDBABE;
  constexpr uint64_t kUnmountTrans = 0x20;  // XLOG_UNMOUNT_TRANS in the op header's flags
  // A record is at most 256 KiB of data after its header blocks: its header lies this close
  // before the head.
  constexpr uint64_t kMaxRecordBasicBlocks = 1024;
  const uint64_t at = DiskBlock(log_start_) * block_;
  const uint64_t n = log_blocks_ * block_ / kBasicBlock;
  if ((log_start_ >> ag_block_log_) >= ag_count_ || n < 2 || at > volume_bytes_ ||
      n > (volume_bytes_ - at) / kBasicBlock)
    return LogState::kUnreadable;
  std::string bb(kBasicBlock, '\0');
  auto read_bb = [&](uint64_t b) { return read_(at + b * kBasicBlock, bb.data(), bb.size()); };
  // Every basic block of the log starts with the cycle (pass) that wrote it.
  auto cycle = [&](uint64_t b, uint64_t* out) { return read_bb(b) && (*out = Be(bb, 0, 4), true); };
  uint64_t first = 0, last = 0;
  if (!cycle(0, &first) || !cycle(n - 1, &last)) return LogState::kUnreadable;
  if (first == 0) return LogState::kClean;  // a zeroed log: nothing was ever written to it
  // The head, where the next record goes: the first block of the previous cycle (0 when the
  // whole log is of one cycle). Cycles only fall once along the log: a binary search.
  uint64_t head = 0;
  if (first != last) {
    uint64_t lo = 0, hi = n - 1, c = 0;  // cycle(lo) == first, cycle(hi) == last
    while (hi - lo > 1) {
      const uint64_t mid = lo + (hi - lo) / 2;
      if (!cycle(mid, &c)) return LogState::kUnreadable;
      (c == last ? hi : lo) = mid;
    }
    head = hi;
  }
  // The last record header before the head, the log read backwards (round its end).
  uint64_t rec = n;
  for (uint64_t i = 1; i <= std::min(n, kMaxRecordBasicBlocks) && rec == n; ++i) {
    const uint64_t b = (head + n - i) % n;
    if (!read_bb(b)) return LogState::kUnreadable;
    if (Be(bb, 0, 4) == kRecordMagic) rec = b;
  }
  if (rec == n) return *detail = "no log record before its head", LogState::kDirty;
  const uint64_t version = Be(bb, 8, 4), len = Be(bb, 12, 4), ops = Be(bb, 40, 4);
  const uint64_t iclog = Be(bb, 320, 4);
  const uint64_t header_blocks =
      (version & 2) && iclog > 32768 ? (iclog + 32767) / 32768 : 1;  // xlog_logrec_hblks
  const uint64_t end = (rec + header_blocks + (len + kBasicBlock - 1) / kBasicBlock) % n;
  if (!read_bb((rec + header_blocks) % n)) return LogState::kUnreadable;
  if (ops == 1 && (Be(bb, 9, 1) & kUnmountTrans) && end == head) return LogState::kClean;
  *detail = "its last record, at block " + std::to_string(rec) + " of the log, is " +
            (end != head ? std::string("cut short") : "not an unmount record");
  return LogState::kDirty;
}

uint64_t XfsVolume::DiskBlock(uint64_t fs_block) const {
  return (fs_block >> ag_block_log_) * ag_blocks_ + (fs_block & ((1ull << ag_block_log_) - 1));
}

bool XfsVolume::ForkRecords(const std::string& inode, uint64_t inum, std::string* records,
                            std::string* error) const {
  const size_t core = ForkStart(inode), fork_end = ForkEnd(inode);
  const uint64_t count = Be(inode, 76, 4);
  const uint64_t format = Be(inode, 5, 1);
  auto fail = [&](const std::string& what) {
    *error = "inode " + std::to_string(inum) + ": " + what;
    return false;
  };
  if (fork_end < core + 4) return fail("a data fork past its inode");
  if (format == kFormatExtents) {
    if (count > (fork_end - core) / kExtentRecord) return fail("more extents than fit in it");
    records->assign(inode, core, static_cast<size_t>(count) * kExtentRecord);
    return true;
  }
  if (format != kFormatBtree) return fail("keeps no extent list or B+tree");
  // The root in the inode: level, count, then as many keys as fit, then as many pointers.
  std::string_view root(inode.data() + core, fork_end - core);
  const uint64_t level = Be(root, 0, 2), pointers = Be(root, 2, 2);
  const size_t root_max = (root.size() - 4) / 16;
  if (level == 0 || level > kMaxBtreeLevels || pointers == 0 || pointers > root_max)
    return fail("a corrupt B+tree root");
  const size_t header = v5_ ? 72 : 24;
  const uint64_t disk_blocks = volume_bytes_ / block_;
  std::set<uint64_t> seen;
  records->clear();
  std::string block(static_cast<size_t>(block_), '\0');
  // Depth first, in key order: the leaves' records come out in file order.
  std::function<bool(uint64_t, uint64_t)> walk = [&](uint64_t fs_block, uint64_t want) {
    const uint64_t disk = DiskBlock(fs_block);
    if ((fs_block >> ag_block_log_) >= ag_count_ || disk >= disk_blocks ||
        seen.size() >= kMaxBtreeRecords || !seen.insert(disk).second ||
        !read_(disk * block_, block.data(), block.size()))
      return fail("a B+tree block that cannot be read, or read twice");
    const uint64_t magic = Be(block, 0, 4), at_level = Be(block, 4, 2), n = Be(block, 6, 2);
    if (magic != (v5_ ? kBmapMagicV5 : kBmapMagicV4) || at_level != want)
      return fail("a B+tree block without its magic number or of the wrong level");
    if (want == 0) {
      if (n == 0 || n > (block.size() - header) / kExtentRecord ||
          records->size() / kExtentRecord + n > std::min(count, kMaxBtreeRecords))
        return fail("a B+tree leaf of no records, or more than fit or than counted");
      records->append(block, header, static_cast<size_t>(n) * kExtentRecord);
      return true;
    }
    const size_t node_max = (block.size() - header) / 16;
    if (n == 0 || n > node_max) return fail("a B+tree node of a corrupt count");
    std::vector<uint64_t> children;
    for (uint64_t i = 0; i < n; ++i)
      children.push_back(Be(block, header + node_max * 8 + static_cast<size_t>(i) * 8, 8));
    for (uint64_t child : children)
      if (!walk(child, want - 1)) return false;
    return true;
  };
  for (uint64_t i = 0; i < pointers; ++i)
    if (!walk(Be(root, 4 + root_max * 8 + static_cast<size_t>(i) * 8, 8), level - 1)) return false;
  if (records->size() != count * kExtentRecord) return fail("fewer B+tree records than counted");
  return true;
}

bool XfsVolume::MapFork(const std::string& inode, uint64_t inum, uint64_t size,
                        std::vector<FileExtent>* out, std::string* error) const {
  out->clear();
  if ((Be(inode, 90, 2) & kFlagRealtime) ||
      (Be(inode, 4, 1) == 3 && (Be(inode, 120, 8) & kFlag2BigExtentCounts)))
    return *error = "inode " + std::to_string(inum) + " is a realtime or large-count file", false;
  std::string records;
  if (!ForkRecords(inode, inum, &records, error)) return false;
  const uint64_t count = records.size() / kExtentRecord;
  const uint64_t disk_blocks = volume_bytes_ / block_;
  uint64_t pos = 0;  // bytes of the file mapped so far
  auto add = [&](uint64_t offset, uint64_t length, bool zero) {
    if (length == 0) return;
    out->push_back({zero ? 0 : offset, length, zero});
    pos += length;
  };
  for (uint64_t i = 0; i < count && pos < size; ++i) {
    const size_t r = static_cast<size_t>(i) * kExtentRecord;
    const uint64_t l0 = Be(records, r, 8), l1 = Be(records, r + 8, 8);
    const bool unwritten = (l0 >> 63) != 0;
    const uint64_t file_block = (l0 & ((1ull << 63) - 1)) >> 9;
    const uint64_t fs_block = ((l0 & 0x1FF) << 43) | (l1 >> 21);
    const uint64_t blocks = l1 & ((1ull << 21) - 1);
    const uint64_t extent_ag = fs_block >> ag_block_log_;
    const uint64_t disk_block = DiskBlock(fs_block);
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

bool XfsVolume::MapFile(uint64_t inum, uint64_t size, std::vector<FileExtent>* out,
                        std::string* error) const {
  out->clear();
  std::string inode;
  if (!LoadInode(inum, &inode, error)) return false;
  if (Be(inode, 56, 8) != size)
    return *error = "inode " + std::to_string(inum) + " gives another size", false;
  return MapFork(inode, inum, size, out, error);
}

bool XfsVolume::Stat(uint64_t inum, XfsInodeInfo* out, std::string* error) const {
  std::string inode;
  if (!LoadInode(inum, &inode, error)) return false;
  out->mode = static_cast<uint16_t>(Be(inode, 2, 2));
  out->size = Be(inode, 56, 8);
  return true;
}

bool XfsVolume::ReadLink(uint64_t inum, std::string* out, std::string* error) const {
  std::string inode;
  if (!LoadInode(inum, &inode, error)) return false;
  const uint64_t size = Be(inode, 56, 8);
  const size_t core = ForkStart(inode), end = ForkEnd(inode);
  if (Be(inode, 5, 1) != kFormatLocal || size == 0 || end < core || size > end - core)
    return *error = "the link's target is not kept in its inode", false;
  out->assign(inode, core, static_cast<size_t>(size));
  return true;
}

bool XfsVolume::ReadDir(uint64_t inum, std::vector<XfsDirEntry>* out, std::string* error) const {
  out->clear();
  std::string inode;
  if (!LoadInode(inum, &inode, error)) return false;
  const uint64_t size = Be(inode, 56, 8);
  const uint64_t format = Be(inode, 5, 1);
  const size_t core = ForkStart(inode), end = ForkEnd(inode);
  auto corrupt = [&](const char* what) {
    *error = "directory inode " + std::to_string(inum) + ": " + what;
    return false;
  };
  if (format == kFormatLocal) {  // short form: the entries in the inode
    if (end < core || size > end - core || size < 6) return corrupt("a short form past its inode");
    std::string_view sf(inode.data() + core, static_cast<size_t>(size));
    const uint64_t count = Be(sf, 0, 1);
    const size_t ino_bytes = Be(sf, 1, 1) ? 8 : 4;
    size_t at = 2 + ino_bytes;  // past the parent's number
    for (uint64_t i = 0; i < count; ++i) {
      if (at + 3 > sf.size()) return corrupt("a short-form entry past its end");
      const size_t name_len = static_cast<size_t>(Be(sf, at, 1));
      const size_t ino_at = at + 3 + name_len + (ftype_ ? 1 : 0);
      if (name_len == 0 || ino_at + ino_bytes > sf.size())
        return corrupt("a short-form entry past its end");
      out->push_back(
          {Be(sf, ino_at, static_cast<int>(ino_bytes)), std::string(sf.substr(at + 3, name_len))});
      at = ino_at + ino_bytes;
    }
    return true;
  }
  if (format != kFormatExtents && format != kFormatBtree) return corrupt("of an unknown format");
  if (size > kMaxDirBytes || size % dir_block_ != 0) return corrupt("a corrupt size");
  std::vector<FileExtent> pieces;
  if (!MapFork(inode, inum, std::min(size, kDirLeafOffset), &pieces, error)) return false;
  const size_t dir_block = static_cast<size_t>(dir_block_);
  const size_t header = v5_ ? 64 : 16;
  std::string data(dir_block, '\0');
  auto piece = pieces.begin();
  uint64_t piece_start = 0;  // the file offset where `piece` starts
  for (uint64_t block = 0; block + dir_block <= size; block += dir_block) {
    // One directory block, from however many pieces it lies across.
    for (size_t got = 0; got < dir_block;) {
      while (piece != pieces.end() && block + got >= piece_start + piece->length)
        piece_start += (piece++)->length;
      if (piece == pieces.end()) return corrupt("a block past its extents");
      const uint64_t in = block + got - piece_start;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(dir_block - got, piece->length - in));
      if (piece->zero)
        std::memset(data.data() + got, 0, n);
      else if (!read_(piece->offset + in, data.data() + got, n))
        return corrupt("a block that cannot be read");
      got += n;
    }
    std::string_view b(data.data(), dir_block);
    const uint64_t magic = Be(b, 0, 4);
    const bool single = magic == (v5_ ? kDirBlockMagicV5 : kDirBlockMagicV4);
    if (!single && magic != (v5_ ? kDirDataMagicV5 : kDirDataMagicV4)) {
      if (b.find_first_not_of('\0') == std::string_view::npos) continue;  // a hole
      return corrupt("a data block without its magic number");
    }
    size_t stop = b.size();
    if (single) {  // the block's leaf entries and tail follow its data entries
      const uint64_t leaves = Be(b, b.size() - 8, 4);
      if (leaves > (b.size() - header - 8) / 8) return corrupt("a block tail past its block");
      stop = b.size() - 8 - static_cast<size_t>(leaves) * 8;
    }
    for (size_t at = header; at + 8 <= stop;) {
      if (Be(b, at, 2) == kDirFreeTag) {  // unused space: its length follows the tag
        const size_t length = static_cast<size_t>(Be(b, at + 2, 2));
        if (length < 8 || length % 8 != 0) return corrupt("an unused entry of a corrupt length");
        at += length;
        continue;
      }
      const size_t name_len = static_cast<size_t>(Be(b, at + 8, 1));
      const size_t length = (8 + 1 + name_len + (ftype_ ? 1 : 0) + 2 + 7) / 8 * 8;
      if (name_len == 0 || at + length > stop) return corrupt("an entry past its block");
      std::string name(b.substr(at + 9, name_len));
      if (name != "." && name != "..") out->push_back({Be(b, at, 8), std::move(name)});
      at += length;
    }
  }
  return true;
}

}  // namespace ntpsweep::input
