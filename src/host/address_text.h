// Addresses back to text, in the one canonical spelling (RFC 5952 for IPv6) the C library's
// inet_ntop writes, so every room prints an address the same way.
#pragma once

#include <cstdint>
#include <string>

#include "host/target.h"

namespace ntpsweep::host {

// Dotted quad of an address in host byte order: "10.0.0.1".
std::string FormatIpv4(uint32_t address);
// Lower-case hex, the longest run of zero groups as "::", IPv4-mapped as "::ffff:10.0.0.1".
std::string FormatIpv6(const Ipv6Bytes& address);

}  // namespace ntpsweep::host
