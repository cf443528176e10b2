#include "core/line_index.h"

#include <string.h>

#include <algorithm>

namespace ntpsweep {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

uint32_t LineIndex::LineOf(size_t offset) const {
  return static_cast<uint32_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) -
                               starts_.begin());
}

uint32_t LineIndex::ColumnOf(uint32_t line, size_t offset) const {
  size_t i = starts_[line - 1];
  uint32_t col = 1;
  // Asked in order along one line, the count goes on from the last answer: counted from the
  // line's start each time, 20,000 findings on one long line took seconds.
  if (column_line_ == line && column_at_ <= offset) i = column_at_, col = column_;
  for (; i < offset && i < text_.size(); ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;  // count UTF-8 lead bytes
  column_line_ = line, column_at_ = i, column_ = col;
  return col;
}

std::string_view LineIndex::LineText(uint32_t line) const {
  size_t b = starts_[line - 1];
  size_t e = line < starts_.size() ? starts_[line] - 1 : text_.size();
  std::string_view l = text_.substr(b, e - b);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return l;
}

std::string_view LineIndex::LineExcerpt(uint32_t line, size_t offset, size_t length) const {
  std::string_view l = LineText(line);
  if (l.size() <= kMaxExcerptBytes) return l;
  auto continuation = [l](size_t i) {
    return i < l.size() && (static_cast<unsigned char>(l[i]) & 0xC0) == 0x80;
  };
  auto cut_before = [&](size_t i) {  // back to the start of the character holding byte i
    while (i > 0 && continuation(i)) --i;
    return i;
  };
  const size_t in_line = offset - std::min(offset, starts_[line - 1]);
  if (in_line + length <= kMaxExcerptBytes) return l.substr(0, cut_before(kMaxExcerptBytes));
  // The match in the middle: as much of the line before it as after it, the end kept.
  const size_t room = kMaxExcerptBytes - std::min(length, kMaxExcerptBytes);
  size_t b = std::min(in_line - std::min(in_line, room / 2), l.size() - kMaxExcerptBytes);
  while (continuation(b)) ++b;  // forward, so the end moves no closer to the match
  return l.substr(b, cut_before(std::min(b + kMaxExcerptBytes, l.size())) - b);
}

size_t LineStartCursor::operator()(size_t offset) {
  offset = std::min(offset, text_.size());
  size_t from = 0;
  if (offset >= asked_)
    from = asked_;
  else
    start_ = 0;
  // The last '\n' before `offset`, at or after `from`.
  if (const void* nl = offset > from ? memrchr(text_.data() + from, '\n', offset - from) : nullptr)
    start_ = static_cast<size_t>(static_cast<const char*>(nl) - text_.data()) + 1;
  asked_ = offset;
  return start_;
}

}  // namespace ntpsweep
