#include "input/ext_journal.h"

#include <algorithm>
#include <utility>

#include "input/byte_order.h"

namespace ntpsweep::input {
namespace {

constexpr uint64_t kJournalMagic = 0xC03B3998;
enum : uint64_t {
  kDescriptor = 1,
  kCommit = 2,
  kSuperblockV1 = 3,
  kSuperblockV2 = 4,
  kRevoke = 5,
};
constexpr uint64_t kIncompat64Bit = 0x2, kIncompatCsumV2 = 0x8, kIncompatCsumV3 = 0x10,
                   kIncompatFastCommit = 0x20;
constexpr uint64_t kTagEscaped = 0x1, kTagSameUuid = 0x2, kTagLast = 0x8;
constexpr uint64_t kDefaultFastCommitBlocks = 256;  // the kernel's when s_num_fc_blks is 0

struct Tag {
  uint64_t fs_block, journal_block;
  bool escaped;
};

struct Transaction {
  uint32_t sequence;
  std::vector<Tag> tags;
  std::vector<uint64_t> revoked;
};

// True when transaction `a` is `b` or later, sequence numbers wrapping as the kernel's do.
bool SameOrLater(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) >= 0;
}

}  // namespace

bool ReadJournal(const Ext4Volume::ReadFn& read, uint64_t block_size, uint64_t volume_blocks,
                 const std::vector<Ext4Extent>& journal, JournalReplay* out, std::string* error) {
  *out = {};
  out->block_size = block_size;
  // The journal's logical block `n` as a byte offset on the volume; false when unmapped.
  auto locate = [&](uint64_t n, uint64_t* at) {
    auto it =
        std::upper_bound(journal.begin(), journal.end(), n,
                         [](uint64_t b, const Ext4Extent& e) { return b < e.logical + e.count; });
    if (it == journal.end() || n < it->logical || it->zero) return false;
    *at = (it->physical + (n - it->logical)) * block_size;
    return true;
  };
  std::string buf(static_cast<size_t>(block_size), '\0');
  auto read_block = [&](uint64_t n) {
    uint64_t at = 0;
    return locate(n, &at) && read(at, buf.data(), buf.size());
  };
  if (block_size < 1024 || !read_block(0))
    return *error = "cannot read the journal's superblock", false;
  const uint64_t type = Be(buf, 4, 4);
  if (Be(buf, 0, 4) != kJournalMagic || (type != kSuperblockV1 && type != kSuperblockV2))
    return *error = "the journal has no superblock", false;
  if (Be(buf, 0xC, 4) != block_size)
    return *error = "the journal's block size is not the file system's", false;
  const uint64_t incompat = type == kSuperblockV2 ? Be(buf, 0x28, 4) : 0;
  const uint64_t first = Be(buf, 0x14, 4), start = Be(buf, 0x1C, 4);
  uint32_t sequence = static_cast<uint32_t>(Be(buf, 0x18, 4));
  uint64_t last = Be(buf, 0x10, 4);  // s_maxlen, less the fast-commit area
  if (incompat & kIncompatFastCommit) {
    out->fast_commit = true;
    const uint64_t fc = Be(buf, 0x54, 4);
    last -= std::min(last, fc ? fc : kDefaultFastCommitBlocks);
  }
  if (start == 0) return true;  // clean: nothing to replay
  if (first == 0 || first >= last || start < first || start >= last)
    return *error = "the journal's superblock gives a corrupt log area", false;
  const bool wide = incompat & kIncompat64Bit;
  const bool csum3 = incompat & kIncompatCsumV3, csum2 = incompat & kIncompatCsumV2;
  const size_t tag_bytes = csum3 ? 16 : (csum2 ? 2 : 0) + (wide ? 12 : 8);
  const size_t usable = buf.size() - (csum2 || csum3 ? 4 : 0);  // a checksum tail ends the block
  auto next = [&](uint64_t n) { return n + 1 >= last ? first : n + 1; };

  std::vector<Transaction> committed;
  Transaction current{sequence, {}, {}};
  uint64_t block = start;
  // One lap of the log at most: a corrupt journal must not loop.
  for (uint64_t steps = 0; steps < last - first; ++steps, block = next(block)) {
    if (!read_block(block) || Be(buf, 0, 4) != kJournalMagic || Be(buf, 8, 4) != sequence)
      break;  // the end of the log
    const uint64_t kind = Be(buf, 4, 4);
    if (kind == kDescriptor) {
      for (size_t at = 12; at + tag_bytes <= usable;) {
        uint64_t fs_block = Be(buf, at, 4);
        const uint64_t flags = csum3 ? Be(buf, at + 4, 4) : Be(buf, at + 6, 2);
        if (wide) fs_block |= Be(buf, at + 8, 4) << 32;
        at += tag_bytes + ((flags & kTagSameUuid) ? 0 : 16);
        block = next(block);
        ++steps;
        current.tags.push_back({fs_block, block, (flags & kTagEscaped) != 0});
        if (flags & kTagLast) break;
      }
    } else if (kind == kCommit) {
      committed.push_back(std::move(current));
      current = Transaction{++sequence, {}, {}};
    } else if (kind == kRevoke) {
      const size_t used = static_cast<size_t>(std::min<uint64_t>(Be(buf, 12, 4), buf.size()));
      const size_t record = wide ? 8 : 4;
      for (size_t at = 16; at + record <= used; at += record)
        current.revoked.push_back(Be(buf, at, static_cast<int>(record)));
    } else {
      break;
    }
  }
  // The latest transaction revoking each block: its writes in that one and earlier are void.
  std::map<uint64_t, uint32_t> revoked;
  for (const Transaction& t : committed)
    for (uint64_t b : t.revoked) {
      auto [it, added] = revoked.emplace(b, t.sequence);
      if (!added && SameOrLater(t.sequence, it->second)) it->second = t.sequence;
    }
  for (const Transaction& t : committed) {
    for (const Tag& tag : t.tags) {
      if (tag.fs_block >= volume_blocks) continue;
      auto r = revoked.find(tag.fs_block);
      if (r != revoked.end() && SameOrLater(r->second, t.sequence)) continue;
      uint64_t at = 0;
      if (!locate(tag.journal_block, &at))
        return *error = "a journal block outside the journal's extents", false;
      out->blocks[tag.fs_block] = {at, tag.escaped};
    }
  }
  out->transactions = committed.size();
  return true;
}

bool ApplyJournal(const JournalReplay& replay, const Ext4Volume::ReadFn& read, uint64_t off,
                  char* buf, size_t len) {
  if (len == 0 || replay.blocks.empty()) return true;
  const uint64_t bs = replay.block_size, end = off + len;
  for (auto it = replay.blocks.lower_bound(off / bs);
       it != replay.blocks.end() && it->first * bs < end; ++it) {
    const uint64_t block_at = it->first * bs;
    const uint64_t from = std::max(off, block_at), to = std::min(end, block_at + bs);
    if (!read(it->second.at + (from - block_at), buf + (from - off),
              static_cast<size_t>(to - from)))
      return false;
    if (it->second.escaped)
      for (uint64_t b = from; b < std::min(to, block_at + 4); ++b)
        buf[b - off] = static_cast<char>((kJournalMagic >> (8 * (3 - (b - block_at)))) & 0xFF);
  }
  return true;
}

}  // namespace ntpsweep::input
