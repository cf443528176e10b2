// An EntrySink that keeps what a reader gives it, for the tests of the input readers.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "input/input.h"

namespace ntpsweep::testing {

class CollectingSink : public input::EntrySink {
 public:
  void Add(input::Entry e) override { entries.push_back(std::move(e)); }
  void Report(Notice n) override { notices.push_back(std::move(n)); }
  void CountSkipped(std::string_view) override {}
  void Amend(input::Amendment) override {}
  std::vector<input::Entry> entries;
  std::vector<Notice> notices;
};

}  // namespace ntpsweep::testing
