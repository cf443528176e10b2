#include "core/file.h"

#include <fcntl.h>
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

// Reads at most `limit` bytes of a file into `storage` (reused across files and never shrunk, so
// no fresh pages and no zero-filling per file); `*data` views what was read. Binary files stop
// after the first block: *binary is set and the rest is never read.
bool ReadFile(const std::string& path, size_t limit, std::string* storage, std::string_view* data,
              bool* truncated, bool* binary, std::string* error, uint64_t* file_size) {
  // O_NOFOLLOW and O_NONBLOCK: a path swapped for a link or a FIFO after the walk saw it must
  // neither lead out of the tree nor block the worker.
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
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
  if (storage->size() < want) storage->resize(want);
  size_t got = 0;
  while (got < want) {
    size_t chunk = got == 0 ? std::min(want, kSniffBytes) : want - got;
    ssize_t n = read(fd.get(), storage->data() + got, chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    if (got == 0 && LooksBinary(std::string_view(storage->data(), static_cast<size_t>(n)))) {
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
