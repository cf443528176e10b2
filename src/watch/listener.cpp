#include "watch/listener.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ntpsweep::watch {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

Endpoint FromSockaddr(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET6) {
    const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
    std::array<uint8_t, 16> a;
    std::memcpy(a.data(), &s6.sin6_addr, 16);
    return Endpoint::V6(a, ntohs(s6.sin6_port));
  }
  const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
  std::array<uint8_t, 4> a;
  std::memcpy(a.data(), &s4.sin_addr, 4);
  return Endpoint::V4(a, ntohs(s4.sin_port));
}

socklen_t ToSockaddr(const Endpoint& e, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof *ss);
  if (e.v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(e.port);
    std::memcpy(&s6->sin6_addr, e.address.data(), 16);
    return sizeof *s6;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(e.port);
  std::memcpy(&s4->sin_addr, e.address.data(), 4);
  return sizeof *s4;
}

}  // namespace

UdpSource::UdpSource(const std::vector<Bind>& binds, std::vector<std::string>* errors,
                     std::vector<std::string>* notices)
    : buffer_(65536) {
  for (const Bind& b : binds) {
    const Endpoint& e = b.endpoint;
    int fd = socket(e.v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    auto fail = [&](const char* what) {
      std::string msg = std::string(what) + " " + e.Text() + ": " + std::strerror(errno);
      if (errno == EACCES && e.port != 0 && e.port < 1024)
        msg += " (a port below 1024 needs root or CAP_NET_BIND_SERVICE)";
      (b.optional ? notices : errors)->push_back(msg);
      if (fd >= 0) close(fd);
    };
    if (fd < 0) {
      fail("cannot open a socket for");
      continue;
    }
    int one = 1;
    if (e.v6) {
      // [::] beside 0.0.0.0: each family on its own socket.
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    } else {
      setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    }
    sockaddr_storage ss;
    socklen_t len = ToSockaddr(e, &ss);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      fail("cannot bind");
      continue;
    }
    len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    fds_.push_back(fd);
    bound_.push_back(FromSockaddr(ss));
  }
  sigset_t set = StopSignals();
  if (sigprocmask(SIG_BLOCK, &set, nullptr) == 0) {
    signals_blocked_ = true;
    signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  if (signal_fd_ < 0)
    errors->push_back(std::string("cannot watch for signals: ") + std::strerror(errno));
}

UdpSource::~UdpSource() {
  for (int fd : fds_) close(fd);
  if (signal_fd_ >= 0) close(signal_fd_);
  if (signals_blocked_) {
    sigset_t set = StopSignals();
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
  }
}

DatagramSource::Event UdpSource::Wait(std::optional<Duration> timeout, Datagram* out) {
  std::vector<pollfd> pfds;
  pfds.push_back({signal_fd_, POLLIN, 0});
  for (int fd : fds_) pfds.push_back({fd, POLLIN, 0});
  int ms = -1;
  if (timeout) {
    // Round up: waking a little early would only loop once more.
    auto count = (timeout->count() + 999'999) / 1'000'000;
    ms = static_cast<int>(std::min<int64_t>(count, 60'000));
  }
  int n = poll(pfds.data(), pfds.size(), ms);
  if (n < 0) return errno == EINTR ? Event::kTimeout : Event::kError;
  if (n == 0) return Event::kTimeout;
  if (pfds[0].revents & POLLIN) {
    signalfd_siginfo info;
    if (read(signal_fd_, &info, sizeof info) > 0) return Event::kSignal;
  }
  for (size_t k = 0; k < fds_.size(); ++k) {
    size_t i = (next_ + k) % fds_.size();
    if (!(pfds[i + 1].revents & (POLLIN | POLLERR))) continue;
    sockaddr_storage from;
    alignas(cmsghdr) char control[256];
    iovec iov{buffer_.data(), buffer_.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got = recvmsg(fds_[i], &msg, 0);
    if (got < 0) continue;  // EAGAIN, or an ICMP error queued on the socket
    next_ = i + 1;
    out->from = FromSockaddr(from);
    out->to = bound_[i];
    out->socket = i;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        std::memcpy(out->to.address.data(), &info.ipi_addr, 4);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        std::memcpy(out->to.address.data(), &info.ipi6_addr, 16);
      }
    }
    out->bytes.assign(buffer_.begin(), buffer_.begin() + got);
    return Event::kDatagram;
  }
  return Event::kTimeout;
}

bool UdpSource::Reply(const Datagram& request, std::span<const uint8_t> bytes) {
  if (request.socket >= fds_.size()) return false;
  sockaddr_storage to;
  socklen_t to_len = ToSockaddr(request.from, &to);
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = to_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  // Answer from the address the client asked (a retired alias on a host with several).
  auto source_address = [&](int level, int type, const auto& info) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof info);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  };
  if (request.to.v6) {
    in6_pktinfo info{};
    std::memcpy(&info.ipi6_addr, request.to.address.data(), 16);
    source_address(IPPROTO_IPV6, IPV6_PKTINFO, info);
  } else {
    in_pktinfo info{};
    std::memcpy(&info.ipi_spec_dst, request.to.address.data(), 4);
    source_address(IPPROTO_IP, IP_PKTINFO, info);
  }
  return sendmsg(fds_[request.socket], &msg, 0) == static_cast<ssize_t>(bytes.size());
}

}  // namespace ntpsweep::watch
