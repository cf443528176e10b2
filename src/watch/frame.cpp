#include "watch/frame.h"

#include <pcap/dlt.h>

#include <cstring>

namespace ntpsweep::watch {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kUdpProtocol = 17;
constexpr uint16_t kNtpPort = 123;

uint16_t Be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

bool IsVlanTag(uint16_t type) {
  return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

FrameKind Malformed(std::string_view* reason, std::string_view why) {
  *reason = why;
  return FrameKind::kMalformed;
}

FrameKind DecodeUdp(std::span<const uint8_t> b, Endpoint from, Endpoint to, UdpFrame* frame,
                    std::string_view* reason) {
  if (b.size() < 8) return Malformed(reason, "UDP header cut short");
  uint16_t sport = Be16(b.data()), dport = Be16(b.data() + 2), len = Be16(b.data() + 4);
  if (sport != kNtpPort && dport != kNtpPort) return FrameKind::kOther;
  if (len < 8) return Malformed(reason, "UDP length below its header");
  from.port = sport;
  to.port = dport;
  frame->from = from;
  frame->to = to;
  size_t want = len - 8u;
  size_t have = b.size() - 8;
  frame->cut_short = have < want;
  frame->payload = b.subspan(8, std::min(want, have));  // Ethernet padding is not payload
  return FrameKind::kNtp;
}

FrameKind DecodeIpv4(std::span<const uint8_t> b, UdpFrame* frame, std::string_view* reason) {
  if (b.size() < 20) return Malformed(reason, "IPv4 header cut short");
  size_t ihl = (b[0] & 0x0f) * 4u;
  size_t total = Be16(b.data() + 2);
  if (ihl < 20 || b.size() < ihl) return Malformed(reason, "IPv4 header length invalid");
  if (total < ihl) return Malformed(reason, "IPv4 total length below its header");
  if (b[9] != kUdpProtocol) return FrameKind::kOther;
  uint16_t frag = Be16(b.data() + 6);
  if ((frag & 0x1fff) != 0 || (frag & 0x2000) != 0) return FrameKind::kFragment;
  std::array<uint8_t, 4> src, dst;
  std::memcpy(src.data(), b.data() + 12, 4);
  std::memcpy(dst.data(), b.data() + 16, 4);
  return DecodeUdp(b.subspan(ihl, std::min(b.size(), total) - ihl), Endpoint::V4(src, 0),
                   Endpoint::V4(dst, 0), frame, reason);
}

FrameKind DecodeIpv6(std::span<const uint8_t> b, UdpFrame* frame, std::string_view* reason) {
  if (b.size() < 40) return Malformed(reason, "IPv6 header cut short");
  size_t payload_len = Be16(b.data() + 4);
  std::array<uint8_t, 16> src, dst;
  std::memcpy(src.data(), b.data() + 8, 16);
  std::memcpy(dst.data(), b.data() + 24, 16);
  uint8_t next = b[6];
  std::span<const uint8_t> rest = b.subspan(40, std::min(b.size() - 40, payload_len));
  // Extension headers before UDP: hop-by-hop, routing, fragment, destination options, AH.
  for (int hops = 0; hops < 16; ++hops) {
    if (next == kUdpProtocol)
      return DecodeUdp(rest, Endpoint::V6(src, 0), Endpoint::V6(dst, 0), frame, reason);
    size_t len = 0;
    if (next == 0 || next == 43 || next == 60) {
      if (rest.size() < 2) return Malformed(reason, "IPv6 extension header cut short");
      len = (rest[1] + 1u) * 8;
    } else if (next == 44) {
      if (rest.size() < 8) return Malformed(reason, "IPv6 extension header cut short");
      uint16_t off = Be16(rest.data() + 2);
      if ((off & 0xfff8) != 0 || (off & 1) != 0) return FrameKind::kFragment;
      len = 8;
    } else if (next == 51) {
      if (rest.size() < 2) return Malformed(reason, "IPv6 extension header cut short");
      len = (rest[1] + 2u) * 4;
    } else {
      return FrameKind::kOther;
    }
    if (rest.size() < len) return Malformed(reason, "IPv6 extension header cut short");
    next = rest[0];
    rest = rest.subspan(len);
  }
  return Malformed(reason, "IPv6 extension header chain too long");
}

FrameKind DecodeIp(std::span<const uint8_t> b, UdpFrame* frame, std::string_view* reason) {
  if (b.empty()) return Malformed(reason, "IP header cut short");
  switch (b[0] >> 4) {
    case 4:
      return DecodeIpv4(b, frame, reason);
    case 6:
      return DecodeIpv6(b, frame, reason);
    default:
      return FrameKind::kOther;
  }
}

FrameKind DecodeEtherType(uint16_t type, std::span<const uint8_t> b, UdpFrame* frame,
                          std::string_view* reason) {
  // 802.1Q and 802.1ad tags, stacked (QinQ): 2 bytes of tag control, then the next type.
  for (int tags = 0; IsVlanTag(type); ++tags) {
    if (tags == 8 || b.size() < 4) return Malformed(reason, "VLAN tag cut short");
    type = Be16(b.data() + 2);
    b = b.subspan(4);
  }
  if (type == kEtherIpv4) return DecodeIpv4(b, frame, reason);
  if (type == kEtherIpv6) return DecodeIpv6(b, frame, reason);
  return FrameKind::kOther;
}

}  // namespace

bool LinkTypeSupported(int dlt) {
  return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 || dlt == DLT_RAW ||
         dlt == DLT_IPV4 || dlt == DLT_IPV6 || dlt == DLT_NULL || dlt == DLT_LOOP;
}

FrameKind DecodeFrame(int dlt, std::span<const uint8_t> b, UdpFrame* frame,
                      std::string_view* reason) {
  switch (dlt) {
    case DLT_EN10MB:
      if (b.size() < 14) return Malformed(reason, "Ethernet header cut short");
      return DecodeEtherType(Be16(b.data() + 12), b.subspan(14), frame, reason);
    case DLT_LINUX_SLL:
      if (b.size() < 16) return Malformed(reason, "Linux cooked header cut short");
      return DecodeEtherType(Be16(b.data() + 14), b.subspan(16), frame, reason);
    case DLT_LINUX_SLL2:
      if (b.size() < 20) return Malformed(reason, "Linux cooked v2 header cut short");
      return DecodeEtherType(Be16(b.data()), b.subspan(20), frame, reason);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
      return DecodeIp(b, frame, reason);
    case DLT_NULL:
    case DLT_LOOP: {
      // The address family, in the capturing host's byte order (DLT_NULL) or big-endian (LOOP).
      if (b.size() < 4) return Malformed(reason, "loopback header cut short");
      uint32_t le = b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
      uint32_t be = uint32_t{b[0]} << 24 | b[1] << 16 | b[2] << 8 | b[3];
      uint32_t family = dlt == DLT_LOOP || le > 0xffff ? be : le;
      if (family == 2) return DecodeIpv4(b.subspan(4), frame, reason);
      if (family == 10 || family == 24 || family == 28 || family == 30)
        return DecodeIpv6(b.subspan(4), frame, reason);
      return FrameKind::kOther;
    }
    default:
      return Malformed(reason, "unsupported link type");
  }
}

}  // namespace ntpsweep::watch
