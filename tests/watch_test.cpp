// ntpsweep watch, the pure parts: NTP decoding, Kiss-o'-Death replies, implementation guesses,
// the client table, stop decisions and the receive loop driven by a scripted source and a
// ManualClock (no sockets, no sleeps).
#include <catch2/catch.hpp>
#include <deque>
#include <random>
#include <sstream>

#include "watch/client_table.h"
#include "watch/implementation.h"
#include "watch/live.h"
#include "watch/loop.h"
#include "watch/ntp_packet.h"
#include "watch/stop.h"
#include "watch/watch.h"

namespace {

using namespace ntpsweep::watch;
using namespace std::chrono_literals;

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

void Put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
void Put64(std::vector<uint8_t>& b, size_t at, uint64_t v) {
  Put32(b, at, static_cast<uint32_t>(v >> 32));
  Put32(b, at + 4, static_cast<uint32_t>(v));
}

// 2026-12-04T15:31:30Z
const SysTime kNow = SysTime{std::chrono::seconds(1796398290)};

// Request shapes as the real clients send them (captured from chronyd 4.3 -Q and ntpdig).
const std::vector<uint8_t> kChronyRequest = FromHex(
    "2300062000000000000000000000000000000000000000000000000000000000000000000000000053ba3ac437b585"
    "0c");

std::vector<uint8_t> SntpRequest(SysTime t, uint8_t leap = 3) {
  std::vector<uint8_t> b(48, 0);
  b[0] = static_cast<uint8_t>(leap << 6 | 4 << 3 | 3);
  Put64(b, 40, ToNtp(t));
  return b;
}

std::vector<uint8_t> NtpdRequest(SysTime t, uint8_t version = 4, uint8_t mode = 3) {
  std::vector<uint8_t> b(48, 0);
  b[0] = static_cast<uint8_t>(0 << 6 | version << 3 | mode);
  b[1] = 2;                          // stratum
  b[2] = 6;                          // poll 64 s
  b[3] = static_cast<uint8_t>(-23);  // precision
  Put32(b, 4, 0x00000a00);           // root delay
  Put32(b, 8, 0x00001f00);           // root dispersion
  Put32(b, 12, 0xc0000201);          // reference ID 192.0.2.1
  Put64(b, 16, ToNtp(t - 30s));      // reference time
  Put64(b, 40, ToNtp(t));
  return b;
}

std::vector<uint8_t> ExtensionField(uint16_t type, uint16_t len) {
  std::vector<uint8_t> f(len, 0xab);
  f[0] = static_cast<uint8_t>(type >> 8);
  f[1] = static_cast<uint8_t>(type);
  f[2] = static_cast<uint8_t>(len >> 8);
  f[3] = static_cast<uint8_t>(len);
  return f;
}

Endpoint V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  return Endpoint::V4({a, b, c, d}, port);
}

}  // namespace

TEST_CASE("watch: NTP timestamps convert both ways across the 2036 era boundary", "[watch]") {
  NtpTimestamp ts = ToNtp(kNow);
  CHECK((ts >> 32) == 1796398290u + 2208988800u);
  CHECK(FromNtp(ts, kNow) == kNow);
  SysTime t2040 = SysTime{std::chrono::seconds(2208988800)} + 123456789ns;  // 2040-01-01
  NtpTimestamp ts2040 = ToNtp(t2040);
  CHECK((ts2040 >> 32) == (uint64_t{2208988800} + 2208988800u) % (uint64_t{1} << 32));
  auto back = FromNtp(ts2040, t2040 + 10s);
  CHECK(std::chrono::abs(back - t2040) < 1us);
  CHECK(TimeText(kNow + 250ms) == "2026-12-04T15:31:30.250000Z");
}

