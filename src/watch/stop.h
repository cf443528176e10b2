// When the watcher stops: pure functions of the clock's elapsed time and the packet count, so
// tests decide them by moving a ManualClock.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "watch/clock.h"

namespace ntpsweep::watch {

struct StopPolicy {
  std::optional<Duration> duration;     // --duration: this long after the start
  std::optional<Duration> until_quiet;  // --until-quiet: this long without a client request
  uint64_t max_packets = 0;             // --max-packets: after this many datagrams (0: no limit)
};

enum class StopReason { kNone, kDuration, kQuiet, kMaxPackets, kSignal, kEndOfInput, kError };
std::string_view StopReasonName(StopReason r);

// `now`, `started` and `last_request` are Clock::Elapsed() values; `last_request` is `started`
// until the first request.
StopReason StopDue(const StopPolicy& policy, Duration now, Duration started, Duration last_request,
                   uint64_t datagrams);

// The earliest elapsed time at which a time-based stop falls due; nullopt when none is set.
std::optional<Duration> NextDeadline(const StopPolicy& policy, Duration started,
                                     Duration last_request);

}  // namespace ntpsweep::watch
