// .gitignore and .ignore in directory walks, as ripgrep reads them: patterns in core/glob.h's
// file-path syntax, '!' re-includes, a trailing '/' matches directories only, a '/' at the start
// or in the middle anchors the pattern to the file's directory; the deepest file and, within a
// directory, .ignore over .gitignore and the last matching line decide. They apply to directory
// walks only: an explicit file operand is always read, archives and images never consult them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ntpsweep::input {

struct IgnorePattern {
  std::string glob;  // for GlobMatch: anchored patterns start with '/'
  bool negate = false;
  bool dir_only = false;
  std::string source;  // "dir/.gitignore:3", for -v
  bool from_gitignore = false;  // git's rule: in a work tree, files git tracks escape it
};

// The patterns of one ignore file (`name` for sources); blank lines and '#' comments skipped.
std::vector<IgnorePattern> ParseIgnorePatterns(std::string_view text, const std::string& name);

// The ignore files in force in one directory of a walk, linked to those of its parents.
struct IgnoreLayer {
  const IgnoreLayer* parent = nullptr;
  // How a path relative to the walk's root becomes relative to this layer's directory: strip
  // `strip` (this directory inside the walk, with '/') or prepend `prepend` (the walk's root
  // seen from an ancestor directory outside it, with '/').
  std::string strip, prepend;
  std::vector<IgnorePattern> patterns;
};

// The pattern that decides `rel` (relative to the walk's root), or null when none matches; the
// path is left out when the result is non-null and not negated.
const IgnorePattern* MatchIgnore(const IgnoreLayer* layer, std::string_view rel, bool is_dir);

}  // namespace ntpsweep::input
