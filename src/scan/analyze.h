// One entry's text -> findings: picks the syntaxes and rules that apply to its path, runs them,
// reads embedded documents with their own syntax, removes duplicates and classifies.
#pragma once

#include <string_view>
#include <vector>

#include "core/file.h"
#include "core/types.h"
#include "host/target.h"
#include "rules/rule.h"

namespace ntpsweep::scan {

// A file an include directive names (chrony include/confdir/sourcedir, ntp.conf includefile):
// a glob, absolute (inside the scanned root) or relative to the including file's directory.
struct IncludeRef {
  std::string syntax;
  std::string pattern;
  bool in_root = false;  // an absolute path of the configured system: resolve under the root
};

class Analyzer {
 public:
  Analyzer(const rules::RuleSet& rules, const host::TargetSet& targets);

  // `path` is the entry's path as the rules see it ("etc/ntp.conf", "repo/ntp.conf.bak").
  // Problems in the document (a malformed YAML file) are appended to `notices`.
  // Include directives found are appended to `includes` when given; `forced_syntaxes` are read
  // whatever the path (the entry was named by such an include).
  std::vector<Finding> Analyze(const Location& location, std::string_view path,
                               std::string_view text, std::vector<Notice>* notices,
                               std::vector<IncludeRef>* includes = nullptr,
                               const std::vector<std::string>* forced_syntaxes = nullptr) const;

  const host::TargetSet& targets() const { return targets_; }

 private:
  struct Hit;
  void Collect(std::string_view path, std::string_view text, int depth, std::vector<Hit>* hits,
               std::vector<std::pair<size_t, std::string>>* diagnostics,
               std::vector<IncludeRef>* includes = nullptr,
               const std::vector<std::string>* forced_syntaxes = nullptr) const;

  const rules::RuleSet& rules_;
  const host::TargetSet& targets_;
  std::vector<const rules::Rule*> directive_rules_;
  std::vector<const rules::Rule*> other_rules_;
};

// The path with a backup/vendor-copy suffix removed ("ntp.conf.dpkg-old" -> "ntp.conf"), and
// whether it is such a copy at all (suffix, or a pristine copy under usr/share/).
struct PathClass {
  std::string effective_path;
  bool backup_copy = false;
};
PathClass ClassifyPath(std::string_view path);

// Whether `rule` applies to an entry: its path globs (on the effective path) or its sniff.
bool RuleApplies(const rules::Rule& rule, std::string_view effective_path, std::string_view text);

using ntpsweep::LooksBinary;  // core/file.h

}  // namespace ntpsweep::scan
