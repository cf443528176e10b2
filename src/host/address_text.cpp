#include "host/address_text.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace ntpsweep::host {

std::string FormatIpv4(uint32_t address) {
  in_addr a{htonl(address)};
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

std::string FormatIpv6(const Ipv6Bytes& address) {
  char buf[INET6_ADDRSTRLEN];
  return inet_ntop(AF_INET6, address.data(), buf, sizeof buf);
}

std::string CanonicalHost(std::string_view h) {
  if (auto v4 = ParseIpv4DottedQuad(h)) return FormatIpv4(*v4);
  std::string_view v = h;
  if (!v.empty() && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
  if (size_t pct = v.find('%'); pct != std::string_view::npos) v = v.substr(0, pct);
  if (v.find(':') != std::string_view::npos)
    if (auto v6 = ParseIpv6(v)) return FormatIpv6(*v6);
  std::string n(h);
  while (!n.empty() && n.back() == '.') n.pop_back();
  std::transform(n.begin(), n.end(), n.begin(), ::tolower);
  return n;
}

std::string GroupingKey(std::string_view host, bool expression) {
  if (!expression) return CanonicalHost(host);
  std::string k;
  for (char c : host) k += (c == '\n' || c == '\t') ? ' ' : c;
  return k;
}

}  // namespace ntpsweep::host
