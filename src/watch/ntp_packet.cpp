#include "watch/ntp_packet.h"

#include <cstdio>

namespace ntpsweep::watch {
namespace {

constexpr int64_t kUnixToNtpSeconds = 2208988800;  // 1900-01-01 to 1970-01-01
constexpr int64_t kEraSeconds = int64_t{1} << 32;

uint16_t Be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
uint64_t Be64(const uint8_t* p) {
  return uint64_t{Be32(p)} << 32 | Be32(p + 4);
}
void PutBe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
void PutBe64(uint8_t* p, uint64_t v) {
  PutBe32(p, static_cast<uint32_t>(v >> 32));
  PutBe32(p + 4, static_cast<uint32_t>(v));
}

// RFC 7822: extension fields (16+ bytes, a multiple of 4) until what is left is a MAC. A final
// field without a MAC is at least 28 bytes, so 4, 20 or 24 bytes left are a MAC.
void DecodeTrailer(std::span<const uint8_t> rest, NtpPacket* p) {
  while (rest.size() >= 16 && rest.size() != 20 && rest.size() != 24) {
    uint16_t type = Be16(rest.data());
    uint16_t len = Be16(rest.data() + 2);
    if (len < 16 || len % 4 != 0 || len > rest.size()) {
      p->problem = "extension field with an invalid length";
      return;
    }
    ++p->extension_fields;
    if (type == kNtsUniqueIdentifier || type == kNtsCookie || type == kNtsCookiePlaceholder ||
        type == kNtsAuthenticator)
      p->nts = true;
    rest = rest.subspan(len);
  }
  if (rest.size() == 4 || rest.size() == 20 || rest.size() == 24)
    p->mac_bytes = static_cast<uint16_t>(rest.size());
  else if (!rest.empty())
    p->problem = "bytes after the header that are neither extension fields nor a MAC";
}

}  // namespace

NtpTimestamp ToNtp(SysTime t) {
  auto ns = t.time_since_epoch().count();
  int64_t secs = ns / 1'000'000'000;
  int64_t rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --secs;
  }
  uint64_t ntp_secs = static_cast<uint64_t>(secs + kUnixToNtpSeconds) & 0xffffffffu;
  uint64_t frac = (static_cast<uint64_t>(rem) << 32) / 1'000'000'000;
  return ntp_secs << 32 | frac;
}

