#include "input/tar_headers.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

namespace ntpsweep::input {
namespace {

constexpr size_t kBlock = 512;
// The data of a pax or GNU long-name header read here (libarchive takes up to 1 MiB): longer
// ones are handed back, so a forged size never makes this reader hold more.
constexpr uint64_t kMaxExtension = 64u << 10;

// ustar header fields (offset, length).
constexpr size_t kName = 0, kNameLen = 100;
constexpr size_t kSize = 124, kSizeLen = 12;
constexpr size_t kType = 156;
constexpr size_t kLink = 157, kLinkLen = 100;
constexpr size_t kMagic = 257, kMagicLen = 8;
constexpr size_t kPrefix = 345, kPrefixLen = 155;
// GNU header fields that make the data something else than the file's bytes: the first sparse
// map entry, the extended-map flag, the real size.
constexpr size_t kGnuSparse = 386, kGnuExtended = 482, kGnuRealSize = 483;

uint64_t PaddedSize(uint64_t size) {
  return (size + kBlock - 1) & ~uint64_t{kBlock - 1};
}

// A NUL-terminated field of at most `len` bytes.
std::string_view Field(std::string_view h, size_t at, size_t len) {
  std::string_view f = h.substr(at, len);
  return f.substr(0, f.find('\0'));
}

// A size field: octal, or base-256 as GNU tar writes it for 8 GiB and more (0x80, then a
// big-endian number; libarchive's reading of any other base-256 form is not ours to copy).
bool SizeField(std::string_view f, uint64_t* out) {
  if (!(static_cast<unsigned char>(f[0]) & 0x80)) return TarOctal(f, out);
  if (static_cast<unsigned char>(f[0]) != 0x80 || f[1] || f[2] || f[3] ||
      (static_cast<unsigned char>(f[4]) & 0x80))
    return false;
  uint64_t v = 0;
  for (size_t i = 4; i < f.size(); ++i) v = v << 8 | static_cast<unsigned char>(f[i]);
  *out = v;
  return true;
}

bool Decimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool Ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0 && c < 0x7f; });
}

// pax keys that change nothing a member is to the scan (times, owners, xattrs, ACLs).
bool IgnoredPaxKey(std::string_view key) {
  static constexpr std::array<std::string_view, 17> kKeys = {"atime",
                                                             "ctime",
                                                             "mtime",
                                                             "charset",
                                                             "comment",
                                                             "gid",
                                                             "gname",
                                                             "uid",
                                                             "uname",
                                                             "SCHILY.dev",
                                                             "SCHILY.ino",
                                                             "SCHILY.nlink",
                                                             "SCHILY.fflags",
                                                             "SCHILY.devmajor",
                                                             "SCHILY.devminor",
                                                             "SCHILY.acl.access",
                                                             "LIBARCHIVE.creationtime"};
  static constexpr std::array<std::string_view, 5> kPrefixes = {
      "LIBARCHIVE.xattr.", "SCHILY.xattr.", "SCHILY.acl.default", "realtime.", "security."};
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end() ||
         std::any_of(kPrefixes.begin(), kPrefixes.end(),
                     [&](std::string_view p) { return key.starts_with(p); });
}

struct PaxValues {
  bool has_path = false, has_link = false, has_size = false;
  std::string path, link;
  uint64_t size = 0;
};

// The records of a pax 'x' header ("<length> <key>=<value>\n"); false for anything malformed
// and any key that is not understood or harmless (hdrcharset, GNU.sparse.*, SCHILY.realsize...).
bool ParsePax(std::string_view body, PaxValues* pax) {
  if (body.find('\0') != std::string_view::npos) return false;  // libarchive stops there
  while (!body.empty()) {
    size_t space = body.find(' ');
    uint64_t length = 0;
    if (space == std::string_view::npos || !Decimal(body.substr(0, space), &length) ||
        length > body.size() || length < space + 3 || body[length - 1] != '\n')
      return false;
    std::string_view record = body.substr(space + 1, length - space - 2);
    size_t eq = record.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    std::string_view key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path" || key == "linkpath") {
      // Empty: libarchive keeps the ustar name; not ASCII: it goes through a charset conversion.
      if (value.empty() || !Ascii(value)) return false;
      (key == "path" ? pax->has_path : pax->has_link) = true;
      (key == "path" ? pax->path : pax->link) = std::string(value);
    } else if (key == "size") {
      if (!Decimal(value, &pax->size)) return false;
      pax->has_size = true;
    } else if (!IgnoredPaxKey(key)) {
      return false;
    }
    body.remove_prefix(static_cast<size_t>(length));
  }
  return true;
}

}  // namespace

