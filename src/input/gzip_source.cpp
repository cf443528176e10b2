#include "input/gzip_source.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace ntpsweep::input {
namespace {

// The gzip header at the front of `in`: its length, 0 when there is none or it is cut short.
// libarchive's peek_at_header, which its gzip filter bids and reads members with: method 8, no
// reserved flag, FEXTRA/FNAME/FCOMMENT/FHCRC skipped (the header CRC is not checked).
size_t GzipHeaderLength(std::string_view in) {
  if (in.size() < 10 || std::memcmp(in.data(), "\x1f\x8b\x08", 3) != 0) return 0;
  auto flags = static_cast<unsigned char>(in[3]);
  if (flags & 0xE0) return 0;
  size_t len = 10;
  if (flags & 0x04) {
    if (in.size() < len + 2) return 0;
    len += 2 + (static_cast<unsigned char>(in[len]) | static_cast<unsigned char>(in[len + 1]) << 8);
  }
  for (unsigned char zero_ended : {0x08, 0x10}) {  // the name, the comment
    if (!(flags & zero_ended)) continue;
    if (len >= in.size()) return 0;
    size_t nul = in.find('\0', len);
    if (nul == std::string_view::npos) return 0;
    len = nul + 1;
  }
  if (flags & 0x02) len += 2;
  return len <= in.size() ? len : 0;
}

// The longest header that is looked for across blocks before it is said not to be one: the
// name and comment are unbounded in the format, this bounds what one stream makes us hold.
constexpr size_t kMaxHeader = 16u << 20;

}  // namespace

std::unique_ptr<GzipSource> GzipSource::Open(ByteSource& inner, std::string_view head) {
  // `head` is at most kSniffBytes: a longer header (a long name) is left to libarchive.
  if (GzipHeaderLength(head) == 0) return nullptr;
  return std::make_unique<GzipSource>(Key{}, inner);
}

GzipSource::GzipSource(Key, ByteSource& inner)
    : inner_(inner),
      // Not zeroed: isal_inflate_init sets what a member needs, and zeroing its ~87 KiB cost a
      // disk image's reading thread 218M instructions for 2,504 .gz files.
      state_(std::make_unique_for_overwrite<inflate_state>()),
      out_(std::make_unique_for_overwrite<char[]>(kOutBlock)) {}

GzipSource::~GzipSource() = default;

bool GzipSource::Ahead(size_t n) {
  while (avail_.size() < n && !inner_eof_) {
    bool joined = !avail_.empty();
    // inner_ reuses its buffer: what is left of the current block is kept first.
    if (joined && !(avail_.data() == carry_.data() && avail_.size() == carry_.size())) {
      std::string rest(avail_);
      carry_ = std::move(rest);
    }
    std::string_view b;
    if (!inner_.Next(&b)) return false;
    pulled_ += b.size();
    if (b.empty()) inner_eof_ = true;
    if (joined) carry_.append(b.data(), b.size());
    avail_ = joined ? std::string_view(carry_) : b;
    block_ = avail_.data();
  }
  return true;
}

size_t GzipSource::HeaderLength() {
  // As libarchive reads it: 10 bytes, then more while a name or comment has not ended.
  for (size_t want = 10;;) {
    if (!Ahead(want)) return 0;  // a read error where a header may be: the end, as for libarchive
    size_t len = GzipHeaderLength(avail_);
    if (len) return len;
    if (avail_.size() < want || avail_.size() >= kMaxHeader) return 0;
    // Not a header yet: ended too early, or the name or comment goes on past what is held.
    if (avail_.size() < 10 || std::memcmp(avail_.data(), "\x1f\x8b\x08", 3) != 0 ||
        (static_cast<unsigned char>(avail_[3]) & 0xE0))
      return 0;
    want = avail_.size() * 2;  // doubling: a long name is scanned a bounded number of times
  }
}

