// Small ASCII string helpers every room uses; one copy so their edge cases agree.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace ntpsweep {

// The white space of C's isspace() in the "C" locale.
inline constexpr std::string_view kWhitespace = " \t\n\r\f\v";

inline std::string_view Trim(std::string_view s, std::string_view chars = kWhitespace) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return s.substr(s.size());
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
}

// `s` without the line ends (\n, \r) at its end: a program's one line of output.
inline std::string_view Chomp(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The non-empty fields of a NUL-separated list (`git ls-files -z`), as views into `s`.
inline std::vector<std::string_view> SplitNul(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t end = std::min(s.find('\0'), s.size());
    if (end) out.push_back(s.substr(0, end));
    s.remove_prefix(std::min(s.size(), end + 1));
  }
  return out;
}

inline bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

inline std::string AsciiLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// ASCII case-insensitive equality (host names, directive names).
inline bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

}  // namespace ntpsweep
