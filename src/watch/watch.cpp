#include "watch/watch.h"

#include <time.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "watch/capture.h"
#include "watch/client_table.h"
#include "watch/listener.h"
#include "watch/loop.h"

namespace ntpsweep::watch {
namespace {

using Json = nlohmann::ordered_json;

std::string Hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::vector<int> Bits(uint8_t mask) {
  std::vector<int> out;
  for (int i = 0; i < 8; ++i)
    if (mask & (1u << i)) out.push_back(i);
  return out;
}

std::string Joined(const std::vector<int>& v, std::string_view (*name)(uint8_t) = nullptr) {
  std::string s;
  for (int x : v) {
    if (!s.empty()) s += ", ";
    s += name ? std::string(name(static_cast<uint8_t>(x))) : std::to_string(x);
  }
  return s;
}

Json PacketJson(const NtpPacket& p, SysTime received) {
  Json j;
  j["version"] = p.version;
  j["mode"] = p.mode;
  j["mode_name"] = ModeName(p.mode);
  if (p.has_header) {
    j["leap"] = p.leap;
    j["stratum"] = p.stratum;
    j["poll"] = p.poll;
    j["precision"] = p.precision;
    j["root_delay"] = p.root_delay;
    j["root_dispersion"] = p.root_dispersion;
    j["reference_id"] = ReferenceIdText(p.reference_id, p.stratum);
    j["transmit_timestamp"] = Hex64(p.transmit_ts);
    if (p.transmit_ts != 0 &&
        (FromNtp(p.transmit_ts, received) - received) < std::chrono::hours(24) &&
        (FromNtp(p.transmit_ts, received) - received) > -std::chrono::hours(24))
      j["transmit_time"] = TimeText(FromNtp(p.transmit_ts, received));
    else
      j["transmit_time"] = nullptr;  // zero, random or far from our time
    j["extension_fields"] = p.extension_fields;
    j["nts"] = p.nts;
    j["mac_bytes"] = p.mac_bytes;
  }
  if (p.mode == kModeControl || p.mode == kModePrivate) j["control_code"] = p.control_code;
  j["length"] = p.length;
  if (!p.problem.empty()) j["problem"] = p.problem;
  return j;
}

Json ClientJson(const ClientRecord& c) {
  Json j;
  j["address"] = c.address.AddressText();
  j["first_seen"] = TimeText(c.first_seen);
  j["last_seen"] = TimeText(c.last_seen);
  j["requests"] = c.requests;
  j["versions"] = Bits(c.versions);
  j["modes"] = Bits(c.modes);
  j["ports"] = c.ports;
  j["more_ports"] = c.more_ports;
  Json to = Json::array();
  for (const Endpoint& e : c.to) to.push_back(e.AddressText());
  j["to"] = to;
  j["implementation"] = c.Implementation();
  j["basis"] = c.basis;
  Json impl = Json::object();
  for (const auto& [id, n] : c.implementations) impl[id] = n;
  j["implementations"] = impl;
  j["nts"] = c.nts;
  j["kod_sent"] = c.kod_sent;
  j["last_request"] = PacketJson(c.last, c.last_received);
  return j;
}

class Observer final : public LoopObserver {
 public:
  Observer(std::ostream& err, bool quiet, std::ostream* log)
      : err_(err), quiet_(quiet), log_(log) {}

  void NewClient(const ClientRecord& c, const NtpPacket& p, SysTime when) override {
    if (!quiet_)
      err_ << "ntpsweep: watch: new client " << c.address.AddressText() << " (port "
           << c.address.port << ", NTPv" << int{p.version} << " " << ModeName(p.mode) << ", "
           << c.Implementation() << ")\n";
    if (log_) {
      Json j;
      j["event"] = "new-client";
      j["time"] = TimeText(when);
      j["address"] = c.address.AddressText();
      j["port"] = c.address.port;
      j["to"] = c.to.empty() ? std::string() : c.to.front().AddressText();
      j["implementation"] = c.Implementation();
      j["basis"] = c.basis;
      j["request"] = PacketJson(p, when);
      *log_ << j.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
      log_->flush();
    }
  }
  void ClientLimitReached(size_t max_clients) override {
    err_ << "ntpsweep: watch: notice: " << max_clients
         << " clients tracked (--max-clients); requests from further addresses are counted, not "
            "recorded\n";
  }

