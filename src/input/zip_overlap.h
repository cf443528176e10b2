// Zip members whose stored bytes overlap another member's: the construction of the
// non-recursive zip bombs (many central-directory entries over one shared deflate stream), and
// never what an archiver writes. Read from the central directory and local headers of a zip
// that can be read at random; libarchive itself would decompress every such member in full.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>

namespace ntpsweep::input {

// Reads `len` bytes at `offset` of the archive; false when it cannot.
using ReadAtFn = std::function<bool(uint64_t offset, size_t len, std::string* out)>;

struct ZipOverlap {
  std::set<std::string> names;  // members (by their central and local names) that overlap
  uint64_t members = 0;         // how many central-directory entries overlap another
};

// The overlapping members of the zip of `size` bytes read by `read`. Returns false (and no
// names) when the central directory cannot be found or is larger than `max_directory` bytes:
// then libarchive's own reading decides, under the ratio and size limits.
bool FindZipOverlaps(const ReadAtFn& read, uint64_t size, uint64_t max_directory, ZipOverlap* out);

}  // namespace ntpsweep::input
