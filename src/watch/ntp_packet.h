// NTP on the wire (RFC 5905 header, RFC 7822 extension fields, RFC 8915 NTS field types, the
// mode 6 and mode 7 control formats of ntpq and ntpdc, NTPv1's mode-less header) and the
// Kiss-o'-Death reply of RFC 5905 section 7.4.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "watch/clock.h"

namespace ntpsweep::watch {

// Seconds since 1900-01-01 (mod 2^32) in the high 32 bits, binary fraction in the low 32.
using NtpTimestamp = uint64_t;

NtpTimestamp ToNtp(SysTime t);
// The instant `ts` names in the NTP era nearest to `near` (timestamps wrap every 136 years).
SysTime FromNtp(NtpTimestamp ts, SysTime near);

enum Mode : uint8_t {
  kModeReserved = 0,
  kModeSymmetricActive = 1,
  kModeSymmetricPassive = 2,
  kModeClient = 3,
  kModeServer = 4,
  kModeBroadcast = 5,
  kModeControl = 6,  // ntpq
  kModePrivate = 7,  // ntpdc
};
std::string_view ModeName(uint8_t mode);

// What a datagram is, from the point of view of who sent it.
enum class PacketKind {
  kRequest,    // a client asking: modes 1 and 3, control requests (6, 7 without the R bit)
  kReply,      // a server answering or broadcasting: modes 2, 4, 5, control responses
  kMalformed,  // not a well-formed NTP packet; `problem` says why
};

// RFC 8915 section 5.7 extension field types.
constexpr uint16_t kNtsUniqueIdentifier = 0x0104;
constexpr uint16_t kNtsCookie = 0x0204;
constexpr uint16_t kNtsCookiePlaceholder = 0x0304;
constexpr uint16_t kNtsAuthenticator = 0x0404;

struct NtpPacket {
  PacketKind kind = PacketKind::kMalformed;
  std::string_view problem;  // a fixed phrase, for kMalformed (and odd trailers of good packets)
  size_t length = 0;

  uint8_t leap = 0;
  uint8_t version = 0;
  uint8_t wire_mode = 0;  // as sent
  uint8_t mode = 0;       // NTPv1's mode 0 resolved by source port, as ntpd does

  // The 48-byte header (modes 1-5, versions 1-4).
  bool has_header = false;
  uint8_t stratum = 0;
  int8_t poll = 0;
  int8_t precision = 0;
  uint32_t root_delay = 0;
  uint32_t root_dispersion = 0;
  uint32_t reference_id = 0;
  NtpTimestamp reference_ts = 0;
  NtpTimestamp origin_ts = 0;
  NtpTimestamp receive_ts = 0;
  NtpTimestamp transmit_ts = 0;
  // After the header (NTPv4): extension fields, then a MAC (4: crypto-NAK, 20 or 24 bytes).
  uint16_t extension_fields = 0;
  bool nts = false;
  uint16_t mac_bytes = 0;

  // Modes 6 and 7: the opcode (6) or request code (7); `response` is the R bit.
  bool response = false;
  uint8_t control_code = 0;
};

// Decodes one UDP payload; `source_port` resolves NTPv1's mode 0. Never throws; anything that is
// not NTP comes back kMalformed with a reason.
NtpPacket DecodeNtp(std::span<const uint8_t> bytes, uint16_t source_port);

// Reference ID as people read it: the ASCII code of a stratum 0/1 server ("GPS", "DENY") when
// printable, else a dotted quad.
std::string ReferenceIdText(uint32_t id, uint8_t stratum);

// A Kiss-o'-Death reply to `request` (mode 1 or 3 with a header): stratum 0, leap 3, the kiss
// code as reference ID, origin = the request's transmit timestamp, receive and transmit = `now`.
// Mode 4 answers mode 3, mode 2 answers mode 1; the version is the request's.
std::array<uint8_t, 48> KissOfDeath(const NtpPacket& request, std::string_view code, SysTime now);

}  // namespace ntpsweep::watch
