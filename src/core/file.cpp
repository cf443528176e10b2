#include "core/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/fd.h"

namespace ntpsweep {

bool LooksBinary(std::string_view data) {
  return data.substr(0, kSniffBytes).find('\0') != std::string_view::npos;
}

namespace {

// The header of a Group Policy registry file (Registry.pol), "PReg" and version 1.
constexpr std::string_view kPolicyHeader("PReg\x01\x00\x00\x00", 8);

}  // namespace

Utf16 Utf16Bom(std::string_view data) {
  if (data.starts_with(kPolicyHeader)) return Utf16::kLittleEndian;
  if (data.size() < 2) return Utf16::kNone;
  auto b0 = static_cast<unsigned char>(data[0]), b1 = static_cast<unsigned char>(data[1]);
  if (b0 == 0xFF && b1 == 0xFE) return Utf16::kLittleEndian;
  if (b0 == 0xFE && b1 == 0xFF) return Utf16::kBigEndian;
  // Without a BOM: at least 8 units of the first 512 bytes, each a NUL after a text byte.
  size_t n = std::min<size_t>(data.size(), 512) & ~size_t{1};
  if (n < 16) return Utf16::kNone;
  for (size_t i = 0; i < n; i += 2) {
    auto c = static_cast<unsigned char>(data[i]);
    if (data[i + 1] != '\0' || c == 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
      return Utf16::kNone;
  }
  return Utf16::kBareLittleEndian;
}

namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 sequence of 2 to 4 bytes at s[i], or 0.
size_t Utf8Sequence(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = b >= 0xC2 && b <= 0xDF   ? 2
             : b >= 0xE0 && b <= 0xEF ? 3
             : b >= 0xF0 && b <= 0xF4 ? 4
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}

}  // namespace

size_t Utf8BomLength(std::string_view data) {
  return data.starts_with("\xEF\xBB\xBF") ? 3 : 0;
}

std::string_view TextOf(std::string_view data, std::string* decoded) {
  Utf16 bom = Utf16Bom(data);
  if (bom == Utf16::kNone) return data.substr(Utf8BomLength(data));
  const bool big = bom == Utf16::kBigEndian, policy = data.starts_with(kPolicyHeader);
  decoded->clear();
  decoded->reserve(data.size());
  auto unit = [&](size_t i) -> uint32_t {
    auto a = static_cast<unsigned char>(data[i]), b = static_cast<unsigned char>(data[i + 1]);
    return big ? (a << 8 | b) : (b << 8 | a);
  };
  // Appends the units of data[from, to) as UTF-8.
  auto append = [&](size_t from, size_t to) {
    for (size_t i = from; i + 1 < to; i += 2) {
      uint32_t u = unit(i);
      // A policy file's NULs and binary fields must not reach a report as control bytes.
      if (policy && u < 0x20 && u != '\t') u = ' ';
      if (u >= 0xD800 && u <= 0xDBFF && i + 3 < to && unit(i + 2) >= 0xDC00 &&
          unit(i + 2) <= 0xDFFF) {
        AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (unit(i + 2) - 0xDC00), decoded);
        i += 2;
      } else {
        AppendUtf8(u >= 0xD800 && u <= 0xDFFF ? 0xFFFD : u, decoded);
      }
    }
  };
  if (!policy) {
    append(bom == Utf16::kBareLittleEndian ? 0 : 2, data.size());
    return *decoded;
  }
  // Registry.pol entries, [key;value;type;size;data] with NUL-ended UTF-16LE names and DWORDs:
  // each becomes the line "[key;value;text]", where text is a string value's data (REG_SZ,
  // REG_EXPAND_SZ, REG_MULTI_SZ) and nothing for other types, whatever their length.
  auto string_end = [&](size_t from) {  // index of the NUL unit ending the string at `from`
    size_t i = from;
    while (i + 1 < data.size() && unit(i) != 0) i += 2;
    return i;
  };
  auto dword = [&](size_t i) { return unit(i) | unit(i + 2) << 16; };
  auto at = [&](size_t i, char c) { return i + 1 < data.size() && unit(i) == uint32_t(c); };
  size_t p = kPolicyHeader.size();
  while (at(p, '[')) {
    size_t key_end = string_end(p + 2);
    if (!at(key_end + 2, ';')) break;
    size_t value_end = string_end(key_end + 4);
    const size_t body = value_end + 16;  // ";" type ";" size ";" after the value's NUL
    if (body > data.size() || !at(value_end + 2, ';') || !at(value_end + 8, ';') ||
        !at(value_end + 14, ';'))
      break;
    uint32_t type = dword(value_end + 4), size = dword(value_end + 10);
    if (size > data.size() - body || !at(body + size, ']')) break;
    append(p, key_end);
    decoded->push_back(';');
    append(key_end + 4, value_end);
    decoded->push_back(';');
    if (type == 1 || type == 2 || type == 7) {
      size_t text_end = body + size;
      while (text_end >= body + 2 && unit(text_end - 2) == 0) text_end -= 2;
      append(body, text_end);
    }
    decoded->append("]\n");
    p = body + size + 2;
  }
  append(p, data.size());  // a damaged rest, as it comes
  return *decoded;
}

