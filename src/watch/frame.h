// Link layer to UDP for captures: Ethernet (802.1Q/802.1ad tags), Linux cooked SLL and SLL2,
// raw IP, BSD loopback; IPv4 (options) and IPv6 (extension headers); UDP to or from port 123.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "watch/endpoint.h"

namespace ntpsweep::watch {

// libpcap's link-layer header types (pcap/dlt.h) that DecodeFrame reads.
bool LinkTypeSupported(int dlt);

struct UdpFrame {
  Endpoint from;
  Endpoint to;
  std::span<const uint8_t> payload;  // what the capture holds of the UDP payload
  bool cut_short = false;            // the capture kept less than the UDP length says
};

enum class FrameKind {
  kNtp,        // UDP with port 123 on either side: `frame` is set
  kOther,      // not IP, not UDP, or UDP between other ports
  kFragment,   // a fragment of an IP datagram (not reassembled)
  kMalformed,  // headers that contradict themselves or end early; `reason` says which
};

FrameKind DecodeFrame(int dlt, std::span<const uint8_t> bytes, UdpFrame* frame,
                      std::string_view* reason);

}  // namespace ntpsweep::watch
