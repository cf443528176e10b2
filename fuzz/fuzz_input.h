// Shared by the input fuzz targets: limits small enough for a fuzzer's memory and time, and a
// sink that checks what the readers hand on and drops it.
#pragma once

#include <string_view>

#include "input/input.h"

namespace ntpsweep::fuzz {

inline input::WalkOptions FuzzOptions() {
  input::WalkOptions options;
  input::Limits& l = options.limits;
  l.max_depth = 4;
  l.max_entry_bytes = 16ull << 20;
  l.max_input_bytes = 64ull << 20;
  l.max_ratio = 1000;
  l.max_entries = 10000;
  l.max_buffer_bytes = 16ull << 20;
  l.max_file_bytes = 1ull << 20;
  return options;
}

class CheckingSink : public input::EntrySink {
 public:
  void Add(input::Entry entry) override {
    // Every entry has a place, and none is read from the file system (nothing is extracted)
    // but the operand itself (a VMDK descriptor is scanned as the text file it is).
    if (entry.location.chain.empty() || (!entry.fs_path.empty() && entry.fs_path != operand))
      __builtin_trap();
  }
  void Report(Notice notice) override {
    if (notice.id.empty() || notice.message.empty()) __builtin_trap();
  }
  void CountSkipped(std::string_view why) override { (void)why; }

  std::string_view operand;  // the fuzzed file, when the target hands one to the readers
};

}  // namespace ntpsweep::fuzz
