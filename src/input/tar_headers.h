// The headers of a tar read without libarchive (ustar, GNU and pax: 512-byte blocks, octal and
// base-256 sizes, the checksum, pax path/linkpath/size, GNU L/K long names), for the reading
// thread of a plain tar file or of a tar decompressed on our side (input/archive.cpp), where
// libarchive's header parsing was a quarter of its instructions. It gives back only what it fully
// understands the way libarchive would; anything else (a bad checksum, sparse members, unknown
// type flags or pax keys, a file cut short...) is kHandBack, and the caller reads the archive
// with libarchive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "input/stream.h"

namespace ntpsweep::input {

// One member as its headers describe it.
struct TarHeader {
  enum class Type : uint8_t { kFile, kHardlink, kSymlink, kDir, kOther };
  Type type = Type::kFile;
  std::string name;   // as stored: pax path, else GNU long name, else [ustar prefix '/'] name
  std::string link;   // a hard or symbolic link's target
  uint64_t size = 0;  // the data after the headers (0 for all but kFile)
  uint64_t header_offset = 0;  // where its first header (pax or GNU long name) starts
  uint64_t data_offset = 0;    // where its data starts: the end of its headers
};

// The tar's bytes as the header reader takes them.
class TarBlocks {
 public:
  virtual ~TarBlocks() = default;
  // The next `n` bytes, contiguous, valid until the next call; false when fewer are left or a
  // read failed.
  virtual bool Take(size_t n, std::string_view* out) = 0;
  // The offset of the next byte Take gives.
  virtual uint64_t position() const = 0;
  // The size of the whole tar, kUnknownSize for a stream (a member cut short is then found as
  // its data is read, as libarchive finds it).
  virtual uint64_t size() const = 0;
  static constexpr uint64_t kUnknownSize = UINT64_MAX;
};

// A tar held in memory (tests, the fuzz target).
class MemoryTarBlocks : public TarBlocks {
 public:
  explicit MemoryTarBlocks(std::string_view tar) : tar_(tar) {}
  bool Take(size_t n, std::string_view* out) override {
    if (n > tar_.size() - at_) return false;
    *out = tar_.substr(at_, n);
    at_ += n;
    return true;
  }
  uint64_t position() const override { return at_; }
  uint64_t size() const override { return tar_.size(); }
  void Seek(size_t offset) { at_ = offset < tar_.size() ? offset : tar_.size(); }

 private:
  std::string_view tar_;
  size_t at_ = 0;
};

// A tar read through a ByteSource, for ReadTarHeader and for its members' data: an uncompressed
// file of a known size (what is not read is passed by a seek), or a decompressed stream of
// kUnknownSize (read on).
class SourceTarBlocks : public TarBlocks {
 public:
  SourceTarBlocks(ByteSource& src, uint64_t size) : src_(src), size_(size) {}
  bool Take(size_t n, std::string_view* out) override;
  uint64_t position() const override { return block_start_ + at_; }
  uint64_t size() const override { return size_; }
  // What the block held has left, the first block read if none is (nothing is taken): the
  // stream's head, before its first header.
  std::string_view Peek();
  // The next piece of a member's data, at most `left` bytes; false at a read error or an end
  // of the bytes before it (a file that shrank since its headers were read, a stream cut short).
  bool Data(uint64_t left, std::string_view* out);
  // Moves on to `offset` (not before the position): in the block held, else by a seek (a file)
  // or by reading on (a stream).
  bool SkipTo(uint64_t offset);
  // Why Data or SkipTo failed, in libarchive's words: its tar reader's at an end, the source's
  // error at a failed read (none when the source gave none: libarchive then has none either).
  std::string error() const;

 private:
  bool Pull();

  ByteSource& src_;
  uint64_t size_;
  std::string_view block_;
  uint64_t block_start_ = 0;  // the tar offset of block_
  size_t at_ = 0;
  bool failed_ = false;  // a read of src_ failed (not: it ended)
  std::string carry_;
};

enum class TarStep : uint8_t {
  kMember,    // `*out` is the next member; its data (size, padded to 512) lies whole in the tar
  kEnd,       // a zero block: the end of the archive
  kHandBack,  // not understood the way libarchive would read it: read the archive with it
};

// An unsigned octal tar field (leading spaces, digits, then a space, a NUL or the field's end).
bool TarOctal(std::string_view field, uint64_t* out);
// Whether the 512-byte header `h` has a sound checksum, unsigned or signed as libarchive takes it.
bool TarChecksumOk(std::string_view h);

// Whether libarchive's tar bidder takes `head`, an archive's first bytes, beyond the checksum and
// magic ReadTarHeader checks: a type flag that is NUL, a digit or a letter, and number fields
// (mode, ids, size, time, device) in octal or base-256; a tar it does not take is no tar to it.
bool TarBidTakes(std::string_view head);

// Reads the headers at `in`'s position (a header boundary). On kMember `in` is at its data.
TarStep ReadTarHeader(TarBlocks& in, TarHeader* out);

bool IsZeroBlock(std::string_view h);

// Past a tar's first zero block (ReadTarHeader's kEnd): the offset of the first block that is not
// zeros among the next 64 KiB, or kNoDataPastTarEnd. Such a block is what tar and libarchive
// never read: a lone zero block amid members, or archives concatenated (tar --ignore-zeros).
uint64_t DataPastTarEnd(TarBlocks& in);
constexpr uint64_t kNoDataPastTarEnd = UINT64_MAX;

}  // namespace ntpsweep::input
