// Shared tokenizer for line-oriented syntaxes: one directive per line, white-space separated
// arguments, optional double quotes, comments to end of line.
#pragma once

#include <string_view>
#include <vector>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

struct LineSyntax {
  std::string_view comment_chars = "#";  // a line starting with one of these is a comment
  bool trailing_comments = true;         // '#' after content starts a comment
  bool quotes = true;                    // "a b" is one token
  bool key_value = false;                // KEY=value (shell-style) instead of `directive args`
};

std::vector<Fact> ReadLines(std::string_view text, const LineSyntax& syntax);

// Where a line's content starts: past leading `blanks` and, on a line that starts with one of
// `marks`, past the run of marks and blanks (commented-out configuration is still read).
struct LineLead {
  size_t body = 0;
  bool commented = false;
};
LineLead ReadLineLead(std::string_view line, std::string_view blanks, std::string_view marks);

// Calls fn(line, offset) for each '\n'-separated line of `text`, without the newline.
template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    fn(text.substr(pos, eol - pos), pos);
    pos = eol + 1;
  }
}

// Splits `s` (starting at document offset `base`) into white-space separated tokens, honouring
// double and single quotes when `quotes` is set; stops at an unquoted '#' when `stop_at_hash`.
void Tokenize(std::string_view s, size_t base, bool quotes, bool stop_at_hash,
              std::vector<Token>* out);

}  // namespace ntpsweep::syntax
