// The jbd2 replay of input/ext_journal.cpp on journals laid out here byte by byte: what the
// kernel's recovery keeps (committed transactions, the latest write of a block, escaped blocks)
// and what it drops (revoked writes, an unfinished transaction, stale blocks of an older lap).
// tests/images_hardening_test.cpp checks whole images whose journals debugfs wrote.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "input/ext_journal.h"

using ntpsweep::input::ApplyJournal;
using ntpsweep::input::Ext4Extent;
using ntpsweep::input::JournalReplay;
using ntpsweep::input::ReadJournal;

namespace {

constexpr uint64_t kBlock = 1024;
constexpr uint64_t kJournalAt = 100;  // the journal's first block on the volume
constexpr uint64_t kJournalBlocks = 64;
constexpr uint32_t kMagic = 0xC03B3998;

void PutBe(std::string& s, size_t at, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8)
    s[at + static_cast<size_t>(i)] = static_cast<char>(v & 0xFF);
}

// A 200-block volume: block n filled with the letter 'a' + n % 26; the journal at blocks 100-163.
struct Volume {
  std::string bytes;
  uint64_t incompat;
  size_t tag_bytes;

  explicit Volume(uint64_t journal_incompat) : incompat(journal_incompat) {
    bytes.resize(200 * kBlock);
    for (uint64_t n = 0; n < 200; ++n)
      std::memset(&bytes[n * kBlock], 'a' + static_cast<int>(n % 26), kBlock);
    std::memset(&bytes[kJournalAt * kBlock], 0, kJournalBlocks * kBlock);
    const bool csum3 = incompat & 0x10, wide = incompat & 0x2;
    tag_bytes = csum3 ? 16 : wide ? 12 : 8;
  }
  char* Journal(uint64_t n) { return &bytes[(kJournalAt + n) * kBlock]; }
  void Header(uint64_t n, uint32_t type, uint32_t sequence) {
    std::memset(Journal(n), 0, kBlock);
    PutBe(bytes, (kJournalAt + n) * kBlock, kMagic, 4);
    PutBe(bytes, (kJournalAt + n) * kBlock + 4, type, 4);
    PutBe(bytes, (kJournalAt + n) * kBlock + 8, sequence, 4);
  }
  void Superblock(uint32_t sequence, uint32_t start, uint32_t maxlen = kJournalBlocks) {
    Header(0, 4, 0);
    const size_t at = kJournalAt * kBlock;
    PutBe(bytes, at + 0xC, kBlock, 4);
    PutBe(bytes, at + 0x10, maxlen, 4);
    PutBe(bytes, at + 0x14, 1, 4);  // s_first
    PutBe(bytes, at + 0x18, sequence, 4);
    PutBe(bytes, at + 0x1C, start, 4);
    PutBe(bytes, at + 0x28, incompat, 4);
  }
  struct Tag {
    uint64_t fs_block;
    uint32_t flags;
  };
  // A descriptor at journal block `n` listing `tags` (the last one flagged last), the uuid after
  // the first only, as jbd2 writes them.
  void Descriptor(uint64_t n, uint32_t sequence, std::vector<Tag> tags) {
    Header(n, 1, sequence);
    size_t at = (kJournalAt + n) * kBlock + 12;
    const bool csum3 = incompat & 0x10;
    for (size_t i = 0; i < tags.size(); ++i) {
      uint32_t flags = tags[i].flags | (i > 0 ? 0x2 : 0) | (i + 1 == tags.size() ? 0x8 : 0);
      PutBe(bytes, at, tags[i].fs_block & 0xFFFFFFFF, 4);
      if (csum3)
        PutBe(bytes, at + 4, flags, 4);
      else
        PutBe(bytes, at + 6, flags, 2);
      if (tag_bytes >= 12) PutBe(bytes, at + 8, tags[i].fs_block >> 32, 4);
      at += tag_bytes + (i == 0 ? 16 : 0);
    }
  }
  void Data(uint64_t n, char fill) { std::memset(Journal(n), fill, kBlock); }
  void Revoke(uint64_t n, uint32_t sequence, std::vector<uint64_t> blocks) {
    Header(n, 5, sequence);
    const size_t record = (incompat & 0x2) ? 8 : 4;
    PutBe(bytes, (kJournalAt + n) * kBlock + 12, 16 + record * blocks.size(), 4);
    for (size_t i = 0; i < blocks.size(); ++i)
      PutBe(bytes, (kJournalAt + n) * kBlock + 16 + record * i, blocks[i],
            static_cast<int>(record));
  }

