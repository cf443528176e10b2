#include "core/glob.h"

#include <algorithm>
#include <cstdint>
#include <unordered_set>

#include "core/strings.h"

namespace ntpsweep {
namespace {

// What a path separator is, where '*' stops, and what else tells the two spellings apart.
struct GlobSyntax {
  char separator;
  std::string_view star_stops;  // characters '*' never matches (the separator among them)
  bool ignore_case;
  bool classes;  // "[abc]" is a class, backslash escapes; otherwise both are literal
};

constexpr GlobSyntax kFilePath{'/', "/", false, true};
constexpr GlobSyntax kKeyPath{'.', ".[]{", true, false};

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

bool StarStops(const GlobSyntax& g, char c) {
  for (char stop : g.star_stops)
    if (c == stop) return true;
  return false;
}

// The (pattern, text) suffixes that failed to match, once a match has taken many steps: stars
// and globstars try every split, and `*a*a*a*a*a*a*b` against a long name tried each split of
// each split (hours). With failures remembered each pair of suffixes is tried once.
struct Failures {
  size_t steps = 0;
  bool remembering = false;
  std::unordered_set<uint64_t> failed;
  static uint64_t Key(std::string_view p, std::string_view s) {
    return (static_cast<uint64_t>(p.size()) << 32) ^ s.size();
  }
};

bool MatchFrom(const GlobSyntax& g, std::string_view p, std::string_view s, Failures* f);

bool Match(const GlobSyntax& g, std::string_view p, std::string_view s, Failures* f) {
  if (!f->remembering && ++f->steps > 4096) f->remembering = true;
  if (!f->remembering) return MatchFrom(g, p, s, f);
  uint64_t key = Failures::Key(p, s);
  if (f->failed.count(key)) return false;
  if (MatchFrom(g, p, s, f)) return true;
  f->failed.insert(key);
  return false;
}

bool Match(const GlobSyntax& g, std::string_view p, std::string_view s) {
  Failures f;
  return Match(g, p, s, &f);
}

bool MatchFrom(const GlobSyntax& g, std::string_view p, std::string_view s, Failures* f) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      bool sep = !rest.empty() && rest.front() == g.separator;
      if (sep) rest.remove_prefix(1);
      // "**/" matches zero or more whole segments; a bare "**" matches anything.
      for (size_t i = 0;; ++i) {
        if ((i == 0 || !sep || s[i - 1] == g.separator) && Match(g, rest, s.substr(i), f))
          return true;
        if (i >= s.size()) return false;
      }
    }
    char pc = p.front();
    if (pc == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0;; ++i) {
        if (Match(g, rest, s.substr(i), f)) return true;
        if (i >= s.size() || StarStops(g, s[i])) return false;
      }
    }
    if (s.empty()) return false;
    if (pc == '\\' && g.classes && p.size() > 1) {  // an escaped character is itself
      if (p[1] != s.front()) return false;
      p.remove_prefix(2);
    } else if (pc == '?') {
      if (s.front() == g.separator) return false;
      p.remove_prefix(1);
    } else if (pc == '[' && g.classes) {
      int r = MatchClass(p, s.front());
      if (r < 0) {  // a lone '[' is literal
        if (s.front() != '[') return false;
        p.remove_prefix(1);
      } else if (r == 0) {
        return false;
      }
    } else {
      if (g.ignore_case ? AsciiLower(pc) != AsciiLower(s.front()) : pc != s.front()) return false;
      p.remove_prefix(1);
    }
    s.remove_prefix(1);
  }
  return s.empty();
}

