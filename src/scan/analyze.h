// One entry's text -> findings: picks the syntaxes and rules that apply to its path, runs them,
// removes duplicates and classifies each finding.
#pragma once

#include <string_view>
#include <vector>

#include "core/types.h"
#include "host/target.h"
#include "rules/rule.h"

namespace ntpsweep::scan {

class Analyzer {
 public:
  Analyzer(const rules::RuleSet& rules, const host::TargetSet& targets);

  // `path` is the entry's path as the rules see it ("etc/ntp.conf", "repo/ntp.conf.bak").
  std::vector<Finding> Analyze(const Location& location, std::string_view path,
                               std::string_view text) const;

  const host::TargetSet& targets() const { return targets_; }

 private:
  struct SyntaxGroup;
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

// True when `data` looks binary (a NUL byte in the first 8 KiB), as grep and ripgrep decide.
bool LooksBinary(std::string_view data);

}  // namespace ntpsweep::scan
