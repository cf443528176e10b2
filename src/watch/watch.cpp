#include "watch/watch.h"

#include <filesystem>
#include <fstream>
#include <memory>

#include "watch/capture.h"
#include "watch/client_table.h"
#include "watch/correlate.h"
#include "watch/listener.h"
#include "watch/live.h"
#include "watch/loop.h"
#include "watch/report.h"

namespace ntpsweep::watch {
namespace {

class Observer final : public LoopObserver {
 public:
  Observer(std::ostream& err, bool quiet, std::ostream* log, LiveTable* live)
      : err_(err), quiet_(quiet), log_(log), live_(live) {}

  void NewClient(const ClientRecord& c, const NtpPacket& p, SysTime when) override {
    // On a terminal the live table names new clients; a notice would break its redraw.
    if (!quiet_ && !live_)
      err_ << "ntpsweep: watch: new client " << c.address.AddressText() << " (port "
           << c.address.port << ", NTPv" << int{p.version} << " " << ModeName(p.mode) << ", "
           << c.Implementation() << ")\n";
    if (log_) {
      *log_ << NewClientLogLine(c, p, when) << '\n';
      log_->flush();
    }
  }
  void ClientLimitReached(size_t max_clients) override {
    if (live_) return;  // the live table counts untracked requests; the summary says it too
    err_ << "ntpsweep: watch: notice: " << max_clients
         << " clients tracked (--max-clients); requests from further addresses are counted, not "
            "recorded\n";
  }
  void Tick(const ClientTable& table, Duration elapsed) override {
    if (live_) live_->Update(table, elapsed);
  }
  std::optional<Duration> TickWithin(const ClientTable& table, Duration elapsed) const override {
    return live_ ? live_->PendingWithin(table, elapsed) : std::nullopt;
  }

 private:
  std::ostream& err_;
  bool quiet_;
  std::ostream* log_;
  LiveTable* live_;
};

// "[LABEL=]REPORT": the whole argument when it names a file, else split at the first '='.
std::pair<std::string, std::string> LabelAndPath(const std::string& arg) {
  std::error_code ec;
  size_t eq = arg.find('=');
  if (eq == std::string::npos || std::filesystem::exists(arg, ec)) return {"", arg};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

}  // namespace

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
  if (plan.format != "text" && plan.format != "json" && plan.format != "jsonl" &&
      plan.format != "csv")
    return usage("--format " + plan.format + ": text, json, jsonl or csv");
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
  RunSummary s;
  // The static side is read first: a report that cannot be read ends the run before listening.
  if (!plan.inventories.empty() && plan.hosts_maps.empty())
    return usage(
        "--inventory needs --hosts-map: the map says which host, repository and image "
        "each client address is");
  HostsMap map;
  for (const std::string& path : plan.hosts_maps) {
    std::string error;
    std::vector<std::string> notices;
    bool ok = map.Load(path, &notices, &error);
    for (const std::string& n : notices) err << "ntpsweep: watch: notice: " << n << '\n';
    s.notices.insert(s.notices.end(), notices.begin(), notices.end());
    if (!ok) return usage(error);
    s.maps.push_back(path);
  }
  StaticReport report;
  for (const std::string& arg : plan.inventories) {
    auto [label, path] = LabelAndPath(arg);
    std::string error;
    std::vector<std::string> notices;
    bool ok = LoadStaticReport(path, label, plan.old_hosts, &report, &notices, &error);
    for (const std::string& n : notices) err << "ntpsweep: watch: notice: " << n << '\n';
    s.notices.insert(s.notices.end(), notices.begin(), notices.end());
    if (!ok) return usage(error);
  }
  s.correlated = !plan.inventories.empty();
  s.static_from = report.described;
  std::unique_ptr<std::ofstream> summary_file;
  if (!plan.summary.empty()) {
    summary_file =
        std::make_unique<std::ofstream>(plan.summary, std::ios::binary | std::ios::trunc);
    if (!*summary_file) return usage("cannot write the summary " + plan.summary);
  }
  std::unique_ptr<std::ofstream> log;
  if (!plan.log.empty()) {
    log = std::make_unique<std::ofstream>(plan.log, std::ios::binary | std::ios::app);
    if (!*log) return usage("cannot write " + plan.log);
  }
  ClientTable table(plan.max_clients, servers);
  std::unique_ptr<LiveTable> live;
  if (plan.live && plan.pcaps.empty() && plan.format == "text") {
    std::function<std::string(const ClientRecord&)> status;
    if (!plan.hosts_maps.empty())
      status = [&map, &report, correlated = s.correlated](const ClientRecord& r) {
        const MappedHost* h = map.Find(r.address);
        std::string text = h && !h->names.empty() ? h->names.front() + " " : "";
        if (correlated)
          text += Correlate(r.address, map, report).explained ? "explained" : "UNEXPLAINED";
        return text;
      };
    live = std::make_unique<LiveTable>(out, plan.terminal_size, status);
  }
  Observer observer(err, plan.quiet, log.get(), live.get());
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
    std::vector<std::string> bind_notices;
    UdpSource source(binds, &errors, &bind_notices);
    for (const std::string& n : bind_notices) err << "ntpsweep: watch: notice: " << n << '\n';
    s.notices.insert(s.notices.end(), bind_notices.begin(), bind_notices.end());
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
  if (live) live->Clear();
  std::vector<ClientView> clients = ViewClients(table, plan.hosts_maps.empty() ? nullptr : &map,
                                                s.correlated ? &report : nullptr);
  if (plan.format == "json")
    WriteJson(out, s, table, clients);
  else if (plan.format == "jsonl")
    WriteJsonLines(out, s, table, clients);
  else if (plan.format == "csv")
    WriteCsv(out, clients);
  else
    WriteText(out, s, table, clients);
  out.flush();
  if (summary_file) {
    WriteMarkdown(*summary_file, s, table, clients);
    summary_file->flush();
    if (!*summary_file) {
      err << "ntpsweep: watch: writing the summary " << plan.summary << " failed\n";
      input_error = true;
    }
  }
  if (input_error) return 2;
  return table.size() > 0 || table.counters().untracked > 0 ? 1 : 0;
}

}  // namespace ntpsweep::watch
