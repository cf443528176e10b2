// libFuzzer target: the whole analysis of one entry (scan/analyze.h) with the built-in rules:
// the first line of the input is the entry's path (it selects syntaxes and rules), the rest its
// text. Embedded documents, templates and decoders are followed as in a scan.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/target.h"
#include "rules/rule.h"
#include "scan/analyze.h"

namespace {

struct World {
  ntpsweep::rules::RuleSet rules;
  ntpsweep::host::TargetSet targets;
  std::unique_ptr<ntpsweep::scan::Analyzer> analyzer;
  World() {
    rules.LoadBuiltin();
    std::string error;
    for (const char* t : {"10.0.0.1", "192.0.2.0/24", "2001:db8::123", "ntp1.corp.example.com"})
      if (!targets.Add(t, &error)) __builtin_trap();
    analyzer = std::make_unique<ntpsweep::scan::Analyzer>(rules, targets);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  if (nl == std::string_view::npos || nl > 200) return 0;
  std::string_view path = input.substr(0, nl), text = input.substr(nl + 1);
  ntpsweep::Location location;
  location.chain = {std::string(path)};
  std::vector<ntpsweep::Notice> notices;
  std::vector<ntpsweep::scan::IncludeRef> includes;
  auto screening = world.analyzer->Screen(path, text);
  auto findings =
      world.analyzer->Analyze(location, path, text, &notices, &includes, nullptr, &screening);
  for (const auto& f : findings)
    if (f.span.offset > text.size()) __builtin_trap();
  return 0;
}