// Whether the literal runs of a pattern without classes occur in `s` in order (ignoring case):
// true for every `s` the pattern matches, so most non-matches end here without backtracking.
bool RunsInOrder(const GlobSyntax& g, std::string_view p, std::string_view s) {
  size_t from = 0;
  while (!p.empty()) {
    bool after_globstar = p.starts_with("**");
    while (!p.empty() && (p.front() == '*' || p.front() == '?')) p.remove_prefix(1);
    // "**." also matches zero segments, separator included.
    if (after_globstar && !p.empty() && p.front() == g.separator) p.remove_prefix(1);
    size_t len = 0;
    while (len < p.size() && p[len] != '*' && p[len] != '?') ++len;
    std::string_view run = p.substr(0, len);
    p.remove_prefix(len);
    if (run.empty()) continue;
    auto same = [](char a, char b) { return AsciiLower(a) == AsciiLower(b); };
    auto at = std::search(s.begin() + static_cast<std::ptrdiff_t>(from), s.end(), run.begin(),
                          run.end(), same);
    if (at == s.end()) return false;
    from = static_cast<size_t>(at - s.begin()) + run.size();
  }
  return true;
}

// The length of a file path pattern's literal head: its bytes before the first '*', '?', '['
// or '\\', which MatchFrom reads one to one, case and all.
size_t LiteralHead(std::string_view p) {
  size_t i = 0;
  while (i < p.size() && p[i] != '*' && p[i] != '?' && p[i] != '[' && p[i] != '\\') ++i;
  return i;
}

// What GlobMatch compares: the pattern without its leading '/' (or whole, matched against the
// last segment, where it has no '/'), the path without its leading "./" and '/'.
struct PathForm {
  std::string_view pattern, path;
};
PathForm FormOf(std::string_view pattern, std::string_view path) {
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  if (pattern.find('/') == std::string_view::npos) {
    size_t slash = path.rfind('/');
    return {pattern, slash == std::string_view::npos ? path : path.substr(slash + 1)};
  }
  if (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return {pattern, path};
}

// `form` matched, its pattern's first `head` bytes (LiteralHead) compared at once: an include's
// glob against every file read shares the operand's prefix with most paths, and a step of
// MatchFrom a byte of it was 62M instructions of the rootfs's cross-file stage.
bool MatchForm(const PathForm& form, size_t head) {
  if (form.path.substr(0, head) != form.pattern.substr(0, head)) return false;
  return Match(kFilePath, form.pattern.substr(head), form.path.substr(head));
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  const PathForm form = FormOf(pattern, path);
  return MatchForm(form, LiteralHead(form.pattern));
}

PathGlob::PathGlob(std::string_view pattern) : pattern_(pattern) {
  head_ = LiteralHead(FormOf(pattern_, "").pattern);
}

bool PathGlob::Matches(std::string_view path) const {
  return MatchForm(FormOf(pattern_, path), head_);
}

PathGlobSet::PathGlobSet(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {
  constexpr std::string_view kSpecial = "*?[\\";
  for (size_t k = 0; k < patterns_.size(); ++k) {
    std::string_view p = patterns_[k];
    const bool last_segment = p.find('/') == std::string_view::npos;
    if (!last_segment && p.front() == '/') p.remove_prefix(1);  // as FormOf reads it
    const std::string_view dir = p.substr(0, p.size() - std::min<size_t>(p.size(), 3));
    if (p.find_first_of(kSpecial) == std::string_view::npos)
      (last_segment ? last_ : whole_)[p].push_back(k);
    else if (!last_segment && !dir.empty() && p.ends_with("/**") &&
             dir.find_first_of(kSpecial) == std::string_view::npos)
      below_[dir].push_back(k);
    else
      globs_.emplace_back(k, PathGlob(patterns_[k]));
  }
}

std::string_view PathGlobSet::Normalized(std::string_view path) {
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return path;
}

bool KeyPathMatch(std::string_view pattern, std::string_view key_path) {
  static_assert(kKeyPath.ignore_case && !kKeyPath.classes);  // what RunsInOrder assumes
  return RunsInOrder(kKeyPath, pattern, key_path) && Match(kKeyPath, pattern, key_path);
}

}  // namespace ntpsweep