 private:
  std::ostream& err_;
  bool quiet_;
  std::ostream* log_;
};

struct Summary {
  std::string source;  // "listen" | "pcap"
  std::vector<std::string> inputs;
  bool any_time = false;
  SysTime start{}, end{};
  StopReason stop = StopReason::kNone;
  std::string kod;
  std::vector<std::string> notices;
  CaptureCounters capture;
};

void WriteJson(std::ostream& out, const Summary& s, const ClientTable& table) {
  Json j;
  j["tool"] = "ntpsweep watch";
  j["source"] = s.source;
  j["inputs"] = s.inputs;
  j["start"] = s.any_time ? Json(TimeText(s.start)) : Json(nullptr);
  j["end"] = s.any_time ? Json(TimeText(s.end)) : Json(nullptr);
  j["stopped_by"] = StopReasonName(s.stop);
  j["kod"] = s.kod.empty() ? "none" : s.kod;
  const TableCounters& c = table.counters();
  Json packets;
  packets["datagrams"] = c.datagrams;
  packets["requests"] = c.requests;
  packets["replies"] = c.replies;
  packets["malformed"] = c.malformed;
  packets["other_destination"] = c.other_destination;
  packets["untracked"] = c.untracked;
  packets["kod_sent"] = c.kod_sent;
  packets["kod_failed"] = c.kod_failed;
  j["packets"] = packets;
  Json reasons = Json::object();
  for (const auto& [why, n] : table.malformed_reasons()) reasons[why] = n;
  j["malformed"] = reasons;
  if (s.source == "pcap") {
    Json f;
    f["frames"] = s.capture.frames;
    f["ntp"] = s.capture.ntp;
    f["other"] = s.capture.other;
    f["fragments"] = s.capture.fragments;
    f["damaged_headers"] = s.capture.damaged_headers;
    j["frames"] = f;
  }
  j["max_clients"] = table.max_clients();
  Json clients = Json::array();
  for (const ClientRecord* r : table.Clients()) clients.push_back(ClientJson(*r));
  j["clients"] = clients;
  j["notices"] = s.notices;
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void WriteText(std::ostream& out, const Summary& s, const ClientTable& table) {
  const TableCounters& c = table.counters();
  auto clients = table.Clients();
  out << "ntpsweep watch: " << clients.size() << (clients.size() == 1 ? " client, " : " clients, ")
      << c.requests << (c.requests == 1 ? " request" : " requests");
  out << " (" << (s.source == "pcap" ? "read " : "listened on ");
  for (size_t i = 0; i < s.inputs.size(); ++i) out << (i ? ", " : "") << s.inputs[i];
  if (s.any_time) out << "; " << TimeText(s.start) << " to " << TimeText(s.end);
  out << "; stopped by " << StopReasonName(s.stop) << ")\n";
  for (const ClientRecord* r : clients) {
    out << "\n"
        << r->address.AddressText() << "  " << r->requests
        << (r->requests == 1 ? " request  " : " requests  ") << TimeText(r->first_seen) << " .. "
        << TimeText(r->last_seen) << "\n";
    out << "  NTPv" << Joined(Bits(r->versions)) << " "
        << Joined(Bits(r->modes), [](uint8_t m) { return ModeName(m); }) << " from port"
        << (r->ports.size() == 1 ? " " : "s ");
    for (size_t i = 0; i < r->ports.size(); ++i) out << (i ? ", " : "") << r->ports[i];
    if (r->more_ports) out << ", ...";
    out << " to ";
    for (size_t i = 0; i < r->to.size(); ++i) out << (i ? ", " : "") << r->to[i].AddressText();
    if (r->nts) out << "; NTS";
    if (r->kod_sent) out << "; Kiss-o'-Death sent " << r->kod_sent;
    out << "\n  implementation: " << r->Implementation();
    if (!r->basis.empty()) out << " (" << r->basis << ")";
    if (r->implementations.size() > 1) {
      out << "\n  requests by shape:";  // several machines behind one address, or a mix
      for (const auto& [id, n] : r->implementations) out << " " << id << " " << n << ";";
    }
    out << "\n";
  }
  auto requests = [](uint64_t n) { return n == 1 ? " request" : " requests"; };
  out << "\nDatagrams: " << c.datagrams << " (" << c.requests << requests(c.requests) << ", "
      << c.replies << (c.replies == 1 ? " reply, " : " replies, ") << c.malformed << " malformed";
  if (c.other_destination)
    out << ", " << c.other_destination << requests(c.other_destination) << " to other addresses";
  if (c.untracked) out << ", " << c.untracked << requests(c.untracked) << " from untracked clients";
  if (!s.kod.empty()) out << ", " << c.kod_sent << " Kiss-o'-Death " << s.kod << " sent";
  if (c.kod_failed) out << ", " << c.kod_failed << (c.kod_failed == 1 ? " reply" : " replies") << " failed";
  out << ")\n";
  for (const auto& [why, n] : table.malformed_reasons())
    out << "  malformed: " << why << ": " << n << "\n";
  if (s.source == "pcap")
    out << "Frames: " << s.capture.frames << " (" << s.capture.ntp << " on port 123, "
        << s.capture.other << " other, " << s.capture.fragments << " IP fragments, "
        << s.capture.damaged_headers << " with damaged headers)\n";
  for (const std::string& n : s.notices) out << "notice: " << n << "\n";
}

}  // namespace

std::string TimeText(SysTime t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  time_t tt = static_cast<time_t>(secs.time_since_epoch().count());
  tm utc{};
  gmtime_r(&tt, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(micros));
  return buf;
}

int RunWatch(const WatchPlan& plan, const Clock& clock, std::ostream& out, std::ostream& err) {
  auto usage = [&](const std::string& msg) {
    err << "ntpsweep: watch: " << msg << '\n';
    return 2;
  };
  if (!plan.pcaps.empty() && !plan.listen.empty())
    return usage("--listen and --pcap exclude each other");
  if (!plan.pcaps.empty() &&
      (!plan.kod.empty() || plan.stop.duration || plan.stop.until_quiet || plan.stop.max_packets))
    return usage(
        "--kod, --duration, --until-quiet and --max-packets apply to --listen, not --pcap");
  std::string kod_code;
  if (plan.kod == "deny")
    kod_code = "DENY";
  else if (plan.kod == "rate")
    kod_code = "RATE";
  else if (!plan.kod.empty())
    return usage("--kod " + plan.kod + ": deny or rate");
  std::vector<Endpoint> servers;
  for (const std::string& s : plan.servers) {
    auto e = ParseEndpoint(s, 0);
    if (!e) return usage("--server " + s + ": not an IPv4 or IPv6 address");
    servers.push_back(*e);
  }
  std::unique_ptr<std::ofstream> log;
  if (!plan.log.empty()) {
    log = std::make_unique<std::ofstream>(plan.log, std::ios::binary | std::ios::app);
    if (!*log) return usage("cannot write " + plan.log);
  }
  ClientTable table(plan.max_clients, servers);
  Observer observer(err, plan.quiet, log.get());
  Summary s;
  bool input_error = false;
  if (!plan.pcaps.empty()) {
    s.source = "pcap";
    s.inputs = plan.pcaps;
    for (const std::string& path : plan.pcaps) {
      std::string error;
      if (!ReadCapture(path, table, &observer, &s.capture, &error, &s.notices)) {
        err << "ntpsweep: watch: " << error << '\n';
        s.notices.push_back(error);
        input_error = true;
      }
    }
    s.stop = StopReason::kEndOfInput;
    s.any_time = s.capture.any_time;
    s.start = s.capture.first;
    s.end = s.capture.last;
  } else {
    s.source = "listen";
    std::vector<UdpSource::Bind> binds;
    for (const std::string& l : plan.listen) {
      auto e = ParseEndpoint(l, 123);
      if (!e)
        return usage("--listen " + l + ": not ADDR, ADDR:PORT or [ADDR]:PORT with an IP address");
      binds.push_back({*e, false});
    }
    if (binds.empty()) {
      binds.push_back({*ParseEndpoint("0.0.0.0", 123), false});
      binds.push_back({*ParseEndpoint("::", 123), true});
    }
    std::vector<std::string> errors;
    UdpSource source(binds, &errors, &s.notices);
    for (const std::string& n : s.notices) err << "ntpsweep: watch: notice: " << n << '\n';
    if (!errors.empty() || source.bound().empty()) {
      for (const std::string& e : errors) err << "ntpsweep: watch: " << e << '\n';
      return 2;
    }
    for (const Endpoint& e : source.bound()) {
      s.inputs.push_back(e.Text());
      err << "ntpsweep: watch: listening on " << e.Text() << '\n';
    }
    err.flush();
    LoopOptions options;
    options.stop = plan.stop;
    options.kod_code = kod_code;
    s.kod = options.kod_code;
    s.start = clock.Wall();
    s.stop = RunLoop(source, clock, options, table, &observer);
    s.end = clock.Wall();
    s.any_time = true;
    if (s.stop == StopReason::kError) {
      s.notices.push_back("receiving failed; the summary covers what came before");
      input_error = true;
    }
  }
  if (table.limit_reached())
    s.notices.push_back(std::to_string(table.max_clients()) + " clients tracked (--max-clients): " +
                        std::to_string(table.counters().untracked) +
                        " requests from further addresses counted, not recorded");
  if (plan.format == "json")
    WriteJson(out, s, table);
  else
    WriteText(out, s, table);
  out.flush();
  if (input_error) return 2;
  return table.size() > 0 || table.counters().untracked > 0 ? 1 : 0;
}

}  // namespace ntpsweep::watch
