// Byte offsets to the positions people and SARIF read: 1-based lines, 1-based columns in code
// points, and the text of a line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ntpsweep {

class LineIndex {
 public:
  explicit LineIndex(std::string_view text);

  // 1-based line of `offset`; an offset at a '\n' belongs to the line the '\n' ends.
  uint32_t LineOf(size_t offset) const;
  // 1-based column of `offset` on `line`, counting UTF-8 code points.
  uint32_t ColumnOf(uint32_t line, size_t offset) const;
  // Byte offset where 1-based `line` starts.
  size_t LineStart(uint32_t line) const { return starts_[line - 1]; }
  // Byte offset of the start of the line holding `offset`.
  size_t LineStartOf(size_t offset) const { return LineStart(LineOf(offset)); }
  // The line without its '\n' or "\r\n".
  std::string_view LineText(uint32_t line) const;
  // The line as reports show it (line_text, SARIF snippet): its first kMaxExcerptBytes, cut at
  // a UTF-8 boundary, so a finding on a 200 MB line does not copy that line into each report.
  // When the match at [offset, offset + length) ends past them, the kMaxExcerptBytes of the
  // line around the match instead, so the snippet shows what was found.
  std::string_view LineExcerpt(uint32_t line, size_t offset = 0, size_t length = 0) const;
  static constexpr size_t kMaxExcerptBytes = 4096;
  size_t line_count() const { return starts_.size(); }

 private:
  std::string_view text_;
  std::vector<size_t> starts_;  // [i] is where line i + 1 starts
};

}  // namespace ntpsweep
