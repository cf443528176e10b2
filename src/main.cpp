#include <cstdlib>
#include <cstring>

#include "cli/cli.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace {

// Blocks at least this large are mapped on their own and unmapped when freed.
constexpr int kMmapThreshold = 256 << 10;

// glibc raises its mmap threshold to the largest block freed (up to 32 MiB): the texts of large
// archive members, freed on a worker, then came from the heaps instead, whose freed holes kept
// a tar scan's peak RSS growing with the tar (rootfs.tar 37 MiB, four copies of it 48 MiB).
void FixMmapThreshold() {
#ifdef __GLIBC__
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") ||
      (tunables && std::strstr(tunables, "mmap_threshold")))
    return;  // chosen by whoever runs it
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  FixMmapThreshold();
  return ntpsweep::cli::Main(argc, argv);
}
