// A gzip stream inflated with ISA-L (1.65x zlib's speed on the bench's rootfs.tar.gz) before
// libarchive sees it: libarchive then reads a plain stream where it would have run its zlib gzip
// filter. It does exactly what that filter does (libarchive 3.6/3.7): members one after another,
// the end at the first bytes that are not a gzip header (trailing zeros or garbage: silently),
// 64 KiB output blocks with the partial one dropped on an error, and the same error texts. One
// thing more: each member's trailer (CRC-32, size) is checked, and a mismatch kept in damage().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "input/stream.h"

struct inflate_state;

namespace ntpsweep::input {

class GzipSource : public ByteSource {
 public:
  // Null when `head` (the stream's first bytes) does not start with a gzip header libarchive's
  // gzip filter would accept: the caller then leaves the stream to libarchive as before.
  static std::unique_ptr<GzipSource> Open(ByteSource& inner, std::string_view head);
  // Made by Open only (the key is private): made otherwise, no header would have been checked.
  class Key {
    friend class GzipSource;
    Key() = default;
  };
  GzipSource(Key, ByteSource& inner);
  ~GzipSource() override;

  bool Next(std::string_view* block) override;
  // What the reader checks on the stream under it (a tar ending exactly at its end, a limit of
  // the parent) is about the compressed bytes, as when libarchive's filter read them.
  bool at_eof() const override { return inner_.at_eof(); }
  bool limited() const override { return inner_.limited(); }
  std::string error() const override { return error_; }
  ByteSource& inner() { return inner_; }
  // Compressed bytes read from the stream below so far (the ratio limit's denominator).
  uint64_t pulled() const { return pulled_; }
  // The first member whose trailer does not match what was inflated from it (its number, what
  // differs, how many more did), empty when none did: the data was handed on all the same.
  std::string damage() const;
  // Reads the stream again from its start (`inner` seeked back), as if just opened; false when
  // `inner` cannot seek there.
  bool Rewind();
  // Inflates on, unseen, to the stream's end (at most `max_bytes` more), so that the trailers a
  // reader stopped short of (a tar's end mark comes before the gzip trailer) are checked too.
  void ReadOn(uint64_t max_bytes);

  static constexpr size_t kOutBlock = 64u << 10;  // libarchive's gzip filter's block

 private:
  // Up to `n` bytes of input at the front of avail_ (fewer at the end). False on a read error.
  bool Ahead(size_t n);
  // The length of the gzip header at the front of the input, 0 when there is none.
  size_t HeaderLength();
  // False on a failure (error_ set); *out holds what was inflated before it.
  bool Fill(size_t* out);
  // Compares the member just inflated with its 8-byte trailer.
  void CheckTrailer(std::string_view trailer);

  ByteSource& inner_;
  std::unique_ptr<inflate_state> state_;
  std::unique_ptr<char[]> out_;
  std::string carry_;            // input bytes kept across the blocks of inner_ (a split header)
  std::string_view avail_;       // unread input: in inner_'s block or in carry_
  const char* block_ = nullptr;  // where the block avail_ is in begins
  uint64_t pulled_ = 0;
  bool inner_eof_ = false;
  bool in_member_ = false;
  bool eof_ = false;
  bool failed_ = false;
  std::string error_;
  uint64_t members_ = 0;  // gzip members begun
  uint64_t damaged_ = 0;  // members whose trailer did not match
  std::string damage_;    // what the first of them was
};

}  // namespace ntpsweep::input
