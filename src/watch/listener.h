// UDP sockets for `watch --listen`: one per address, the destination address of every datagram
// (IP_PKTINFO) so replies leave from the address the client asked, and SIGINT/SIGTERM through a
// signalfd so a signal ends the wait like a datagram would.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "watch/loop.h"

namespace ntpsweep::watch {

class UdpSource final : public DatagramSource {
 public:
  // Binds every endpoint (port 0: any free port). An endpoint that cannot be bound is an error in
  // `errors` unless `optional` (the default [::]:123 on a host without IPv6).
  struct Bind {
    Endpoint endpoint;
    bool optional = false;
  };
  UdpSource(const std::vector<Bind>& binds, std::vector<std::string>* errors,
            std::vector<std::string>* notices);
  ~UdpSource() override;
  UdpSource(const UdpSource&) = delete;
  UdpSource& operator=(const UdpSource&) = delete;

  // The addresses actually bound (with the port the kernel chose for port 0).
  const std::vector<Endpoint>& bound() const { return bound_; }

  Event Wait(std::optional<Duration> timeout, Datagram* out) override;
  bool Reply(const Datagram& request, std::span<const uint8_t> bytes) override;

 private:
  std::vector<int> fds_;
  std::vector<Endpoint> bound_;
  int signal_fd_ = -1;
  bool signals_blocked_ = false;
  size_t next_ = 0;  // round-robin start, so a busy socket cannot starve another
  std::vector<uint8_t> buffer_;
};

}  // namespace ntpsweep::watch