TEST_CASE("watch: a chrony request decodes field by field and is guessed as chrony", "[watch]") {
  NtpPacket p = DecodeNtp(kChronyRequest, 43906);
  REQUIRE(p.kind == PacketKind::kRequest);
  CHECK(p.has_header);
  CHECK(p.leap == 0);
  CHECK(p.version == 4);
  CHECK(p.mode == kModeClient);
  CHECK(p.stratum == 0);
  CHECK(p.poll == 6);
  CHECK(p.precision == 32);
  CHECK(p.reference_id == 0);
  CHECK(p.transmit_ts == 0x53ba3ac437b5850cull);
  CHECK(p.problem.empty());
  ImplementationGuess g = GuessImplementation(p, kNow);
  CHECK(g.id == "chrony");
  CHECK(g.basis.find("transmit timestamp random") != std::string::npos);
}

TEST_CASE("watch: SNTP, full-daemon and control shapes are told apart", "[watch]") {
  NtpPacket sntp = DecodeNtp(SntpRequest(kNow), 50000);
  ImplementationGuess g = GuessImplementation(sntp, kNow);
  CHECK(g.id == "sntp");
  CHECK(g.basis.find("leap 3") != std::string::npos);
  CHECK(TransmitIsClockReading(sntp, kNow));
  CHECK(GuessImplementation(DecodeNtp(SntpRequest(kNow, 0), 50000), kNow).basis.find("RFC 4330") !=
        std::string::npos);

  NtpPacket ntpd = DecodeNtp(NtpdRequest(kNow), 123);
  CHECK(ntpd.stratum == 2);
  CHECK(ntpd.precision == -23);
  CHECK(ReferenceIdText(ntpd.reference_id, ntpd.stratum) == "192.0.2.1");
  CHECK(GuessImplementation(ntpd, kNow).id == "ntpd-like");

  // Decoy: a client-mode packet with an odd mix matches no shape.
  std::vector<uint8_t> odd = SntpRequest(kNow);
  odd[3] = 5;  // positive precision other than chrony's +32
  CHECK(GuessImplementation(DecodeNtp(odd, 1), kNow).id == "unknown");
  // chrony's shape in symmetric mode is not chrony's client request.
  std::vector<uint8_t> sym = kChronyRequest;
  sym[0] = 0x21;
  CHECK(GuessImplementation(DecodeNtp(sym, 123), kNow).id != "chrony");

  std::vector<uint8_t> ntpq = {0x26, 0x02, 0x00, 0x01, 0, 0,
                               0,    0,    0,    0,    0, 0};  // v4 mode 6 READVAR
  NtpPacket q = DecodeNtp(ntpq, 40000);
  CHECK(q.kind == PacketKind::kRequest);
  CHECK(q.mode == kModeControl);
  CHECK(q.control_code == 2);
  CHECK(GuessImplementation(q, kNow).id == "ntpq");
  ntpq[1] |= 0x80;  // R: a response
  CHECK(DecodeNtp(ntpq, 123).kind == PacketKind::kReply);
  ntpq.pop_back();
  CHECK(DecodeNtp(ntpq, 40000).kind == PacketKind::kMalformed);

  std::vector<uint8_t> ntpdc = {0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0};  // v2 mode 7 MON_GETLIST_1
  NtpPacket dc = DecodeNtp(ntpdc, 40000);
  CHECK(dc.kind == PacketKind::kRequest);
  CHECK(dc.control_code == 42);
  CHECK(GuessImplementation(dc, kNow).id == "ntpdc");
  ntpdc[0] |= 0x80;
  CHECK(DecodeNtp(ntpdc, 123).kind == PacketKind::kReply);
}

