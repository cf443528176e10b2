#include "core/line_index.h"

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
  uint32_t col = 1;
  for (size_t i = starts_[line - 1]; i < offset && i < text_.size(); ++i)
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;  // count UTF-8 lead bytes
  return col;
}

std::string_view LineIndex::LineText(uint32_t line) const {
  size_t b = starts_[line - 1];
  size_t e = line < starts_.size() ? starts_[line] - 1 : text_.size();
  std::string_view l = text_.substr(b, e - b);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return l;
}

std::string_view LineIndex::LineExcerpt(uint32_t line) const {
  std::string_view l = LineText(line);
  if (l.size() <= kMaxExcerptBytes) return l;
  size_t n = kMaxExcerptBytes;
  while (n > 0 && (static_cast<unsigned char>(l[n]) & 0xC0) == 0x80) --n;  // not mid-character
  return l.substr(0, n);
}

}  // namespace ntpsweep
