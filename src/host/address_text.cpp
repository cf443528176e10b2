#include "host/address_text.h"

#include <arpa/inet.h>

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

}  // namespace ntpsweep::host
