#include "input/zip_overlap.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "input/byte_order.h"

namespace ntpsweep::input {
namespace {

struct Range {
  uint64_t begin, end;  // the local header and the stored data after it
  size_t index;         // in the central directory
};

// The end of central directory record, with the zip64 one when the classic fields overflow.
bool FindDirectory(const ReadAtFn& read, uint64_t size, uint64_t* dir_off, uint64_t* dir_size) {
  constexpr uint64_t kEocd = 22, kMaxComment = 65535;
  uint64_t tail_len = std::min<uint64_t>(size, kEocd + kMaxComment);
  std::string tail;
  if (tail_len < kEocd || !read(size - tail_len, static_cast<size_t>(tail_len), &tail))
    return false;
  size_t at = tail.rfind(std::string_view("PK\x05\x06", 4));
  if (at == std::string::npos || at + kEocd > tail.size()) return false;
  *dir_size = Le(tail, at + 12, 4);
  *dir_off = Le(tail, at + 16, 4);
  if (*dir_off == 0xFFFFFFFF || *dir_size == 0xFFFFFFFF || Le(tail, at + 10, 2) == 0xFFFF) {
    uint64_t eocd_pos = size - tail_len + at;
    std::string locator, zip64;
    if (eocd_pos < 20 || !read(eocd_pos - 20, 20, &locator) ||
        locator.compare(0, 4, "PK\x06\x07", 4) != 0)
      return false;
    uint64_t z = Le(locator, 8, 8);
    if (z > size || !read(z, 56, &zip64) || zip64.compare(0, 4, "PK\x06\x06", 4) != 0) return false;
    *dir_size = Le(zip64, 40, 8);
    *dir_off = Le(zip64, 48, 8);
  }
  return *dir_off <= size && *dir_size <= size - *dir_off;
}

}  // namespace

bool FindZipOverlaps(const ReadAtFn& read, uint64_t size, uint64_t max_directory, ZipOverlap* out) {
  uint64_t dir_off = 0, dir_size = 0;
  if (!FindDirectory(read, size, &dir_off, &dir_size) || dir_size > max_directory) return false;
  std::string dir;
  if (!read(dir_off, static_cast<size_t>(dir_size), &dir)) return false;
  std::vector<Range> ranges;
  std::vector<std::string> names, local_names;
  size_t p = 0;
  while (p + 46 <= dir.size() && dir.compare(p, 4, "PK\x01\x02", 4) == 0) {
    uint64_t packed = Le(dir, p + 20, 4), local = Le(dir, p + 42, 4);
    size_t name_len = Le(dir, p + 28, 2), extra_len = Le(dir, p + 30, 2),
           comment_len = Le(dir, p + 32, 2);
    if (p + 46 + name_len + extra_len + comment_len > dir.size()) break;
    std::string name = dir.substr(p + 46, name_len);
    // zip64: the extra field 0x0001 holds, in order, whichever of the sizes and offset overflowed.
    std::string_view extra = std::string_view(dir).substr(p + 46 + name_len, extra_len);
    for (size_t e = 0; e + 4 <= extra.size();) {
      size_t id = Le(extra, e, 2), len = Le(extra, e + 2, 2);
      if (e + 4 + len > extra.size()) break;
      if (id == 1) {
        size_t f = e + 4;
        auto field = [&](uint64_t* v) {
          if (*v != 0xFFFFFFFF || f + 8 > e + 4 + len) return;
          *v = Le(extra, f, 8);
          f += 8;
        };
        uint64_t unpacked = Le(dir, p + 24, 4);
        field(&unpacked);
        field(&packed);
        field(&local);
      }
      e += 4 + len;
    }
    uint64_t begin = local, end = local + 30;
    std::string header, local_name;
    if (local <= size && read(local, 30, &header) && header.compare(0, 4, "PK\x03\x04", 4) == 0) {
      uint64_t n = Le(header, 26, 2), m = Le(header, 28, 2);
      end = local + 30 + n + m + packed;
      if (n && !read(local + 30, static_cast<size_t>(n), &local_name)) local_name.clear();
    }
    if (end < begin) end = begin;  // wrapped: a nonsense size
    ranges.push_back({begin, end, names.size()});
    names.push_back(std::move(name));
    local_names.push_back(std::move(local_name));
    p += 46 + name_len + extra_len + comment_len;
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.index < b.index;
  });
  std::vector<bool> overlaps(names.size(), false);
  const Range* furthest = nullptr;
  for (const Range& r : ranges) {
    if (furthest && r.begin < furthest->end) overlaps[r.index] = overlaps[furthest->index] = true;
    if (!furthest || r.end > furthest->end) furthest = &r;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (!overlaps[i]) continue;
    ++out->members;
    out->names.insert(names[i]);
    if (!local_names[i].empty()) out->names.insert(local_names[i]);
  }
  return true;
}

}  // namespace ntpsweep::input
