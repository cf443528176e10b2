// libFuzzer target: the target parser (host/target.h) on any value a user or config may give.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "host/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto target = ntpsweep::host::ParseTarget(value, &error);
  // A rejected value always says why; an accepted one never carries a reason.
  if (!target && error.empty()) __builtin_trap();
  ntpsweep::host::ParseIpv4InetAton(value);
  ntpsweep::host::ParseIpv4DottedQuad(value);
  ntpsweep::host::ParseIpv6(value);
  ntpsweep::host::TargetSet set;
  if (set.Add(value, &error) != target.has_value()) __builtin_trap();
  if (target) set.FindInText(value);
  return 0;
}
