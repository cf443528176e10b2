// What `watch` prints at the end: text, JSON, JSON lines, CSV (RFC 4180) and the Markdown
// summary, all from one RunSummary and the client table (with the correlation when asked).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "watch/capture.h"
#include "watch/client_table.h"
#include "watch/correlate.h"
#include "watch/stop.h"

namespace ntpsweep::watch {

struct ClientView {
  const ClientRecord* record = nullptr;
  std::string host;                        // the hosts map's name, if any
  std::optional<Correlation> correlation;  // with --inventory
};

struct RunSummary {
  std::string source;  // "listen" | "pcap"
  std::vector<std::string> inputs;
  bool any_time = false;
  SysTime start{}, end{};
  StopReason stop = StopReason::kNone;
  std::string kod;
  std::vector<std::string> notices;
  CaptureCounters capture;
  bool correlated = false;               // --inventory given
  std::vector<std::string> static_from;  // what each report contributed
  std::vector<std::string> maps;         // --hosts-map files
};

// Clients in address order, with the hosts map's name and the correlation when there is one.
std::vector<ClientView> ViewClients(const ClientTable& table, const HostsMap* map,
                                    const StaticReport* report);

void WriteText(std::ostream& out, const RunSummary& s, const ClientTable& table,
               const std::vector<ClientView>& clients);
void WriteJson(std::ostream& out, const RunSummary& s, const ClientTable& table,
               const std::vector<ClientView>& clients);
// One JSON object a line: {"record": "client", ...} per client, then {"record": "summary", ...}.
void WriteJsonLines(std::ostream& out, const RunSummary& s, const ClientTable& table,
                    const std::vector<ClientView>& clients);
// RFC 4180: a header line, one record per client, CRLF line ends, fields quoted when needed.
void WriteCsv(std::ostream& out, const std::vector<ClientView>& clients);
void WriteMarkdown(std::ostream& out, const RunSummary& s, const ClientTable& table,
                   const std::vector<ClientView>& clients);

// One CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote,
// CR or LF.
std::string CsvField(std::string_view value);
// "repos/a/etc/chrony.conf:3 (rule chrony-source, repository repos/a)".
std::string ExplanationText(const Explanation& e);

// The --log line for a new client: its first request, as JSON on one line.
std::string NewClientLogLine(const ClientRecord& client, const NtpPacket& request, SysTime when);

std::string TimeText(SysTime t);  // "2026-12-04T15:31:30.123456Z"

}  // namespace ntpsweep::watch
