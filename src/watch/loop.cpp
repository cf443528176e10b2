#include "watch/loop.h"

#include <algorithm>

namespace ntpsweep::watch {

StopReason RunLoop(DatagramSource& source, const Clock& clock, const LoopOptions& options,
                   ClientTable& table, LoopObserver* observer) {
  const Duration started = clock.Elapsed();
  Duration last_request = started;
  uint64_t datagrams = 0;
  Datagram d;
  for (;;) {
    StopReason due = StopDue(options.stop, clock.Elapsed(), started, last_request, datagrams);
    if (due != StopReason::kNone) return due;
    std::optional<Duration> timeout;
    if (auto deadline = NextDeadline(options.stop, started, last_request))
      timeout = std::max(Duration{0}, *deadline - clock.Elapsed());
    if (observer)
      if (auto tick = observer->TickWithin(table, clock.Elapsed()))
        timeout = timeout ? std::min(*timeout, *tick) : *tick;
    switch (source.Wait(timeout, &d)) {
      case DatagramSource::Event::kTimeout:
        if (observer) observer->Tick(table, clock.Elapsed());
        continue;
      case DatagramSource::Event::kSignal:
        return StopReason::kSignal;
      case DatagramSource::Event::kError:
        return StopReason::kError;
      case DatagramSource::Event::kDatagram:
        break;
    }
    ++datagrams;
    const SysTime now = clock.Wall();
    ClientTable::Observation o = table.Observe(now, d.from, d.to, d.bytes);
    if (!o.request) {
      if (observer) observer->Tick(table, clock.Elapsed());
      continue;
    }
    last_request = clock.Elapsed();
    if (observer && o.new_client) observer->NewClient(*o.client, o.packet, now);
    if (observer && o.limit_reached_now) observer->ClientLimitReached(table.max_clients());
    const bool answerable = o.packet.has_header &&
                            (o.packet.mode == kModeClient || o.packet.mode == kModeSymmetricActive);
    if (!options.kod_code.empty() && answerable) {
      auto reply = KissOfDeath(o.packet, options.kod_code, clock.Wall());
      table.CountKod(o.client, source.Reply(d, reply));
    }
    if (observer) observer->Tick(table, clock.Elapsed());
  }
}

}  // namespace ntpsweep::watch
