// libFuzzer target: the text matcher (host/target.h) over arbitrary text, with a fixed target
// set of every kind. Checks the contract the gate relies on: MayMention is false only when
// FindInText finds nothing, and matches are in bounds, ordered and non-overlapping.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "host/target.h"

namespace {

const ntpsweep::host::TargetSet& Targets() {
  static const ntpsweep::host::TargetSet set = [] {
    ntpsweep::host::TargetSet s;
    std::string error;
    for (const char* t : {"10.0.0.1", "192.0.2.0/24", "2001:db8::123", "2001:db8:1::/48",
                          "ntp1.corp.example.com", "time.example.org."})
      if (!s.Add(t, &error)) __builtin_trap();
    return s;
  }();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto& set = Targets();
  auto matches = set.FindInText(text);
  if (!matches.empty() && !set.MayMention(text)) __builtin_trap();
  size_t end = 0;
  for (const auto& m : matches) {
    if (m.offset < end || m.length == 0 || m.offset + m.length > size) __builtin_trap();
    if (m.target >= set.targets().size()) __builtin_trap();
    end = m.offset + m.length;
  }
  // The same bytes read as one directive argument, in both contexts.
  if (size <= 256) {
    set.MatchToken(text, ntpsweep::host::Context::kHostValue);
    set.MatchToken(text, ntpsweep::host::Context::kFreeText);
  }
  return 0;
}
