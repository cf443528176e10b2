#include "core/result.h"

#include <algorithm>
#include <tuple>

namespace ntpsweep {

void SortFindings(std::vector<Finding>* findings) {
  std::sort(findings->begin(), findings->end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.location, a.span.line, a.span.column, a.rule_id) <
           std::tie(b.location, b.span.line, b.span.column, b.rule_id);
  });
}

}  // namespace ntpsweep
