// Bounds on the work one input may cause: archives, images and disks are untrusted, so every
// amount they can multiply (nesting, decompression, entry counts) has a ceiling. Hitting one is
// a notice naming the place; the scan goes on with the next thing it can reach.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ntpsweep::input {

struct Limits {
  // Levels of containers inside one operand: `a.tar!b.tar.gz!etc/x` is depth 2.
  int max_depth = 8;
  // Bytes of one archive member (or file inside a disk image) that are decompressed and read.
  // Beyond it the member is not followed further; the archive continues when it can skip.
  uint64_t max_entry_bytes = 4ull << 30;
  // Bytes decompressed for one operand, all nesting levels together.
  uint64_t max_input_bytes = 64ull << 30;
  // Bytes decompressed by the whole scan: every operand, archive and image together, on every
  // worker (--max-total-bytes). Containers met after it was used up are not opened.
  uint64_t max_total_bytes = 256ull << 30;
  // Decompressed bytes per byte of the operand (or of stdin read so far), and per byte of each
  // archive (all its members together against its own compressed size). Checked once more
  // than kRatioFloor bytes were produced, so small files never trip it.
  uint64_t max_ratio = 1000;
  // Members of one archive (or files of one file system).
  uint64_t max_entries = 1000000;
  // A member that needs random access (7z inside a stream, a raw disk image inside an archive)
  // is held in memory up to this size; nothing is ever written to a temporary file.
  uint64_t max_buffer_bytes = 256ull << 20;
  // Bytes of one entry read for matching (the scan's --max-file-size).
  uint64_t max_file_bytes = 64ull << 20;
  // Bytes of one document a syntax reader reads for structure (--max-reader-size): a reader
  // holds up to about 50 times its input (facts, nodes, words): a larger one is matched as text.
  uint64_t max_reader_bytes = 1ull << 20;

  static constexpr uint64_t kRatioFloor = 16ull << 20;
};

// The bytes decompressed by a whole scan, shared by every operand and worker thread.
class ScanBudget {
 public:
  explicit ScanBudget(uint64_t max) : max_(max) {}
  // Counts `n` more bytes; false once the total is past the maximum.
  bool Spend(uint64_t n) { return used_.fetch_add(n, std::memory_order_relaxed) + n <= max_; }
  bool exhausted() const { return used_.load(std::memory_order_relaxed) > max_; }
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t max() const { return max_; }

 private:
  const uint64_t max_;
  std::atomic<uint64_t> used_{0};
};

// "64 MiB", "1.5 GiB", "512 B": for notices.
inline std::string HumanBytes(uint64_t n) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0 || v >= 100 || v == static_cast<double>(static_cast<uint64_t>(v)))
    std::snprintf(buf, sizeof buf, "%.0f %s", v, kUnits[u]);
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

}  // namespace ntpsweep::input
