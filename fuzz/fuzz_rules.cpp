// libFuzzer target: the rule loader (rules/loader.cpp) on arbitrary YAML rule files. Bad rules
// are a RuleError with a place; anything else escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ntpsweep::rules::RuleSet rules;
  try {
    rules.LoadYaml(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const ntpsweep::rules::RuleError&) {
  }
  return 0;
}
