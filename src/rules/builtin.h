#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace ntpsweep::rules {

struct EmbeddedRuleFile {
  std::string_view name;  // file name in rules/
  std::string_view text;
};

// Defined in the generated builtin_rules.cpp (cmake/embed_rules.cmake).
const std::vector<EmbeddedRuleFile>& BuiltinRuleFiles();

// The atoms (RuleSelector::WordsOf) of one pattern of the built-in pack, computed at build time:
// compiling each pattern for them was a seventh of the start-up of a scan.
struct BuiltinAtoms {
  std::string_view pattern;
  bool parsed;  // false: RE2 cannot parse it (no atoms)
  std::span<const std::string_view> atoms;
};
// Sorted by pattern. Defined in the generated builtin_atoms.cpp (cmake/gen_builtin_atoms.cpp),
// which the binary and the tests link; elsewhere (the generator itself, the fuzz targets) a weak
// empty table, and every pattern's atoms are computed when first asked.
std::span<const BuiltinAtoms> BuiltinAtomTable();

}  // namespace ntpsweep::rules
