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
  // 1-based column of `offset` on `line`, counting UTF-8 code points. Remembers where it
  // counted to (so one LineIndex is not for several threads at once).
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
  // ColumnOf's last answer: on `column_line_`, `column_at_` is column `column_`.
  mutable uint32_t column_line_ = 0, column_ = 1;
  mutable size_t column_at_ = 0;
};

// The start of the line holding an offset, for a reader asking along its text: the search
// goes back only to the offset asked before, so asking in order costs one pass over the text (an
// rfind from each fact was quadratic on one long line of facts). Asked out of order, it searches
// from the start of the text's line as rfind would.
class LineStartCursor {
 public:
  explicit LineStartCursor(std::string_view text) : text_(text) {}
  size_t operator()(size_t offset);

 private:
  std::string_view text_;
  size_t asked_ = 0, start_ = 0;  // the line holding text_[asked_] starts at start_
};

}  // namespace ntpsweep