size_t TextBeforeNul(std::string_view head) {
  size_t nul = head.find('\0');
  if (nul == std::string_view::npos) return head.size();
  std::string_view text = head.substr(0, nul);
  if (text.find('\n') == std::string_view::npos) return 0;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
    } else if (c == '\n' || c == '\r' || c == '\t' || c == '\f') {
      ++i;
    } else if (size_t n = Utf8Sequence(text, i)) {
      i += n;
    } else {
      return 0;
    }
  }
  return nul;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return false;  // reads as empty otherwise
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buf;
  buf << in.rdbuf();
  *out = std::move(buf).str();
  return true;
}

void ReadBuffer::Reserve(size_t size, size_t keep) {
  if (size <= capacity_) return;
  size_t grown = std::max(size, capacity_ * 2);
  // make_unique_for_overwrite: the bytes are left as they are, for the read to fill.
  auto bigger = std::make_unique_for_overwrite<char[]>(grown);
  if (keep) std::memcpy(bigger.get(), bytes_.get(), std::min(keep, capacity_));
  bytes_ = std::move(bigger);
  capacity_ = grown;
  prefaulted_ = std::min(keep, capacity_);
}

ReadBuffer ReadBufferPool::Take() {
  std::lock_guard lock(mu_);
  if (spare_.empty()) return ReadBuffer();
  ReadBuffer buffer = std::move(spare_.back());
  spare_.pop_back();
  return buffer;
}

void ReadBufferPool::GiveBack(ReadBuffer buffer, size_t keep_up_to) {
  if (buffer.capacity() > keep_up_to) return;
  std::lock_guard lock(mu_);
  spare_.push_back(std::move(buffer));
}

void ReadBufferPool::Clear() {
  std::vector<ReadBuffer> spare;
  std::lock_guard lock(mu_);
  spare.swap(spare_);
}

