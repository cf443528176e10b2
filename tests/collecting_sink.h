// An EntrySink that keeps what a reader gives it, for the tests of the input readers.
#pragma once

#include <unistd.h>

#include <string_view>
#include <utility>
#include <vector>

#include "input/input.h"

namespace ntpsweep::testing {

class CollectingSink : public input::EntrySink {
 public:
  // A member the worker would read itself (Entry::member_file) is read here, as it would be.
  void Add(input::Entry e) override {
    if (e.member_file) {
      e.data.resize(e.member_bytes);
      ssize_t n = pread(e.member_file->get(), e.data.data(), e.data.size(),
                        static_cast<off_t>(e.archive_data_offset));
      e.data.resize(n > 0 ? static_cast<size_t>(n) : 0);
      e.member_file.reset();
      ++deferred;
    }
    entries.push_back(std::move(e));
  }
  void Report(Notice n) override { notices.push_back(std::move(n)); }
  void CountSkipped(std::string_view) override {}
  void Amend(input::Amendment) override {}
  std::vector<input::Entry> entries;
  std::vector<Notice> notices;
  size_t deferred = 0;  // entries whose bytes were left to the worker
};

}  // namespace ntpsweep::testing
