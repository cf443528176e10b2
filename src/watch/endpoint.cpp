#include "watch/endpoint.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace ntpsweep::watch {

Endpoint Endpoint::V4(std::array<uint8_t, 4> a, uint16_t port) {
  Endpoint e;
  std::memcpy(e.address.data(), a.data(), 4);
  e.port = port;
  return e;
}

Endpoint Endpoint::V6(const std::array<uint8_t, 16>& a, uint16_t port) {
  Endpoint e;
  e.v6 = true;
  e.address = a;
  e.port = port;
  return e;
}

Endpoint Endpoint::Unmapped() const {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!v6 || std::memcmp(address.data(), kMapped, 12) != 0) return *this;
  return V4({address[12], address[13], address[14], address[15]}, port);
}

std::string Endpoint::AddressText() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(v6 ? AF_INET6 : AF_INET, address.data(), buf, sizeof buf)) return "?";
  return buf;
}

std::string Endpoint::Text() const {
  std::string a = AddressText();
  return (v6 ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

std::array<uint8_t, 17> Endpoint::Key() const {
  std::array<uint8_t, 17> k{};
  k[0] = v6 ? 6 : 4;
  std::memcpy(k.data() + 1, address.data(), v6 ? 16 : 4);
  return k;
}

std::optional<Endpoint> ParseEndpoint(std::string_view text, uint16_t default_port) {
  std::string host(text);
  uint16_t port = default_port;
  auto parse_port = [&](std::string_view p) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc() || end != p.data() + p.size() || p.empty() || v > 65535) return false;
    port = static_cast<uint16_t>(v);
    return true;
  };
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1)))) return std::nullopt;
  } else if (size_t colon = text.find(':'); colon != std::string_view::npos &&
                                            text.find(':', colon + 1) == std::string_view::npos) {
    host = std::string(text.substr(0, colon));
    if (!parse_port(text.substr(colon + 1))) return std::nullopt;
  }
  std::array<uint8_t, 16> a{};
  if (inet_pton(AF_INET, host.c_str(), a.data()) == 1)
    return Endpoint::V4({a[0], a[1], a[2], a[3]}, port);
  if (inet_pton(AF_INET6, host.c_str(), a.data()) == 1) return Endpoint::V6(a, port);
  return std::nullopt;
}

}  // namespace ntpsweep::watch
