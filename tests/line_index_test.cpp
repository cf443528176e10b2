// LineIndex::LineExcerpt: what reports carry of a finding's line.
#include <catch2/catch.hpp>

#include <string>

#include "core/line_index.h"

using ntpsweep::LineIndex;

TEST_CASE("a short line is its own excerpt, without the line end", "[line_index]") {
  std::string text = "# x\r\nserver 10.0.0.1 iburst\r\nlast";
  LineIndex index(text);
  CHECK(index.LineExcerpt(2) == "server 10.0.0.1 iburst");
  CHECK(index.LineExcerpt(3) == "last");
}

TEST_CASE("a long line is cut at 4 KiB, never inside a character", "[line_index]") {
  // 4095 ASCII bytes, then 'é' (2 bytes) straddling the cut, then more.
  std::string line = std::string(4095, 'a') + "\xc3\xa9" + std::string(100000, 'b');
  std::string text = "first\n" + line + "\nthird\n";
  LineIndex index(text);
  std::string_view excerpt = index.LineExcerpt(2);
  CHECK(excerpt.size() == 4095);
  CHECK(excerpt == std::string_view(line).substr(0, 4095));
  CHECK(index.LineText(2).size() == line.size());  // the whole line is still there for readers
  std::string exact(LineIndex::kMaxExcerptBytes, 'c');
  LineIndex at_bound(exact);
  CHECK(at_bound.LineExcerpt(1).size() == LineIndex::kMaxExcerptBytes);
}