bool GzipSource::Fill(size_t* out) {
  *out = 0;
  while (*out < kOutBlock && !eof_) {
    if (!in_member_) {
      size_t len = HeaderLength();
      if (len == 0) {
        eof_ = true;
        break;
      }
      avail_.remove_prefix(len);
      isal_inflate_init(state_.get());
      // ISA-L keeps the CRC-32 of what it inflates (state->crc), checked against the trailer here.
      state_->crc_flag = ISAL_GZIP_NO_HDR;
      in_member_ = true;
      ++members_;
    }
    if (avail_.empty() && !Ahead(1)) {
      error_ = "truncated gzip input";
      return false;
    }
    inflate_state& s = *state_;
    size_t before = *out;
    s.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(avail_.data()));
    s.avail_in = static_cast<uint32_t>(std::min<size_t>(avail_.size(), UINT32_MAX));
    s.next_out = reinterpret_cast<uint8_t*>(out_.get() + *out);
    s.avail_out = static_cast<uint32_t>(kOutBlock - *out);
    int r = isal_inflate(&s);
    avail_.remove_prefix(
        static_cast<size_t>(s.next_in - reinterpret_cast<const uint8_t*>(avail_.data())));
    *out = static_cast<size_t>(reinterpret_cast<char*>(s.next_out) - out_.get());
    if (r < 0) {
      error_ = "gzip decompression failed";
      return false;
    }
    // Out of input: ISA-L may still hold the last bits of the member (it reads ahead), else the
    // stream was cut.
    if (inner_eof_ && avail_.empty() && *out == before && s.block_state != ISAL_BLOCK_FINISH) {
      error_ = "truncated gzip input";
      return false;
    }
    if (s.block_state != ISAL_BLOCK_FINISH) continue;
    in_member_ = false;
    // ISA-L reads ahead whole bytes into its bit buffer: those past the deflate data go back.
    size_t back = static_cast<size_t>(s.read_in_length) / 8;
    if (back) {
      uint64_t bits = s.read_in >> (s.read_in_length % 8);
      char bytes[8];
      std::memcpy(bytes, &bits, sizeof bytes);  // little-endian: the next byte is the lowest
      if (static_cast<size_t>(avail_.data() - block_) >= back &&
          std::memcmp(avail_.data() - back, bytes, back) == 0) {
        avail_ = std::string_view(avail_.data() - back, avail_.size() + back);
      } else {  // they came from an earlier block
        std::string rest(bytes, back);
        rest.append(avail_.data(), avail_.size());
        carry_ = std::move(rest);
        avail_ = carry_;
        block_ = carry_.data();
      }
    }
    // The 8-byte trailer (CRC-32, size mod 2^32), which libarchive skips unchecked.
    if (!Ahead(8)) {
      std::string e = inner_.error();
      error_ = e.empty() ? "read error" : e;
      return false;
    }
    if (avail_.size() < 8) {
      error_.clear();  // libarchive's filter fails here without a message of its own
      return false;
    }
    CheckTrailer(avail_.substr(0, 8));
    avail_.remove_prefix(8);
  }
  return true;
}

void GzipSource::CheckTrailer(std::string_view trailer) {
  auto le32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i)
      v |= uint32_t{static_cast<unsigned char>(trailer[at + i])} << (8 * i);
    return v;
  };
  const uint32_t crc = le32(0), size = le32(4);
  const inflate_state& s = *state_;
  if (crc == s.crc && size == s.total_out) return;  // total_out wraps as ISIZE does
  if (++damaged_ > 1) return;
  auto hex = [](uint32_t v) {
    char b[11];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return std::string(b);
  };
  damage_ = "gzip member " + std::to_string(members_) + ": ";
  if (crc != s.crc)
    damage_ +=
        "its CRC-32 does not match its data (stored " + hex(crc) + ", inflated " + hex(s.crc) + ")";
  else
    damage_ += "its stored size (" + std::to_string(size) +
               " bytes mod 2^32) does not match its inflated " + std::to_string(s.total_out) +
               " bytes";
}

std::string GzipSource::damage() const {
  if (damaged_ <= 1) return damage_;
  return damage_ + " (and " + std::to_string(damaged_ - 1) + " more damaged member" +
         (damaged_ > 2 ? "s" : "") + ")";
}

bool GzipSource::Rewind() {
  if (inner_.Seek(0, SEEK_SET) != 0) return false;
  carry_.clear();
  avail_ = {};
  block_ = nullptr;
  pulled_ = 0;
  inner_eof_ = in_member_ = eof_ = failed_ = false;
  error_.clear();
  members_ = damaged_ = 0;
  damage_.clear();
  return true;
}

void GzipSource::ReadOn(uint64_t max_bytes) {
  std::string_view block;
  for (uint64_t read = 0; read <= max_bytes && Next(&block) && !block.empty();)
    read += block.size();
}

bool GzipSource::Next(std::string_view* block) {
  *block = {};
  if (failed_) return false;
  size_t n = 0;
  if (!Fill(&n)) {
    failed_ = true;  // the partial block is dropped, as libarchive's filter drops it
    return false;
  }
  *block = std::string_view(out_.get(), n);
  return true;
}

}  // namespace ntpsweep::input
