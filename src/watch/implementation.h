// Which client software sent a request, from the packet's shape alone. Only shapes that a known
// implementation produces on purpose are named; anything else is "unknown".
#pragma once

#include <string>
#include <string_view>

#include "watch/clock.h"
#include "watch/ntp_packet.h"

namespace ntpsweep::watch {

struct ImplementationGuess {
  std::string_view id;  // "chrony", "sntp", "ntpd-like", "ntpq", "ntpdc", "nts", "unknown"
  std::string basis;    // why, in one sentence
};

// `received`: when the packet arrived, to tell a clock reading in the transmit timestamp from a
// random one.
ImplementationGuess GuessImplementation(const NtpPacket& request, SysTime received);

// True when the transmit timestamp is within a day of `received` (a clock reading, not a random
// nonce or a zero).
bool TransmitIsClockReading(const NtpPacket& p, SysTime received);

}  // namespace ntpsweep::watch
