// Runs the examples embedded in rules through the real analyzer: `ntpsweep rules test`.
#pragma once

#include <string>
#include <vector>

#include "rules/rule.h"

namespace ntpsweep::scan {

struct ExampleFailure {
  std::string rule_id;
  std::string where;    // rule file:line of the example
  std::string message;  // what differed
};

struct ExampleReport {
  size_t rules = 0;
  size_t examples = 0;
  size_t passed = 0;  // examples whose findings matched exactly
  std::vector<ExampleFailure> failures;
};

// Each example is scanned with every rule of `rules` active (so a specific rule and the
// catch-all interact as in a real scan); the lines the example's rule reports must equal the
// example's `match` list. A rule with no example is a failure: untested rules do not ship.
ExampleReport RunRuleExamples(const rules::RuleSet& rules);

}  // namespace ntpsweep::scan