TEST_CASE("watch: NTPv1 mode 0 is resolved by source port, and replies are not requests",
          "[watch]") {
  std::vector<uint8_t> v1 = NtpdRequest(kNow, 1, 0);
  CHECK(DecodeNtp(v1, 123).mode == kModeSymmetricActive);
  CHECK(DecodeNtp(v1, 40000).mode == kModeClient);
  CHECK(DecodeNtp(v1, 40000).kind == PacketKind::kRequest);
  for (uint8_t mode : {2, 4, 5}) {
    INFO(int{mode});
    CHECK(DecodeNtp(NtpdRequest(kNow, 4, mode), 123).kind == PacketKind::kReply);
  }
  CHECK(DecodeNtp(NtpdRequest(kNow, 4, 1), 123).kind == PacketKind::kRequest);
  CHECK(DecodeNtp(NtpdRequest(kNow, 3, 3), 123).version == 3);
  CHECK(DecodeNtp(NtpdRequest(kNow, 2, 3), 123).kind == PacketKind::kRequest);
}

TEST_CASE("watch: extension fields, NTS, MACs and odd trailers", "[watch]") {
  std::vector<uint8_t> nts = kChronyRequest;
  for (auto [type, len] : {std::pair{kNtsUniqueIdentifier, 36}, std::pair{kNtsCookie, 104},
                           std::pair{kNtsAuthenticator, 40}}) {
    auto f = ExtensionField(type, static_cast<uint16_t>(len));
    nts.insert(nts.end(), f.begin(), f.end());
  }
  NtpPacket p = DecodeNtp(nts, 40000);
  CHECK(p.kind == PacketKind::kRequest);
  CHECK(p.extension_fields == 3);
  CHECK(p.nts);
  CHECK(p.problem.empty());
  CHECK(GuessImplementation(p, kNow).basis.find("NTS") != std::string::npos);

  // A non-NTS field of 28 bytes (the shortest final field without a MAC): recognised, not NTS.
  std::vector<uint8_t> ef = SntpRequest(kNow);
  auto other = ExtensionField(0x0002, 28);
  ef.insert(ef.end(), other.begin(), other.end());
  NtpPacket q = DecodeNtp(ef, 40000);
  CHECK(q.extension_fields == 1);
  CHECK_FALSE(q.nts);

  for (size_t mac : {4u, 20u, 24u}) {
    std::vector<uint8_t> m = NtpdRequest(kNow);
    m.resize(48 + mac, 0x11);
    m[48] = 0;
    m[49] = 0;  // key ID 0x0000 1111
    NtpPacket r = DecodeNtp(m, 123);
    INFO(mac);
    CHECK(r.mac_bytes == mac);
    CHECK(r.problem.empty());
  }
  std::vector<uint8_t> bad = SntpRequest(kNow);
  auto broken = ExtensionField(0x0104, 17);  // not a multiple of 4
  bad.insert(bad.end(), broken.begin(), broken.end());
  NtpPacket b = DecodeNtp(bad, 40000);
  CHECK(b.kind == PacketKind::kRequest);  // the header still names the client
  CHECK(b.problem == "extension field with an invalid length");
  CHECK_FALSE(b.nts);
}

TEST_CASE("watch: malformed datagrams come back with a reason, never a crash", "[watch]") {
  CHECK(DecodeNtp({}, 1).problem == "empty datagram");
  std::vector<uint8_t> short_packet = SntpRequest(kNow);
  short_packet.resize(47);
  CHECK(DecodeNtp(short_packet, 1).problem == "shorter than the 48-byte header");
  std::vector<uint8_t> v0 = SntpRequest(kNow);
  v0[0] = 0x03;
  CHECK(DecodeNtp(v0, 1).problem == "version 0");
  v0[0] = 0x3b;  // version 7
  CHECK(DecodeNtp(v0, 1).problem == "version 6 or 7");
  v0[0] = 0x20;  // v4 mode 0
  CHECK(DecodeNtp(v0, 1).problem == "mode 0 (reserved)");
  std::string http = "GET / HTTP/1.1\r\nHost: ntp\r\n\r\n";
  CHECK(DecodeNtp({reinterpret_cast<const uint8_t*>(http.data()), http.size()}, 1).kind ==
        PacketKind::kMalformed);
  // Every length up to an oversized datagram, random bytes: decoding stays total.
  std::mt19937 rng(5905);
  size_t kinds[3] = {};
  for (size_t len = 0; len < 1600; ++len) {
    std::vector<uint8_t> junk(len);
    for (auto& byte : junk) byte = static_cast<uint8_t>(rng());
    NtpPacket p = DecodeNtp(junk, static_cast<uint16_t>(rng()));
    CHECK(p.length == len);
    if (p.kind == PacketKind::kMalformed) CHECK_FALSE(p.problem.empty());
    ++kinds[static_cast<int>(p.kind)];
    GuessImplementation(p, kNow);
  }
  CHECK(kinds[static_cast<int>(PacketKind::kMalformed)] > 0);
  CHECK(kinds[static_cast<int>(PacketKind::kRequest)] > 0);
}

