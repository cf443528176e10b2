// Small ASCII string helpers every room uses; one copy so their edge cases agree.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace ntpsweep {

// The white space of C's isspace() in the "C" locale.
inline constexpr std::string_view kWhitespace = " \t\n\r\f\v";

inline std::string_view Trim(std::string_view s, std::string_view chars = kWhitespace) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return s.substr(s.size());
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
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
