#include "watch/report.h"

#include <time.h>

#include <cstdio>
#include <nlohmann/json.hpp>

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

std::string Joined(const std::vector<int>& v, std::string_view sep = ", ",
                   std::string_view (*name)(uint8_t) = nullptr) {
  std::string s;
  for (int x : v) {
    if (!s.empty()) s += sep;
    s += name ? std::string(name(static_cast<uint8_t>(x))) : std::to_string(x);
  }
  return s;
}

std::string ModeNames(uint8_t mask, std::string_view sep) {
  return Joined(Bits(mask), sep, [](uint8_t m) { return ModeName(m); });
}

std::string Dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
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

Json StaticJson(const Correlation& c) {
  Json j;
  j["explained"] = c.explained;
  Json findings = Json::array();
  for (const Explanation& e : c.explanations) {
    const StaticFinding& f = *e.finding;
    findings.push_back({{"location", f.location},
                        {"line", f.line},
                        {"column", f.column},
                        {"rule", f.rule},
                        {"activity", f.activity},
                        {"target", f.target},
                        {"via", e.via},
                        {"report", f.report}});
  }
  j["findings"] = findings;
  j["reason"] = c.explained ? Json(nullptr) : Json(c.reason);
  return j;
}

Json ClientJson(const ClientView& v, bool mapped) {
  const ClientRecord& c = *v.record;
  Json j;
  j["address"] = c.address.AddressText();
  if (mapped) j["host"] = v.host.empty() ? Json(nullptr) : Json(v.host);
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
  if (v.correlation) j["static"] = StaticJson(*v.correlation);
  j["last_request"] = PacketJson(c.last, c.last_received);
  return j;
}

std::pair<size_t, size_t> ExplainedCounts(const std::vector<ClientView>& clients) {
  size_t explained = 0, unexplained = 0;
  for (const ClientView& v : clients)
    if (v.correlation) ++(v.correlation->explained ? explained : unexplained);
  return {explained, unexplained};
}

// Everything but the clients: the JSON summary's head and the JSON-lines summary record.
Json SummaryJson(const RunSummary& s, const ClientTable& table,
                 const std::vector<ClientView>& clients) {
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
  if (s.correlated) {
    auto [explained, unexplained] = ExplainedCounts(clients);
    j["correlation"] = {{"reports", s.static_from},
                        {"hosts_maps", s.maps},
                        {"explained", explained},
                        {"unexplained", unexplained}};
  }
  return j;
}

std::string MarkdownCell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|' || c == '\\' || c == '`' || c == '*' || c == '_' || c == '<' || c == '[') {
      out += '\\';
      out += c;
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// Code spans cannot escape a backtick: such text goes out as escaped plain text instead.
std::string MarkdownCode(std::string_view text) {
  if (text.find('`') != std::string_view::npos || text.find('\n') != std::string_view::npos)
    return MarkdownCell(text);
  return "`" + std::string(text) + "`";
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

std::string NewClientLogLine(const ClientRecord& c, const NtpPacket& p, SysTime when) {
  Json j;
  j["event"] = "new-client";
  j["time"] = TimeText(when);
  j["address"] = c.address.AddressText();
  j["port"] = c.address.port;
  j["to"] = c.to.empty() ? std::string() : c.to.front().AddressText();
  j["implementation"] = c.Implementation();
  j["basis"] = c.basis;
  j["request"] = PacketJson(p, when);
  return Dump(j, -1);
}