TEST_CASE("watch: Kiss-o'-Death replies follow RFC 5905 section 7.4", "[watch]") {
  NtpPacket request = DecodeNtp(NtpdRequest(kNow, 3, 3), 40000);
  auto kod = KissOfDeath(request, "DENY", kNow + 1ms);
  NtpPacket r = DecodeNtp(kod, 123);
  CHECK(r.kind == PacketKind::kReply);
  CHECK(r.leap == 3);
  CHECK(r.version == 3);
  CHECK(r.mode == kModeServer);
  CHECK(r.stratum == 0);
  CHECK(r.poll == request.poll);
  CHECK(ReferenceIdText(r.reference_id, r.stratum) == "DENY");
  CHECK(r.origin_ts == request.transmit_ts);
  CHECK(r.receive_ts == ToNtp(kNow + 1ms));
  CHECK(r.transmit_ts == ToNtp(kNow + 1ms));

  NtpPacket sym = DecodeNtp(NtpdRequest(kNow, 4, 1), 123);
  NtpPacket rate = DecodeNtp(KissOfDeath(sym, "RATE", kNow), 123);
  CHECK(rate.mode == kModeSymmetricPassive);
  CHECK(ReferenceIdText(rate.reference_id, 0) == "RATE");
}

TEST_CASE("watch: the client table keeps one record per address", "[watch]") {
  ClientTable table(100);
  const Endpoint server = V4(192, 0, 2, 1, 123);
  auto o1 = table.Observe(kNow, V4(10, 0, 0, 7, 40001), server, kChronyRequest);
  CHECK(o1.new_client);
  CHECK(o1.request);
  auto o2 = table.Observe(kNow + 64s, V4(10, 0, 0, 7, 40002), server, kChronyRequest);
  CHECK_FALSE(o2.new_client);
  CHECK(o2.client == o1.client);
  // The same client through a dual-stack socket: ::ffff:10.0.0.7.
  std::array<uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7};
  auto o3 = table.Observe(kNow + 128s, Endpoint::V6(mapped, 40002), server, SntpRequest(kNow));
  CHECK(o3.client == o1.client);
  table.Observe(kNow + 1s, V4(192, 0, 2, 1, 123), V4(10, 0, 0, 7, 40001),
                NtpdRequest(kNow, 4, 4));  // the server's reply: no record for the server
  table.Observe(kNow + 2s, V4(10, 0, 0, 9, 5), server, std::vector<uint8_t>(10, 0x23));
  std::array<uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
  table.Observe(kNow - 5s, Endpoint::V6(v6, 123), server, NtpdRequest(kNow, 3, 1));

  auto clients = table.Clients();
  REQUIRE(clients.size() == 2);
  const ClientRecord& c = *clients[0];
  CHECK(c.address.AddressText() == "10.0.0.7");
  CHECK(c.requests == 3);
  CHECK(c.first_seen == kNow);
  CHECK(c.last_seen == kNow + 128s);
  CHECK(c.ports == std::vector<uint16_t>{40001, 40002});
  CHECK(c.versions == (1 << 4));
  CHECK(c.modes == (1 << 3));
  CHECK(c.Implementation() == "chrony");
  CHECK(c.implementations.at("sntp") == 1);
  CHECK(c.to.size() == 1);
  const ClientRecord& d = *clients[1];
  CHECK(d.address.AddressText() == "2001:db8::20");
  CHECK(d.versions == (1 << 3));
  CHECK(d.modes == (1 << 1));
  CHECK(d.Implementation() == "ntpd-like");

  const TableCounters& n = table.counters();
  CHECK(n.datagrams == 6);
  CHECK(n.requests == 4);
  CHECK(n.replies == 1);
  CHECK(n.malformed == 1);
  CHECK(table.malformed_reasons().at("shorter than the 48-byte header") == 1);
}

