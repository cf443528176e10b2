#include "watch/implementation.h"

#include <chrono>

namespace ntpsweep::watch {

bool TransmitIsClockReading(const NtpPacket& p, SysTime received) {
  if (p.transmit_ts == 0) return false;
  auto off = FromNtp(p.transmit_ts, received) - received;
  return off < std::chrono::hours(24) && off > -std::chrono::hours(24);
}

ImplementationGuess GuessImplementation(const NtpPacket& p, SysTime received) {
  if (p.mode == kModeControl)
    return {"ntpq", "mode 6 control request: ntpq or a monitoring tool speaking its protocol"};
  if (p.mode == kModePrivate)
    return {"ntpdc", "mode 7 private request: ntpdc (or a scanner probing for monlist)"};
  if (!p.has_header) return {"unknown", "NTPv" + std::to_string(p.version) + " request"};
  const bool clock_state_hidden = p.leap == 0 && p.stratum == 0 && p.reference_id == 0 &&
                                  p.root_delay == 0 && p.root_dispersion == 0 &&
                                  p.reference_ts == 0;
  const bool transmit_clock = TransmitIsClockReading(p, received);
  // chrony's client requests hide the clock's state: precision +32 (no clock has it), the rest
  // zero, and (basic mode) a random transmit timestamp.
  if (p.precision == 32 && clock_state_hidden && p.mode == kModeClient) {
    std::string basis =
        "precision +32 with leap, stratum, reference ID, root delay/dispersion and reference time "
        "zero: chrony's client request";
    basis += transmit_clock ? " (transmit timestamp a clock reading: interleaved or older chrony)"
                            : ", transmit timestamp random";
    if (p.nts) basis += ", with NTS";
    return {"chrony", basis};
  }
  if (p.nts)
    return {"nts",
            "NTS extension fields (RFC 8915) on a request of another shape: ntpsec or "
            "another NTS client"};
  // RFC 4330 SNTP: every header field zero except version, mode, perhaps leap and transmit.
  if (p.stratum == 0 && p.poll == 0 && p.precision == 0 && p.root_delay == 0 &&
      p.root_dispersion == 0 && p.reference_id == 0 && p.reference_ts == 0 && p.origin_ts == 0 &&
      p.receive_ts == 0 && p.mode == kModeClient) {
    std::string basis = "every field but version and mode zero";
    if (p.leap == 3)
      basis += ", leap 3 (unsynchronised): an SNTP client such as ntpdig/sntp";
    else if (p.leap == 0)
      basis += ": an SNTP client (RFC 4330) such as systemd-timesyncd or an embedded client";
    else
      basis += ": an SNTP client";
    if (p.transmit_ts == 0)
      basis += ", no transmit timestamp";
    else if (!transmit_clock)
      basis +=
          ", transmit timestamp not near our time (random, as OpenNTPD sends, or a wrong clock)";
    return {"sntp", basis};
  }
  // A full NTP daemon reports its own clock: a negative precision exponent, a poll exponent and
  // some state (stratum, reference ID, dispersion or reference time).
  if (p.precision < 0 && p.poll >= 3 && p.poll <= 17 &&
      (p.stratum != 0 || p.reference_id != 0 || p.root_dispersion != 0 || p.reference_ts != 0))
    return {"ntpd-like", "reports its own clock state (precision 2^" + std::to_string(p.precision) +
                             ", stratum " + std::to_string(p.stratum) + ", poll 2^" +
                             std::to_string(p.poll) +
                             "): a full NTP daemon such as ntpd, ntpsec or Windows Time"};
  return {"unknown", "no known client shape"};
}

}  // namespace ntpsweep::watch