SysTime FromNtp(NtpTimestamp ts, SysTime near) {
  int64_t near_ntp = near.time_since_epoch().count() / 1'000'000'000 + kUnixToNtpSeconds;
  int64_t era = near_ntp >= 0 ? near_ntp / kEraSeconds : -1;
  int64_t secs = era * kEraSeconds + static_cast<int64_t>(ts >> 32);
  // The candidate eras around `near`: take the closest.
  int64_t best = secs;
  for (int64_t candidate : {secs - kEraSeconds, secs + kEraSeconds})
    if (std::llabs(candidate - near_ntp) < std::llabs(best - near_ntp)) best = candidate;
  int64_t frac_ns = static_cast<int64_t>(((ts & 0xffffffffu) * 1'000'000'000) >> 32);
  return SysTime{Duration{(best - kUnixToNtpSeconds) * 1'000'000'000 + frac_ns}};
}

std::string_view ModeName(uint8_t mode) {
  switch (mode) {
    case kModeSymmetricActive:
      return "symmetric-active";
    case kModeSymmetricPassive:
      return "symmetric-passive";
    case kModeClient:
      return "client";
    case kModeServer:
      return "server";
    case kModeBroadcast:
      return "broadcast";
    case kModeControl:
      return "control";
    case kModePrivate:
      return "private";
    default:
      return "reserved";
  }
}

NtpPacket DecodeNtp(std::span<const uint8_t> bytes, uint16_t source_port) {
  NtpPacket p;
  p.length = bytes.size();
  if (bytes.empty()) {
    p.problem = "empty datagram";
    return p;
  }
  const uint8_t* b = bytes.data();
  p.leap = b[0] >> 6;
  p.version = (b[0] >> 3) & 7;
  p.wire_mode = p.mode = b[0] & 7;
  if (p.version == 0) {
    p.problem = "version 0";
    return p;
  }
  if (p.version > 5) {
    p.problem = "version 6 or 7";
    return p;
  }
  if (p.mode == kModeReserved) {
    // NTPv1 (RFC 1059) has no mode: ntpd takes a sender on port 123 for a peer, others for clients.
    if (p.version != 1) {
      p.problem = "mode 0 (reserved)";
      return p;
    }
    p.mode = source_port == 123 ? kModeSymmetricActive : kModeClient;
  }
  if (p.mode == kModeControl) {
    if (bytes.size() < 12) {
      p.problem = "control message shorter than its 12-byte header";
      return p;
    }
    p.leap = 0;
    p.response = (b[1] & 0x80) != 0;
    p.control_code = b[1] & 0x1f;
    p.kind = p.response ? PacketKind::kReply : PacketKind::kRequest;
    return p;
  }
  if (p.mode == kModePrivate) {
    if (bytes.size() < 8) {
      p.problem = "private (mode 7) message shorter than its 8-byte header";
      return p;
    }
    p.leap = 0;  // these two bits are the R and M flags in mode 7
    p.response = (b[0] & 0x80) != 0;
    p.control_code = b[3];
    p.kind = p.response ? PacketKind::kReply : PacketKind::kRequest;
    return p;
  }
  if (bytes.size() < 48) {
    p.problem = "shorter than the 48-byte header";
    return p;
  }
  bool request = p.mode == kModeSymmetricActive || p.mode == kModeClient;
  p.kind = request ? PacketKind::kRequest : PacketKind::kReply;
  if (p.version == 5)
    return p;  // NTPv5 (draft) lays its header out differently: mode and version only
  p.has_header = true;
  p.stratum = b[1];
  p.poll = static_cast<int8_t>(b[2]);
  p.precision = static_cast<int8_t>(b[3]);
  p.root_delay = Be32(b + 4);
  p.root_dispersion = Be32(b + 8);
  p.reference_id = Be32(b + 12);
  p.reference_ts = Be64(b + 16);
  p.origin_ts = Be64(b + 24);
  p.receive_ts = Be64(b + 32);
  p.transmit_ts = Be64(b + 40);
  std::span<const uint8_t> rest = bytes.subspan(48);
  if (p.version == 4) {
    DecodeTrailer(rest, &p);
  } else if (rest.size() == 4 || rest.size() == 20 || rest.size() == 24) {
    p.mac_bytes = static_cast<uint16_t>(rest.size());
  } else if (!rest.empty()) {
    p.problem = "bytes after the header that are not a MAC";
  }
  return p;
}

std::string ReferenceIdText(uint32_t id, uint8_t stratum) {
  uint8_t c[4] = {static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
                  static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  if (stratum <= 1 && id != 0) {
    std::string text;
    bool printable = true;
    for (uint8_t ch : c) {
      if (ch == 0) break;
      if (ch < 0x20 || ch > 0x7e) printable = false;
      text.push_back(static_cast<char>(ch));
    }
    if (printable && !text.empty()) return text;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", c[0], c[1], c[2], c[3]);
  return buf;
}

std::array<uint8_t, 48> KissOfDeath(const NtpPacket& request, std::string_view code, SysTime now) {
  std::array<uint8_t, 48> r{};
  uint8_t mode = request.mode == kModeSymmetricActive ? kModeSymmetricPassive : kModeServer;
  uint8_t version = request.version >= 1 && request.version <= 4 ? request.version : 4;
  r[0] = static_cast<uint8_t>(3 << 6 | version << 3 | mode);
  r[1] = 0;  // stratum 0: a kiss
  r[2] = static_cast<uint8_t>(request.poll);
  r[3] = static_cast<uint8_t>(-20);  // about a microsecond; clients ignore it in a kiss
  for (size_t i = 0; i < 4; ++i) r[12 + i] = i < code.size() ? static_cast<uint8_t>(code[i]) : 0;
  NtpTimestamp t = ToNtp(now);
  PutBe64(r.data() + 24, request.transmit_ts);
  PutBe64(r.data() + 32, t);
  PutBe64(r.data() + 40, t);
  return r;
}

}  // namespace ntpsweep::watch
