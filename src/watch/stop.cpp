#include "watch/stop.h"

#include <algorithm>

namespace ntpsweep::watch {

std::string_view StopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kNone:
      return "running";
    case StopReason::kDuration:
      return "duration";
    case StopReason::kQuiet:
      return "until-quiet";
    case StopReason::kMaxPackets:
      return "max-packets";
    case StopReason::kSignal:
      return "signal";
    case StopReason::kEndOfInput:
      return "end-of-capture";
    case StopReason::kError:
      return "error";
  }
  return "?";
}

StopReason StopDue(const StopPolicy& policy, Duration now, Duration started, Duration last_request,
                   uint64_t datagrams) {
  if (policy.max_packets != 0 && datagrams >= policy.max_packets) return StopReason::kMaxPackets;
  if (policy.duration && now - started >= *policy.duration) return StopReason::kDuration;
  if (policy.until_quiet && now - last_request >= *policy.until_quiet) return StopReason::kQuiet;
  return StopReason::kNone;
}

std::optional<Duration> NextDeadline(const StopPolicy& policy, Duration started,
                                     Duration last_request) {
  std::optional<Duration> next;
  if (policy.duration) next = started + *policy.duration;
  if (policy.until_quiet) {
    Duration quiet = last_request + *policy.until_quiet;
    next = next ? std::min(*next, quiet) : quiet;
  }
  return next;
}

}  // namespace ntpsweep::watch
