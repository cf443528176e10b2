// An IPv4 or IPv6 address with a UDP port, as the watcher sees senders and its own sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ntpsweep::watch {

struct Endpoint {
  bool v6 = false;
  std::array<uint8_t, 16> address{};  // IPv4 in the first 4 bytes
  uint16_t port = 0;

  static Endpoint V4(std::array<uint8_t, 4> a, uint16_t port);
  static Endpoint V6(const std::array<uint8_t, 16>& a, uint16_t port);
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it carries.
  Endpoint Unmapped() const;
  // "192.0.2.1", "2001:db8::1" (RFC 5952 text).
  std::string AddressText() const;
  // "192.0.2.1:123", "[2001:db8::1]:123".
  std::string Text() const;
  // Orders by family, then address: the order of every report.
  std::array<uint8_t, 17> Key() const;
  bool SameAddress(const Endpoint& o) const { return Key() == o.Key(); }
};

// "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address; port defaults to
// `default_port`. Names are not resolved: the watcher binds what it is told.
std::optional<Endpoint> ParseEndpoint(std::string_view text, uint16_t default_port);

}  // namespace ntpsweep::watch