  ntpsweep::input::Ext4Volume::ReadFn Reader() const {
    return [this](uint64_t off, char* buf, size_t len) {
      if (off + len > bytes.size()) return false;
      std::memcpy(buf, bytes.data() + off, len);
      return true;
    };
  }
  JournalReplay Replay(std::string* error) const {
    JournalReplay replay;
    std::vector<Ext4Extent> extents = {{0, kJournalAt, kJournalBlocks, false}};
    REQUIRE(ReadJournal(Reader(), kBlock, 200, extents, &replay, error));
    return replay;
  }
  // Volume block `n` as the replay shows it.
  std::string Block(const JournalReplay& replay, uint64_t n) const {
    std::string out = bytes.substr(n * kBlock, kBlock);
    REQUIRE(ApplyJournal(replay, Reader(), n * kBlock, out.data(), out.size()));
    return out;
  }
};

}  // namespace

TEST_CASE("ext journal: committed writes replayed, revoked and unfinished ones dropped",
          "[ext_journal]") {
  // Each tag layout: plain 32-bit, 64-bit, checksum v3.
  for (uint64_t incompat : {uint64_t{0}, uint64_t{0x2}, uint64_t{0x2 | 0x10}}) {
    CAPTURE(incompat);
    Volume v(incompat);
    v.Superblock(5, 1);
    // Transaction 5: blocks 10 (its first bytes were the magic: escaped), 11 and 12.
    v.Descriptor(1, 5, {{10, 0x1}, {11, 0}, {12, 0}});
    v.Data(2, 'X');
    v.Data(3, 'Y');
    v.Data(4, 'Z');
    v.Header(5, 2, 5);
    // Transaction 6: block 12 again (the later write wins), and a revoke of block 11.
    v.Descriptor(6, 6, {{12, 0}});
    v.Data(7, 'W');
    v.Revoke(8, 6, {11});
    v.Header(9, 2, 6);
    // Transaction 7: block 13, never committed.
    v.Descriptor(10, 7, {{13, 0}});
    v.Data(11, 'Q');
    std::string error;
    JournalReplay replay = v.Replay(&error);
    CHECK(replay.transactions == 2);
    CHECK(replay.blocks.size() == 2);
    std::string b10 = v.Block(replay, 10);
    CHECK(static_cast<unsigned char>(b10[0]) == 0xC0);
    CHECK(static_cast<unsigned char>(b10[3]) == 0x98);
    CHECK(b10.substr(4) == std::string(kBlock - 4, 'X'));
    CHECK(v.Block(replay, 11) == std::string(kBlock, 'a' + 11));  // revoked: the volume's own
    CHECK(v.Block(replay, 12) == std::string(kBlock, 'W'));
    CHECK(v.Block(replay, 13) == std::string(kBlock, 'a' + 13));  // unfinished: not replayed
    // A read across blocks 9-12 starting mid-block gets each piece from its own place.
    std::string across = v.bytes.substr(9 * kBlock + 1000, 2 * kBlock + 100);
    REQUIRE(ApplyJournal(replay, v.Reader(), 9 * kBlock + 1000, across.data(), across.size()));
    CHECK(across.substr(0, 24) == std::string(24, 'a' + 9));
    CHECK(static_cast<unsigned char>(across[24]) == 0xC0);
    CHECK(across.substr(28, kBlock - 4) == std::string(kBlock - 4, 'X'));
    CHECK(across.substr(24 + kBlock, 76) == std::string(76, 'a' + 11));
  }
}