bool TarOctal(std::string_view field, uint64_t* out) {
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  uint64_t v = 0;
  size_t digits = 0;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i, ++digits) {
    if (v >> 60) return false;
    v = v * 8 + static_cast<uint64_t>(field[i] - '0');
  }
  if (digits == 0 || (i < field.size() && field[i] != ' ' && field[i] != '\0')) return false;
  *out = v;
  return true;
}

bool TarChecksumOk(std::string_view h) {
  constexpr size_t kSum = 148, kSumLen = 8;
  if (h.size() != kBlock) return false;
  std::string_view field = h.substr(kSum, kSumLen);
  uint64_t stored = 0;
  if (!std::all_of(field.begin(), field.end(),
                   [](char c) { return c == ' ' || c == '\0' || (c >= '0' && c <= '7'); }) ||
      !TarOctal(field, &stored))
    return false;
  // The unsigned sum eight bytes at a time (four 16-bit lanes, at most 64 * 510 each): a byte
  // loop was a fifth of the reading thread on rootfs.tar.
  uint64_t lanes = 0;
  for (size_t i = 0; i < kBlock; i += 8) {
    uint64_t w;
    std::memcpy(&w, h.data() + i, sizeof w);
    constexpr uint64_t kLow = 0x00ff00ff00ff00ffULL;
    lanes += (w & kLow) + ((w >> 8) & kLow);
  }
  int64_t sum = static_cast<int64_t>((lanes & 0xffff) + (lanes >> 16 & 0xffff) +
                                     (lanes >> 32 & 0xffff) + (lanes >> 48));
  for (char c : field) sum += ' ' - static_cast<unsigned char>(c);  // counted as spaces
  if (static_cast<int64_t>(stored) == sum) return true;
  // Old BSD, Solaris and HP-UX tars summed signed bytes; libarchive takes that too.
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i)
    signed_sum += i >= kSum && i < kSum + kSumLen ? ' ' : static_cast<signed char>(h[i]);
  return static_cast<int64_t>(stored) == signed_sum;
}

bool TarBidTakes(std::string_view head) {
  if (head.size() < kBlock) return false;
  const char type = head[kType];
  if (type != 0 && !(type >= '0' && type <= '9') && !(type >= 'A' && type <= 'Z') &&
      !(type >= 'a' && type <= 'z'))
    return false;
  // mode, uid, gid, size, mtime, devmajor, devminor.
  static constexpr std::array<std::pair<size_t, size_t>, 7> kNumbers = {
      {{100, 8}, {108, 8}, {116, 8}, {kSize, kSizeLen}, {136, 12}, {329, 8}, {337, 8}}};
  for (const auto& [at, len] : kNumbers) {
    std::string_view f = head.substr(at, len);
    const unsigned char marker = static_cast<unsigned char>(f[0]);
    if (marker == 0x80 || marker == 0xff || marker == 0) continue;  // base-256, or empty
    size_t i = f.find_first_not_of(' ');
    while (i < f.size() && f[i] >= '0' && f[i] <= '7') ++i;
    if (i < f.size() &&
        f.find_first_not_of(std::string_view(" \0", 2), i) != std::string_view::npos)
      return false;
  }
  return true;
}

bool SourceTarBlocks::Take(size_t n, std::string_view* out) {
  if (n <= block_.size() - at_) {
    *out = block_.substr(at_, n);
    at_ += n;
    return true;
  }
  // Across blocks (a header never is in a tar file read in 64 KiB blocks from block offsets).
  carry_.assign(block_.substr(at_));
  at_ = block_.size();
  while (carry_.size() < n) {
    if (!Pull()) return false;
    at_ = std::min(n - carry_.size(), block_.size());
    carry_.append(block_.substr(0, at_));
  }
  *out = carry_;
  return true;
}

std::string_view SourceTarBlocks::Peek() {
  if (at_ == block_.size() && !Pull()) return {};
  return block_.substr(at_);
}

bool SourceTarBlocks::Data(uint64_t left, std::string_view* out) {
  if (at_ == block_.size() && !Pull()) return false;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(left, block_.size() - at_));
  *out = block_.substr(at_, n);
  at_ += n;
  return true;
}

bool SourceTarBlocks::SkipTo(uint64_t offset) {
  while (offset > block_start_ + block_.size()) {
    if (size_ == kUnknownSize) {
      if (!Pull()) return false;
      continue;
    }
    if (src_.Seek(static_cast<int64_t>(offset), SEEK_SET) < 0) return false;
    block_start_ = offset;
    block_ = {};
    at_ = 0;
    return true;
  }
  at_ = static_cast<size_t>(offset - block_start_);
  return true;
}

std::string SourceTarBlocks::error() const {
  if (!failed_) return "Truncated tar archive";
  std::string e = src_.error();
  return e.empty() ? "read error" : e;
}

bool SourceTarBlocks::Pull() {
  block_start_ += block_.size();
  block_ = {};
  at_ = 0;
  failed_ = !src_.Next(&block_);
  return !failed_ && !block_.empty();
}

