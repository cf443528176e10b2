// One glob engine, two spellings of a path:
// - file paths (rule `files.paths`, --exclude, ignore files): '*' and '?' stay inside one
//   segment, '**' spans segments, "[abc]" is a class, a backslash makes the next character literal
//   (as .gitignore writes \# and \*), case-sensitive. A pattern without '/'
//   matches the last segment anywhere.
// - key paths (rule `key-paths`, "ntp.servers[].host"): '.'-separated, case-insensitive; '*'
//   stays inside one name and never runs into an index "[]" or a key marker "{}"; '[' is literal.
#pragma once

#include <string>
#include <string_view>

namespace ntpsweep {

bool GlobMatch(std::string_view pattern, std::string_view path);

// One file path glob matched against many paths, as GlobMatch matches it: the length of its
// literal head (before its first '*', '?', '[' or '\\') found once, that head compared with
// each path at once (most paths differ there), the rest matched as GlobMatch does.
class PathGlob {
 public:
  explicit PathGlob(std::string_view pattern);
  bool Matches(std::string_view path) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  size_t head_ = 0;
};

bool KeyPathMatch(std::string_view pattern, std::string_view key_path);

}  // namespace ntpsweep
