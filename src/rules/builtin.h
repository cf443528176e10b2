#pragma once

#include <string_view>
#include <vector>

namespace ntpsweep::rules {

struct EmbeddedRuleFile {
  std::string_view name;  // file name in rules/
  std::string_view text;
};

// Defined in the generated builtin_rules.cpp (cmake/embed_rules.cmake).
const std::vector<EmbeddedRuleFile>& BuiltinRuleFiles();

}  // namespace ntpsweep::rules
