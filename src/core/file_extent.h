// One piece of a file kept inside another file (a disk image): what a worker reads by pread.
#pragma once

#include <cstdint>

namespace ntpsweep {

// `length` bytes at `offset` of the outer file, or `length` zeros for a hole or an extent
// allocated but never written (`zero`).
struct FileExtent {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool zero = false;
};

}  // namespace ntpsweep