TEST_CASE("ext journal: the log wraps from its end to its first block", "[ext_journal]") {
  Volume v(0);
  v.Superblock(9, 62);
  v.Descriptor(62, 9, {{20, 0}, {21, 0}});
  v.Data(63, 'M');
  v.Data(1, 'N');  // past s_maxlen: back to s_first
  v.Header(2, 2, 9);
  std::string error;
  JournalReplay replay = v.Replay(&error);
  CHECK(replay.transactions == 1);
  CHECK(v.Block(replay, 20) == std::string(kBlock, 'M'));
  CHECK(v.Block(replay, 21) == std::string(kBlock, 'N'));
}

TEST_CASE("ext journal: a clean journal, stale blocks and corrupt ones", "[ext_journal]") {
  std::string error;
  SECTION("s_start 0: clean, nothing replayed") {
    Volume v(0);
    v.Superblock(3, 0);
    v.Descriptor(1, 3, {{10, 0}});
    v.Header(3, 2, 3);
    CHECK(v.Replay(&error).blocks.empty());
  }
  SECTION("a committed transaction of an older lap after the log's end is not replayed") {
    Volume v(0);
    v.Superblock(3, 1);
    v.Descriptor(1, 3, {{10, 0}});
    v.Data(2, 'X');
    v.Header(3, 2, 3);
    v.Descriptor(4, 1, {{11, 0}});  // sequence 1: stale, the log ended before it
    v.Data(5, 'Y');
    v.Header(6, 2, 1);
    JournalReplay replay = v.Replay(&error);
    CHECK(replay.transactions == 1);
    CHECK(v.Block(replay, 10) == std::string(kBlock, 'X'));
    CHECK(v.Block(replay, 11) == std::string(kBlock, 'a' + 11));
  }
  SECTION("tags naming blocks past the volume are ignored") {
    Volume v(0x2);
    v.Superblock(3, 1);
    v.Descriptor(1, 3, {{uint64_t{1} << 40, 0}, {15, 0}});
    v.Data(2, 'X');
    v.Data(3, 'Y');
    v.Header(4, 2, 3);
    JournalReplay replay = v.Replay(&error);
    CHECK(replay.blocks.size() == 1);
    CHECK(v.Block(replay, 15) == std::string(kBlock, 'Y'));
  }
  SECTION("a superblock with a corrupt log area or block size is refused with the reason") {
    Volume v(0);
    v.Superblock(3, 70);  // start past s_maxlen
    JournalReplay replay;
    std::vector<Ext4Extent> extents = {{0, kJournalAt, kJournalBlocks, false}};
    CHECK_FALSE(ReadJournal(v.Reader(), kBlock, 200, extents, &replay, &error));
    CHECK(error == "the journal's superblock gives a corrupt log area");
    CHECK_FALSE(ReadJournal(v.Reader(), 4096, 200, extents, &replay, &error));
    v.Header(0, 1, 0);  // a descriptor where the superblock should be
    CHECK_FALSE(ReadJournal(v.Reader(), kBlock, 200, extents, &replay, &error));
    CHECK(error == "the journal has no superblock");
  }
  SECTION("a descriptor whose tags fill the whole log ends within one lap") {
    Volume v(0);
    v.Superblock(3, 1, 8);
    std::vector<Volume::Tag> tags;
    for (uint64_t b = 0; b < 60; ++b) tags.push_back({30 + b, 0});
    v.Descriptor(1, 3, tags);
    JournalReplay replay = v.Replay(&error);  // no commit found: nothing, and it returns
    CHECK(replay.blocks.empty());
  }
}