TEST_CASE("watch: the client limit bounds memory and says so once", "[watch]") {
  ClientTable table(2);
  const Endpoint server = V4(192, 0, 2, 1, 123);
  int notices = 0;
  for (uint8_t host = 1; host <= 5; ++host)
    for (int repeat = 0; repeat < 2; ++repeat) {
      auto o = table.Observe(kNow, V4(10, 0, 0, host, 1000), server, SntpRequest(kNow));
      notices += o.limit_reached_now;
      if (host > 2) CHECK(o.client == nullptr);
    }
  CHECK(notices == 1);
  CHECK(table.size() == 2);
  CHECK(table.counters().requests == 10);
  CHECK(table.counters().untracked == 6);
  // Ports per client are bounded too.
  ClientTable ports(1);
  for (uint16_t p = 1; p <= 40; ++p)
    ports.Observe(kNow, V4(10, 0, 0, 1, p), server, SntpRequest(kNow));
  CHECK(ports.Clients()[0]->ports.size() == ClientRecord::kMaxPorts);
  CHECK(ports.Clients()[0]->more_ports);
}

TEST_CASE("watch: --server keeps only requests to the old server's addresses", "[watch]") {
  ClientTable table(10, {V4(192, 0, 2, 1, 0)});
  table.Observe(kNow, V4(10, 0, 0, 1, 1000), V4(192, 0, 2, 1, 123), SntpRequest(kNow));
  table.Observe(kNow, V4(10, 0, 0, 2, 1000), V4(192, 0, 2, 99, 123), SntpRequest(kNow));
  REQUIRE(table.Clients().size() == 1);
  CHECK(table.Clients()[0]->address.AddressText() == "10.0.0.1");
  CHECK(table.counters().other_destination == 1);
}

TEST_CASE("watch: stop decisions are functions of elapsed time and packet count", "[watch]") {
  StopPolicy p;
  CHECK(StopDue(p, 1000h, 0s, 0s, 1000000) == StopReason::kNone);
  CHECK_FALSE(NextDeadline(p, 0s, 0s));
  p.duration = 60s;
  CHECK(StopDue(p, 59s, 0s, 0s, 0) == StopReason::kNone);
  CHECK(StopDue(p, 60s, 0s, 0s, 0) == StopReason::kDuration);
  CHECK(*NextDeadline(p, 5s, 5s) == 65s);
  p.until_quiet = 10s;
  CHECK(StopDue(p, 15s, 0s, 6s, 0) == StopReason::kNone);
  CHECK(StopDue(p, 16s, 0s, 6s, 0) == StopReason::kQuiet);
  CHECK(*NextDeadline(p, 0s, 6s) == 16s);
  CHECK(*NextDeadline(p, 0s, 55s) == 60s);
  p.max_packets = 3;
  CHECK(StopDue(p, 0s, 0s, 0s, 3) == StopReason::kMaxPackets);
}

namespace {

// A source that plays a script against a ManualClock: each step happens `after` the previous
// one; a wait shorter than that advances the clock by the wait and times out.
class ScriptedSource final : public DatagramSource {
 public:
  struct Step {
    Duration after;
    std::optional<Datagram> datagram;  // none: a signal
  };
  ScriptedSource(ManualClock& clock, std::deque<Step> steps)
      : clock_(clock), steps_(std::move(steps)) {}

