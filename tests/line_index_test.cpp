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

TEST_CASE("a match past 4 KiB of a line gets the 4 KiB around it", "[line_index]") {
  const std::string host = "10.0.0.1";
  std::string line = std::string(10000, 'a') + " " + host + " " + std::string(10000, 'b');
  std::string text = "first\n" + line + "\n";
  LineIndex index(text);
  const size_t at = 6 + 10001;  // the host's offset in the text
  std::string_view excerpt = index.LineExcerpt(2, at, host.size());
  CHECK(excerpt.size() == LineIndex::kMaxExcerptBytes);
  REQUIRE(excerpt.find(host) != std::string_view::npos);
  // As much of the line before the match as after it.
  size_t before = excerpt.find(host), after = excerpt.size() - before - host.size();
  CHECK((before > after ? before - after : after - before) <= 1);
  CHECK(std::string_view(line).find(excerpt) != std::string_view::npos);
  // A match within the first 4 KiB keeps the line's start, as before.
  CHECK(index.LineExcerpt(2, 6 + 10, 3) == index.LineExcerpt(2));
  CHECK(index.LineExcerpt(2).starts_with("aaa"));
  // A match at the very end of the line: the last 4 KiB, not cut inside the 'é' before them.
  // The last 4 KiB start on the second byte of the 'é'.
  std::string tail = std::string(5000, 'x') + "\xc3\xa9" + std::string(4087, 'y') + host;
  REQUIRE(tail.size() - LineIndex::kMaxExcerptBytes == 5001);
  LineIndex at_end(tail);
  std::string_view last = at_end.LineExcerpt(1, tail.size() - host.size(), host.size());
  CHECK(last.ends_with(host));
  CHECK(last.size() <= LineIndex::kMaxExcerptBytes);
  CHECK((static_cast<unsigned char>(last.front()) & 0xC0) != 0x80);
}

TEST_CASE("LineStartCursor and ColumnOf answer as a search from the text's start, in any order") {
  // In order (the readers' way), backwards, repeated, at a '\n', past the end: each answer is
  // what rfind and a count from the line's start give.
  const std::string text = "ab\n\xc3\xa9t\xc3\xa9 x\n\n  last line, no newline";
  auto line_start = [&](size_t off) {
    size_t b = off == 0 ? std::string::npos : text.rfind('\n', off - 1);
    return b == std::string::npos ? size_t{0} : b + 1;
  };
  std::vector<size_t> asked;
  for (size_t i = 0; i <= text.size() + 2; ++i) asked.push_back(i);
  for (size_t i = text.size(); i-- > 0;) asked.push_back(i);
  for (size_t i : {size_t{5}, size_t{5}, size_t{2}, size_t{14}, size_t{3}, size_t{30}, size_t{0}})
    asked.push_back(i);
  ntpsweep::LineStartCursor cursor(text);
  ntpsweep::LineIndex index(text);
  for (size_t off : asked) {
    INFO(off);
    CHECK(cursor(off) == line_start(std::min(off, text.size())));
    if (off > text.size()) continue;
    uint32_t line = index.LineOf(off);
    uint32_t column = 1;
    for (size_t i = index.LineStart(line); i < off; ++i)
      column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    CHECK(index.ColumnOf(line, off) == column);
  }
}
