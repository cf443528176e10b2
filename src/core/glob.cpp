#include "core/glob.h"

namespace ntpsweep {
namespace {

// Matches a bracket class at p[0] == '['; advances `p` past it. Returns -1 when malformed.
int MatchClass(std::string_view& p, char c) {
  size_t i = 1;
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool hit = false;
  size_t first = i;
  for (; i < p.size() && (p[i] != ']' || i == first); ++i) {
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      if (c >= p[i] && c <= p[i + 2]) hit = true;
      i += 2;
    } else if (p[i] == c) {
      hit = true;
    }
  }
  if (i >= p.size()) return -1;
  p.remove_prefix(i + 1);
  return hit != negate;
}

bool Match(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      bool slash = !rest.empty() && rest.front() == '/';
      if (slash) rest.remove_prefix(1);
      // "**/" matches zero or more whole segments; a bare "**" matches anything.
      for (size_t i = 0;; ++i) {
        if ((i == 0 || !slash || s[i - 1] == '/') && Match(rest, s.substr(i))) return true;
        if (i >= s.size()) return false;
      }
    }
    char pc = p.front();
    if (pc == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0;; ++i) {
        if (Match(rest, s.substr(i))) return true;
        if (i >= s.size() || s[i] == '/') return false;
      }
    }
    if (s.empty()) return false;
    if (pc == '?') {
      if (s.front() == '/') return false;
      p.remove_prefix(1);
    } else if (pc == '[') {
      int r = MatchClass(p, s.front());
      if (r < 0) {  // a lone '[' is literal
        if (s.front() != '[') return false;
        p.remove_prefix(1);
      } else if (r == 0) {
        return false;
      }
    } else {
      if (pc != s.front()) return false;
      p.remove_prefix(1);
    }
    s.remove_prefix(1);
  }
  return s.empty();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  if (pattern.find('/') == std::string_view::npos) {
    size_t slash = path.rfind('/');
    return Match(pattern, slash == std::string_view::npos ? path : path.substr(slash + 1));
  }
  if (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return Match(pattern, path);
}

}  // namespace ntpsweep