void ReadBuffer::Prefault(size_t size) {
  size = std::min(size, capacity_);
  if (size <= prefaulted_) return;
  // Worth a system call only for many pages; a few fault in as the read writes them.
  constexpr size_t kMinBytes = 64u << 10;
  static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  if (size - prefaulted_ >= kMinBytes) {
    auto begin = reinterpret_cast<uintptr_t>(bytes_.get() + prefaulted_);
    auto end = reinterpret_cast<uintptr_t>(bytes_.get() + size);
    begin = (begin + page - 1) & ~(page - 1);  // whole pages of this buffer only
    end &= ~(page - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
  }
  prefaulted_ = size;
}

size_t PreadFull(int fd, uint64_t offset, char* out, size_t len, int* error_number) {
  *error_number = 0;
  size_t got = 0;
  while (got < len) {
    ssize_t n = pread(fd, out + got, len - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) *error_number = errno;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

bool ReadFileRange(int fd, uint64_t offset, size_t size, ReadBuffer* storage,
                   std::string_view* data, std::string* error) {
  storage->Reserve(size);
  storage->Prefault(size);
  int error_number = 0;
  const size_t got = PreadFull(fd, offset, storage->data(), size, &error_number);
  *data = std::string_view(storage->data(), got);
  if (got == size) return true;
  *error = error_number ? std::strerror(error_number) : "the file ends inside it";
  return false;
}

bool ReadFileExtents(int fd, const std::vector<FileExtent>& extents, size_t size,
                     ReadBuffer* storage, std::string_view* data, std::string* error) {
  storage->Reserve(size);
  storage->Prefault(size);
  size_t got = 0;
  int error_number = 0;
  for (const FileExtent& e : extents) {
    if (got >= size) break;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(e.length, size - got));
    if (e.zero) {
      std::memset(storage->data() + got, 0, want);
      got += want;
      continue;
    }
    const size_t n = PreadFull(fd, e.offset, storage->data() + got, want, &error_number);
    got += n;
    if (n < want) break;
  }
  *data = std::string_view(storage->data(), got);
  if (got == size) return true;
  *error = error_number ? std::strerror(error_number)
                        : "the disk image ends inside it, or its extents end before it does";
  return false;
}

// Reads at most `limit` bytes of a file into `storage` (reused across files and never shrunk, so
// no fresh pages and no zero-filling per file); `*data` views what was read. Binary files stop
// after the first block: *binary is set and the rest is never read.
bool ReadFile(const std::string& path, size_t limit, ReadBuffer* storage, std::string_view* data,
              bool* truncated, bool* binary, std::string* error, uint64_t* file_size) {
  return ReadFileAt(AT_FDCWD, path.c_str(), limit, storage, data, truncated, binary, error,
                    file_size);
}

bool ReadFileAt(int dir, const char* name, size_t limit, ReadBuffer* storage,
                std::string_view* data, bool* truncated, bool* binary, std::string* error,
                uint64_t* file_size) {
  // O_NOFOLLOW and O_NONBLOCK: a path swapped for a link or a FIFO after the walk saw it must
  // neither lead out of the tree nor block the worker.
  Fd fd(openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    *error = std::strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "not a regular file";
    return false;
  }
  if (file_size) *file_size = static_cast<uint64_t>(st.st_size);
  size_t want = std::min<size_t>(static_cast<size_t>(st.st_size), limit);
  size_t got = 0;
  while (got < want) {
    size_t chunk = got == 0 ? std::min(want, kSniffBytes) : want - got;
    // Grown only for text: a binary file's size must not enlarge (zero-fill, fault in) the buffer.
    storage->Reserve(got + chunk, got);
    storage->Prefault(got + chunk);
    ssize_t n = read(fd.get(), storage->data() + got, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    std::string_view head(storage->data(), static_cast<size_t>(n));
    if (got == 0 && IsBinaryContent(head)) {
      *binary = true;
      *data = std::string_view(storage->data(), static_cast<size_t>(n));
      return true;
    }
    got += static_cast<size_t>(n);
  }
  *data = std::string_view(storage->data(), got);
  *truncated = static_cast<size_t>(st.st_size) > limit;
  return true;
}

std::string LexicallyNormal(std::string_view path) {
  std::vector<std::string_view> kept;
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view segment = path.substr(start, end - start);
    start = end + 1;
    if (segment.empty() || segment == ".") continue;
    if (segment == ".." && !kept.empty() && kept.back() != "..")
      kept.pop_back();
    else
      kept.push_back(segment);
  }
  std::string out = path.starts_with('/') ? "/" : "";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i) out += '/';
    out += kept[i];
  }
  return out;
}

std::string RootRelative(const std::string& path, const std::string& root) {
  if (root.empty()) return "";
  std::error_code ec;
  std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  std::string r = root;
  if (r.back() != '/') r += '/';
  return abs.starts_with(r) ? abs.substr(r.size()) : "";
}

std::string ScanRootPath(const std::string& path, const std::string& root) {
  if (root.empty()) return path;
  std::error_code ec;
  std::string abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  auto below = [&](const std::string& p) -> std::optional<std::string> {
    if (p == r) return std::string();
    if (r == "/") return p.substr(1);
    if (p.starts_with(r + "/")) return p.substr(r.size() + 1);
    return std::nullopt;
  };
  if (auto rel = below(abs)) return *rel;
  // Reached through a symbolic link (an operand spelled through one): its real place.
  std::string real = std::filesystem::weakly_canonical(abs, ec).string();
  if (!ec)
    if (auto rel = below(real)) return *rel;
  return abs;
}

}  // namespace ntpsweep
