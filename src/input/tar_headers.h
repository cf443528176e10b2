// The headers of an uncompressed tar read without libarchive (ustar, GNU and pax: 512-byte
// blocks, octal and base-256 sizes, the checksum, pax path/linkpath/size, GNU L/K long names),
// for the reading thread of a plain tar file (input/archive.cpp), where libarchive's header
// parsing was a quarter of its instructions. It gives back only what it fully understands the
// way libarchive would; anything else (a bad checksum, sparse members, unknown type flags or pax
// keys, a file cut short...) is kHandBack, and the caller reads the archive with libarchive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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
  // The size of the whole tar.
  virtual uint64_t size() const = 0;
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

enum class TarStep : uint8_t {
  kMember,    // `*out` is the next member; its data (size, padded to 512) lies whole in the tar
  kEnd,       // a zero block: the end of the archive
  kHandBack,  // not understood the way libarchive would read it: read the archive with it
};

// An unsigned octal tar field (leading spaces, digits, then a space, a NUL or the field's end).
bool TarOctal(std::string_view field, uint64_t* out);
// Whether the 512-byte header `h` has a sound checksum, unsigned or signed as libarchive takes it.
bool TarChecksumOk(std::string_view h);

// Reads the headers at `in`'s position (a header boundary). On kMember `in` is at its data.
TarStep ReadTarHeader(TarBlocks& in, TarHeader* out);

}  // namespace ntpsweep::input
