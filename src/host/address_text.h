// Addresses back to text, in the one canonical spelling (RFC 5952 for IPv6) the C library's
// inet_ntop writes, so every room prints an address the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "host/target.h"

namespace ntpsweep::host {

// Dotted quad of an address in host byte order: "10.0.0.1".
std::string FormatIpv4(uint32_t address);
// Lower-case hex, the longest run of zero groups as "::", IPv4-mapped as "::ffff:10.0.0.1".
std::string FormatIpv6(const Ipv6Bytes& address);

// A host value's canonical form for grouping: IPv4/IPv6 by value, names lower-case without the
// trailing dot.
std::string CanonicalHost(std::string_view host);

// What inventory groups a time source by: the canonical host, or for a template expression
// ({{ server }}, ${NTP}) the expression on one line.
std::string GroupingKey(std::string_view host, bool expression);

}  // namespace ntpsweep::host