  Event Wait(std::optional<Duration> timeout, Datagram* out) override {
    ++waits;
    if (steps_.empty()) {
      if (!timeout) return Event::kError;  // the script ran out with nothing to end the loop
      clock_.Advance(*timeout);
      return Event::kTimeout;
    }
    Step& next = steps_.front();
    if (timeout && *timeout < next.after) {
      clock_.Advance(*timeout);
      next.after -= *timeout;
      return Event::kTimeout;
    }
    clock_.Advance(next.after);
    const bool signal = !next.datagram.has_value();
    if (!signal) *out = *next.datagram;
    steps_.pop_front();
    return signal ? Event::kSignal : Event::kDatagram;
  }
  bool Reply(const Datagram& request, std::span<const uint8_t> bytes) override {
    replies.push_back({request.from, std::vector<uint8_t>(bytes.begin(), bytes.end())});
    return true;
  }

  std::vector<std::pair<Endpoint, std::vector<uint8_t>>> replies;
  int waits = 0;

 private:
  ManualClock& clock_;
  std::deque<Step> steps_;
};

Datagram From(Endpoint from, std::vector<uint8_t> bytes) {
  return Datagram{from, V4(192, 0, 2, 1, 123), 0, std::move(bytes)};
}

}  // namespace

TEST_CASE("watch: --until-quiet stops exactly the quiet time after the last request", "[watch]") {
  ManualClock clock(kNow);
  ScriptedSource source(clock, {{3s, From(V4(10, 0, 0, 1, 1000), SntpRequest(kNow))},
                                {4s, From(V4(10, 0, 0, 2, 1000), kChronyRequest)},
                                // garbage does not keep the watcher awake
                                {5s, From(V4(10, 0, 0, 3, 1000), {0x00, 0x01})}});
  LoopOptions options;
  options.stop.until_quiet = 10s;
  ClientTable table(10);
  CHECK(RunLoop(source, clock, options, table, nullptr) == StopReason::kQuiet);
  CHECK(clock.Elapsed() == 17s);  // last request at 7 s
  CHECK(table.Clients().size() == 2);
  CHECK(table.Clients()[0]->first_seen == kNow + 3s);
  CHECK(table.counters().malformed == 1);
  CHECK(source.replies.empty());  // a tripwire answers nothing
}

TEST_CASE("watch: --duration, --max-packets and a signal end the loop", "[watch]") {
  {
    ManualClock clock(kNow);
    ScriptedSource source(clock, {{30s, From(V4(10, 0, 0, 1, 1000), SntpRequest(kNow))},
                                  {60s, From(V4(10, 0, 0, 2, 1000), SntpRequest(kNow))}});
    LoopOptions options;
    options.stop.duration = 1min;
    ClientTable table(10);
    CHECK(RunLoop(source, clock, options, table, nullptr) == StopReason::kDuration);
    CHECK(clock.Elapsed() == 60s);
    CHECK(table.Clients().size() == 1);
  }
  {
    ManualClock clock(kNow);
    ScriptedSource source(clock, {{1s, From(V4(10, 0, 0, 1, 1000), SntpRequest(kNow))},
                                  {1s, From(V4(10, 0, 0, 2, 1000), {0xff})},
                                  {1s, From(V4(10, 0, 0, 3, 1000), SntpRequest(kNow))}});
    LoopOptions options;
    options.stop.max_packets = 2;
    ClientTable table(10);
    CHECK(RunLoop(source, clock, options, table, nullptr) == StopReason::kMaxPackets);
    CHECK(table.counters().datagrams == 2);
  }
  {
    ManualClock clock(kNow);
    ScriptedSource source(
        clock, {{1s, From(V4(10, 0, 0, 1, 1000), SntpRequest(kNow))}, {1h, std::nullopt}});
    ClientTable table(10);
    CHECK(RunLoop(source, clock, LoopOptions{}, table, nullptr) == StopReason::kSignal);
    CHECK(clock.Elapsed() == 1h + 1s);
    CHECK(table.Clients().size() == 1);
  }
}