TarStep ReadTarHeader(TarBlocks& in, TarHeader* out) {
  out->header_offset = in.position();
  std::string long_name, long_link;
  bool has_long_name = false, has_long_link = false, has_pax = false;
  PaxValues pax;
  for (int headers = 0;; ++headers) {
    std::string_view h;
    if (headers > 2 || !in.Take(kBlock, &h)) return TarStep::kHandBack;
    if (IsZeroBlock(h)) return headers == 0 ? TarStep::kEnd : TarStep::kHandBack;
    if (!TarChecksumOk(h)) return TarStep::kHandBack;
    const std::string_view magic = h.substr(kMagic, kMagicLen);
    const bool gnu = magic == std::string_view("ustar  \0", 8);
    if (!gnu && magic != std::string_view("ustar\0"
                                          "00",
                                          8))
      return TarStep::kHandBack;
    uint64_t size = 0;
    if (!SizeField(h.substr(kSize, kSizeLen), &size)) return TarStep::kHandBack;
    const char type = h[kType];
    if (type == 'x' || type == 'L' || type == 'K') {
      // One of each kind before a member, and pax not mixed with GNU's: as libarchive nests them.
      bool& seen = type == 'x' ? has_pax : type == 'L' ? has_long_name : has_long_link;
      if (seen || size > kMaxExtension || (type == 'x' ? has_long_name || has_long_link : has_pax))
        return TarStep::kHandBack;
      seen = true;
      std::string_view body;
      if (!in.Take(static_cast<size_t>(PaddedSize(size)), &body)) return TarStep::kHandBack;
      body = body.substr(0, static_cast<size_t>(size));
      if (type == 'x') {
        if (!ParsePax(body, &pax)) return TarStep::kHandBack;
      } else {
        (type == 'L' ? long_name : long_link) = std::string(body.substr(0, body.find('\0')));
      }
      continue;
    }
    TarHeader::Type kind;
    switch (type) {
      case '0':
      case '\0':
      case '7':
        kind = TarHeader::Type::kFile;
        break;
      case '1':
        kind = TarHeader::Type::kHardlink;
        break;
      case '2':
        kind = TarHeader::Type::kSymlink;
        break;
      case '5':
        kind = TarHeader::Type::kDir;
        break;
      case '3':
      case '4':
      case '6':
        kind = TarHeader::Type::kOther;
        break;
      default:
        return TarStep::kHandBack;  // sparse, multivolume, volume labels, unknown
    }
    if (gnu && (h[kGnuSparse] || h[kGnuExtended] || h[kGnuRealSize])) return TarStep::kHandBack;
    const bool link = kind == TarHeader::Type::kHardlink || kind == TarHeader::Type::kSymlink;
    // libarchive reads no data after these (a hard link's is a guess of its): sizes must be 0.
    if (kind != TarHeader::Type::kFile && size != 0) return TarStep::kHandBack;
    if (pax.has_size && pax.size != size) return TarStep::kHandBack;
    if (!link && (has_long_link || pax.has_link)) return TarStep::kHandBack;
    std::string_view prefix = gnu ? std::string_view() : Field(h, kPrefix, kPrefixLen);
    out->name.assign(prefix);
    if (!prefix.empty() && prefix.back() != '/') out->name += '/';
    out->name += Field(h, kName, kNameLen);
    out->link.assign(Field(h, kLink, kLinkLen));
    if (has_long_name) out->name = std::move(long_name);
    if (has_long_link) out->link = std::move(long_link);
    if (pax.has_path) out->name = std::move(pax.path);
    if (pax.has_link) out->link = std::move(pax.link);
    // A "file" named with a trailing '/' is a directory to libarchive.
    if (out->name.empty() || (kind == TarHeader::Type::kFile && out->name.back() == '/') ||
        (link && out->link.empty()))
      return TarStep::kHandBack;
    const uint64_t left = in.size() - std::min(in.size(), in.position());
    if (PaddedSize(size) > left || size > left) return TarStep::kHandBack;  // cut short
    out->type = kind;
    out->size = size;
    out->data_offset = in.position();
    return TarStep::kMember;
  }
}

bool IsZeroBlock(std::string_view h) {
  return std::all_of(h.begin(), h.end(), [](char c) { return c == '\0'; });
}

uint64_t DataPastTarEnd(TarBlocks& in) {
  constexpr int kTrailerBlocks = 128;  // 64 KiB: GNU tar and bsdtar pad to a 10 KiB record
  std::string_view block;
  for (int i = 0; i < kTrailerBlocks; ++i) {
    const uint64_t at = in.position();
    if (!in.Take(kBlock, &block)) return kNoDataPastTarEnd;
    if (!IsZeroBlock(block)) return at;
  }
  return kNoDataPastTarEnd;
}

}  // namespace ntpsweep::input
