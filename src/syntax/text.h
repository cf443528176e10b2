// Small text helpers shared by the readers in this directory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"  // Trim
#include "syntax/syntax.h"

namespace ntpsweep::syntax {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// The comments a C-like configuration language has ('#' lines always; `//` lines, `/* */`).
struct CommentForms {
  bool slashes = false;
  bool block = false;
};
// The first offset at or after `i` that is neither a blank nor inside a comment; a newline stops
// it unless `newlines`. An unclosed block comment runs to the end.
inline size_t SkipBlanksAndComments(std::string_view t, size_t i, bool newlines,
                                    CommentForms forms) {
  while (i < t.size()) {
    char c = t[i];
    if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
      ++i;
    } else if (c == '#' || (forms.slashes && c == '/' && i + 1 < t.size() && t[i + 1] == '/')) {
      while (i < t.size() && t[i] != '\n') ++i;
    } else if (forms.block && c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      size_t e = t.find("*/", i + 2);
      i = e == std::string_view::npos ? t.size() : e + 2;
    } else {
      break;
    }
  }
  return i;
}

// Whether offsets of one text lie inside a PowerShell block comment `<# ... #>` (one still open
// counts). Only a `<#` that opens its line counts: elsewhere (other syntaxes share the '#' rules)
// it is text, and an unclosed one would otherwise silence the rest of a file. The openers are
// found once, each offset is then a bisection: a file of many matches stays linear.
class BlockComments {
 public:
  explicit BlockComments(std::string_view text) : size_(text.size()) {
    size_t close = 0;  // the first "#>" after the last opener, reused while it is after this one
    for (size_t open = text.find("<#"); open != std::string_view::npos;
         open = text.find("<#", open + 1)) {
      size_t bol = open;
      while (bol > 0 && (text[bol - 1] == ' ' || text[bol - 1] == '\t')) --bol;
      if (bol != 0 && text[bol - 1] != '\n') continue;
      if (close != std::string_view::npos && close < open + 2) close = text.find("#>", open + 2);
      blocks_.push_back({open, close});
    }
  }
  bool Contains(size_t offset) const {
    if (offset > size_) return false;
    auto after = std::upper_bound(blocks_.begin(), blocks_.end(), offset,
                                  [](size_t at, const Block& b) { return at < b.open; });
    if (after == blocks_.begin()) return false;
    size_t close = std::prev(after)->close;
    return close == std::string_view::npos || close + 2 > offset;
  }

 private:
  struct Block {
    size_t open, close;  // close: the first "#>" after the opener, or npos
  };
  size_t size_;
  std::vector<Block> blocks_;
};

// Base64 (standard and URL alphabets, padding and white space ignored); false on bad input.
bool DecodeBase64(std::string_view in, std::string* out);
// How much an embedded encoded payload (cloud-init gz+b64, a gzip data URL) may decode to.
inline constexpr size_t kMaxDecodedBytes = 16u << 20;

enum class GunzipStatus {
  kOk,
  kNotGzip,   // no gzip header: *out is empty
  kCorrupt,   // the stream breaks off: *out holds what decoded before the damage
  kTooLarge,  // more than `limit` bytes: *out holds the first `limit`
};
// Inflates a gzip stream into *out, at most `limit` bytes.
GunzipStatus Gunzip(std::string_view in, std::string* out, size_t limit = kMaxDecodedBytes);
// RFC 3986 percent-decoding ("%20" -> " ").
std::string PercentDecode(std::string_view in);

// Commented-out settings ("# ntp_servers = [...]"): runs `read` over a copy of `text` in which
// each comment line (one of `markers` after blanks) has its markers blanked and every other line
// is blank, offsets unchanged; the tokens the new facts hold then view `text`, not the copy.
// Nothing runs when `text` has no comment line.
void ReadCommentedLines(std::string_view text, std::initializer_list<std::string_view> markers,
                        Document* out, const std::function<void(std::string_view view)>& read);

}  // namespace ntpsweep::syntax