TEST_CASE("watch: --kod answers requests only, with the client's transmit as origin", "[watch]") {
  ManualClock clock(kNow);
  std::vector<uint8_t> ntpq = {0x26, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
  ScriptedSource source(clock, {{1s, From(V4(10, 0, 0, 1, 1000), kChronyRequest)},
                                {1s, From(V4(10, 0, 0, 2, 123), NtpdRequest(kNow, 4, 4))},
                                {1s, From(V4(10, 0, 0, 3, 1000), {0x23, 0})},
                                {1s, From(V4(10, 0, 0, 4, 1000), ntpq)},
                                {1s, From(V4(10, 0, 0, 5, 123), NtpdRequest(kNow, 3, 1))}});
  LoopOptions options;
  options.kod_code = "RATE";
  options.stop.max_packets = 5;
  ClientTable table(10);
  CHECK(RunLoop(source, clock, options, table, nullptr) == StopReason::kMaxPackets);
  REQUIRE(source.replies.size() == 2);
  CHECK(source.replies[0].first.AddressText() == "10.0.0.1");
  NtpPacket kod = DecodeNtp(source.replies[0].second, 123);
  CHECK(kod.stratum == 0);
  CHECK(ReferenceIdText(kod.reference_id, 0) == "RATE");
  CHECK(kod.origin_ts == 0x53ba3ac437b5850cull);
  CHECK(kod.transmit_ts == ToNtp(kNow + 1s));
  CHECK(DecodeNtp(source.replies[1].second, 123).mode == kModeSymmetricPassive);
  CHECK(table.counters().kod_sent == 2);
  CHECK(table.Clients()[0]->kod_sent == 1);
}

namespace {

// The live table as the watch command wires it: redrawn from the loop's ticks.
class LiveObserver final : public LoopObserver {
 public:
  explicit LiveObserver(LiveTable& live) : live_(live) {}
  void NewClient(const ClientRecord&, const NtpPacket&, SysTime) override {}
  void ClientLimitReached(size_t) override {}
  void Tick(const ClientTable& table, Duration elapsed) override {
    live_.Update(table, elapsed);
    ticks.push_back(elapsed);
  }
  std::optional<Duration> TickWithin(const ClientTable& table, Duration elapsed) const override {
    return live_.PendingWithin(table, elapsed);
  }
  std::vector<Duration> ticks;

 private:
  LiveTable& live_;
};

}  // namespace

TEST_CASE("watch: the loop wakes the live table when a change is due, and not otherwise",
          "[watch][live]") {
  ManualClock clock(kNow);
  // Three requests 100 ms apart, then a long silence ended by a signal.
  ScriptedSource source(clock, {{100ms, From(V4(10, 0, 0, 1, 1000), SntpRequest(kNow))},
                                {100ms, From(V4(10, 0, 0, 2, 1000), SntpRequest(kNow))},
                                {100ms, From(V4(10, 0, 0, 3, 1000), SntpRequest(kNow))},
                                {1h, std::nullopt}});
  std::ostringstream screen;
  LiveTable live(screen, [] { return TerminalSize{24, 80}; });
  LiveObserver observer(live);
  ClientTable table(10);
  CHECK(RunLoop(source, clock, LoopOptions{}, table, &observer) == StopReason::kSignal);
  // Drawn at once (empty); the three requests within the next second are drawn together, a
  // second after the first drawing, by a wake-up the loop asked for.
  CHECK(live.drawings() == 2);
  CHECK(observer.ticks == std::vector<Duration>{0ms, 100ms, 200ms, 300ms, 1000ms});
  CHECK(screen.str().find("3 clients, 3 requests") != std::string::npos);
  // After that nothing is pending: the loop waited for the signal without waking (an hour).
  CHECK(clock.Elapsed() == 1h + 300ms);
}