std::vector<ClientView> ViewClients(const ClientTable& table, const HostsMap* map,
                                    const StaticReport* report) {
  std::vector<ClientView> out;
  for (const ClientRecord* r : table.Clients()) {
    ClientView v;
    v.record = r;
    if (map)
      if (const MappedHost* h = map->Find(r->address); h && !h->names.empty())
        v.host = h->names.front();
    if (map && report) v.correlation = Correlate(r->address, *map, *report);
    out.push_back(std::move(v));
  }
  return out;
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ExplanationText(const Explanation& e) {
  const StaticFinding& f = *e.finding;
  return f.location + ":" + std::to_string(f.line) + " (rule " + f.rule + ", " + e.via + ")";
}

void WriteText(std::ostream& out, const RunSummary& s, const ClientTable& table,
               const std::vector<ClientView>& clients) {
  const TableCounters& c = table.counters();
  out << "ntpsweep watch: " << clients.size() << (clients.size() == 1 ? " client, " : " clients, ")
      << c.requests << (c.requests == 1 ? " request" : " requests");
  out << " (" << (s.source == "pcap" ? "read " : "listened on ");
  for (size_t i = 0; i < s.inputs.size(); ++i) out << (i ? ", " : "") << s.inputs[i];
  if (s.any_time) out << "; " << TimeText(s.start) << " to " << TimeText(s.end);
  out << "; stopped by " << StopReasonName(s.stop) << ")\n";
  for (const ClientView& v : clients) {
    const ClientRecord* r = v.record;
    out << "\n" << r->address.AddressText();
    if (!v.host.empty()) out << " (" << v.host << ")";
    out << "  " << r->requests << (r->requests == 1 ? " request  " : " requests  ")
        << TimeText(r->first_seen) << " .. " << TimeText(r->last_seen) << "\n";
    out << "  NTPv" << Joined(Bits(r->versions)) << " " << ModeNames(r->modes, ", ") << " from port"
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
    if (v.correlation) {
      if (v.correlation->explained) {
        out << "  explained by:";
        for (const Explanation& e : v.correlation->explanations)
          out << "\n    " << ExplanationText(e);
        out << "\n";
      } else {
        out << "  UNEXPLAINED: " << v.correlation->reason << "\n";
      }
    }
  }
  auto requests = [](uint64_t n) { return n == 1 ? " request" : " requests"; };
  out << "\nDatagrams: " << c.datagrams << " (" << c.requests << requests(c.requests) << ", "
      << c.replies << (c.replies == 1 ? " reply, " : " replies, ") << c.malformed << " malformed";
  if (c.other_destination)
    out << ", " << c.other_destination << requests(c.other_destination) << " to other addresses";
  if (c.untracked) out << ", " << c.untracked << requests(c.untracked) << " from untracked clients";
  if (!s.kod.empty()) out << ", " << c.kod_sent << " Kiss-o'-Death " << s.kod << " sent";
  if (c.kod_failed)
    out << ", " << c.kod_failed << (c.kod_failed == 1 ? " reply" : " replies") << " failed";
  out << ")\n";
  for (const auto& [why, n] : table.malformed_reasons())
    out << "  malformed: " << why << ": " << n << "\n";
  if (s.source == "pcap")
    out << "Frames: " << s.capture.frames << " (" << s.capture.ntp << " on port 123, "
        << s.capture.other << " other, " << s.capture.fragments << " IP fragments, "
        << s.capture.damaged_headers << " with damaged headers)\n";
  if (s.correlated) {
    auto [explained, unexplained] = ExplainedCounts(clients);
    out << "Static analysis: " << explained << " explained, " << unexplained << " unexplained\n";
    for (const std::string& f : s.static_from) out << "  " << f << "\n";
  }
  for (const std::string& n : s.notices) out << "notice: " << n << "\n";
}

void WriteJson(std::ostream& out, const RunSummary& s, const ClientTable& table,
               const std::vector<ClientView>& clients) {
  Json j = SummaryJson(s, table, clients);
  const bool mapped = !s.maps.empty();
  Json list = Json::array();
  for (const ClientView& v : clients) list.push_back(ClientJson(v, mapped));
  j["clients"] = list;
  j["notices"] = s.notices;
  out << Dump(j, 2) << '\n';
}

void WriteJsonLines(std::ostream& out, const RunSummary& s, const ClientTable& table,
                    const std::vector<ClientView>& clients) {
  const bool mapped = !s.maps.empty();
  for (const ClientView& v : clients) {
    Json line = {{"record", "client"}};
    const Json client = ClientJson(v, mapped);
    for (auto it = client.begin(); it != client.end(); ++it) line[it.key()] = it.value();
    out << Dump(line, -1) << '\n';
  }
  Json summary = {{"record", "summary"}};
  const Json head = SummaryJson(s, table, clients);
  for (auto it = head.begin(); it != head.end(); ++it) summary[it.key()] = it.value();
  summary["clients"] = clients.size();
  summary["notices"] = s.notices;
  out << Dump(summary, -1) << '\n';
}

void WriteCsv(std::ostream& out, const std::vector<ClientView>& clients) {
  out << "address,host,first_seen,last_seen,requests,versions,modes,ports,to,implementation,"
         "nts,kod_sent,static,explanation\r\n";
  for (const ClientView& v : clients) {
    const ClientRecord& r = *v.record;
    std::string ports, to, status, explanation;
    for (uint16_t p : r.ports) ports += (ports.empty() ? "" : " ") + std::to_string(p);
    if (r.more_ports) ports += " ...";
    for (const Endpoint& e : r.to) to += (to.empty() ? "" : " ") + e.AddressText();
    if (v.correlation) {
      status = v.correlation->explained ? "explained" : "unexplained";
      if (v.correlation->explained)
        for (const Explanation& e : v.correlation->explanations)
          explanation += (explanation.empty() ? "" : "; ") + ExplanationText(e);
      else
        explanation = v.correlation->reason;
    }
    const std::string fields[] = {r.address.AddressText(),
                                  v.host,
                                  TimeText(r.first_seen),
                                  TimeText(r.last_seen),
                                  std::to_string(r.requests),
                                  Joined(Bits(r.versions), " "),
                                  ModeNames(r.modes, " "),
                                  ports,
                                  to,
                                  std::string(r.Implementation()),
                                  r.nts ? "true" : "false",
                                  std::to_string(r.kod_sent),
                                  status,
                                  explanation};
    bool first = true;
    for (const std::string& f : fields) {
      out << (first ? "" : ",") << CsvField(f);
      first = false;
    }
    out << "\r\n";
  }
}

void WriteMarkdown(std::ostream& out, const RunSummary& s, const ClientTable& table,
                   const std::vector<ClientView>& clients) {
  const TableCounters& c = table.counters();
  out << "# ntpsweep watch: " << clients.size()
      << (clients.size() == 1 ? " client still asks" : " clients still ask")
      << " the old server\n\n";
  out << (s.source == "pcap" ? "Read " : "Listened on ");
  for (size_t i = 0; i < s.inputs.size(); ++i) out << (i ? ", " : "") << MarkdownCode(s.inputs[i]);
  if (s.any_time) out << " from " << TimeText(s.start) << " to " << TimeText(s.end);
  out << "; stopped by " << StopReasonName(s.stop) << ". " << c.requests
      << (c.requests == 1 ? " request" : " requests") << " in " << c.datagrams << " datagrams ("
      << c.malformed << " malformed";
  if (c.untracked) out << ", " << c.untracked << " from clients past --max-clients";
  if (!s.kod.empty()) out << ", " << c.kod_sent << " Kiss-o'-Death " << s.kod << " sent";
  out << ").\n";
  if (s.correlated) {
    auto [explained, unexplained] = ExplainedCounts(clients);
    out << "\n**" << unexplained << " unexplained**, " << explained
        << " explained by the static analysis:\n\n";
    for (const std::string& f : s.static_from) out << "- " << MarkdownCell(f) << "\n";
    for (const std::string& m : s.maps) out << "- hosts map " << MarkdownCode(m) << "\n";
  }
  if (clients.empty()) {
    out << "\nNo client asked.\n";
  } else {
    out << "\n| Client | Host | Requests | First seen | Last seen | Modes | Versions | "
           "Implementation |"
        << (s.correlated ? " Static analysis |" : "") << "\n";
    out << "|---|---|--:|---|---|---|---|---|" << (s.correlated ? "---|" : "") << "\n";
    for (const ClientView& v : clients) {
      const ClientRecord& r = *v.record;
      out << "| " << MarkdownCode(r.address.AddressText()) << " | " << MarkdownCell(v.host) << " | "
          << r.requests << " | " << TimeText(r.first_seen) << " | " << TimeText(r.last_seen)
          << " | " << ModeNames(r.modes, ", ") << " | " << Joined(Bits(r.versions)) << " | "
          << MarkdownCell(r.Implementation()) << (r.nts ? " (NTS)" : "") << " |";
      if (s.correlated)
        out << (v.correlation && v.correlation->explained ? " explained |" : " **unexplained** |");
      out << "\n";
    }
  }
  if (s.correlated) {
    bool any = false;
    for (const ClientView& v : clients) {
      if (!v.correlation || v.correlation->explained) continue;
      if (!any) out << "\n## Unexplained: go and look\n\n";
      any = true;
      out << "- " << MarkdownCode(v.record->address.AddressText())
          << (v.host.empty() ? "" : " (" + MarkdownCell(v.host) + ")") << ": "
          << MarkdownCell(v.correlation->reason) << "\n";
    }
    any = false;
    for (const ClientView& v : clients) {
      if (!v.correlation || !v.correlation->explained) continue;
      if (!any) out << "\n## Explained by the static analysis\n\n";
      any = true;
      out << "- " << MarkdownCode(v.record->address.AddressText())
          << (v.host.empty() ? "" : " (" + MarkdownCell(v.host) + ")") << ":\n";
      for (const Explanation& e : v.correlation->explanations)
        out << "  - " << MarkdownCode(e.finding->location + ":" + std::to_string(e.finding->line))
            << ", rule " << MarkdownCode(e.finding->rule) << " (" << e.finding->activity << ", "
            << MarkdownCell(e.via) << ")\n";
    }
  }
  if (!s.notices.empty()) {
    out << "\n## Notices\n\n";
    for (const std::string& n : s.notices) out << "- " << MarkdownCell(n) << "\n";
  }
}

}  // namespace ntpsweep::watch
