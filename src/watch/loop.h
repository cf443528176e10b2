// The watcher's receive loop over any source of datagrams: sockets in production, a scripted
// source with a ManualClock in tests.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "watch/client_table.h"
#include "watch/clock.h"
#include "watch/endpoint.h"
#include "watch/stop.h"

namespace ntpsweep::watch {

struct Datagram {
  Endpoint from;
  Endpoint to;        // the local address it was sent to
  size_t socket = 0;  // which of the source's sockets received it (for the reply)
  std::vector<uint8_t> bytes;
};

class DatagramSource {
 public:
  enum class Event { kDatagram, kTimeout, kSignal, kError };
  virtual ~DatagramSource() = default;
  // Waits at most `timeout` (nullopt: without limit) for a datagram or SIGINT/SIGTERM.
  virtual Event Wait(std::optional<Duration> timeout, Datagram* out) = 0;
  // Sends `bytes` to `request.from`, from the address and socket `request` arrived on.
  virtual bool Reply(const Datagram& request, std::span<const uint8_t> bytes) = 0;
};

// What the loop tells as it goes (--log, the live notices).
class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  virtual void NewClient(const ClientRecord& client, const NtpPacket& packet, SysTime when) = 0;
  virtual void ClientLimitReached(size_t max_clients) = 0;
  // After each datagram and each wake-up (the live table redraws from here).
  virtual void Tick(const ClientTable&, Duration /*elapsed*/) {}
  // The longest the loop may wait before the next Tick (nullopt: no limit).
  virtual std::optional<Duration> TickWithin(const ClientTable&, Duration /*elapsed*/) const {
    return std::nullopt;
  }
};

struct LoopOptions {
  StopPolicy stop;
  std::string kod_code;  // "DENY" or "RATE"; empty: answer nothing
};

StopReason RunLoop(DatagramSource& source, const Clock& clock, const LoopOptions& options,
                   ClientTable& table, LoopObserver* observer);

}  // namespace ntpsweep::watch
