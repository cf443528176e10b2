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
#include <unordered_map>
#include <utility>
#include <vector>

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

// Many file path globs matched against many paths, each as GlobMatch matches it: a pattern
// with no '*', '?', '[' or '\\' is looked up by the path (by its last segment where the pattern
// has no '/'), such a pattern followed by "/**" by each directory the path lies in; only the
// others are matched one by one (PathGlob). So a list of thousands of named files costs each
// path a few lookups, not thousands of matches.
class PathGlobSet {
 public:
  explicit PathGlobSet(std::vector<std::string> patterns);
  // Calls f(k) once for every pattern k (an index into the patterns given) that matches `path`.
  template <typename F>
  void ForEachMatch(std::string_view path, F&& f) const {
    path = Normalized(path);
    auto each = [&](const auto& index, std::string_view key) {
      if (auto it = index.find(key); it != index.end())
        for (size_t k : it->second) f(k);
    };
    each(whole_, path);
    each(last_, path.substr(path.rfind('/') + 1));  // npos + 1: the whole path
    for (size_t slash = path.find('/'); !below_.empty() && slash != std::string_view::npos;
         slash = path.find('/', slash + 1))
      each(below_, path.substr(0, slash));
    for (const auto& [k, glob] : globs_)
      if (glob.Matches(path)) f(k);
  }

 private:
  // A path as GlobMatch compares it: without its leading "./" and '/'.
  static std::string_view Normalized(std::string_view path);
  std::vector<std::string> patterns_;
  std::unordered_map<std::string_view, std::vector<size_t>> whole_, last_, below_;
  std::vector<std::pair<size_t, PathGlob>> globs_;
};

bool KeyPathMatch(std::string_view pattern, std::string_view key_path);

}  // namespace ntpsweep
