// `ntpsweep watch`: NTP clients that still ask the old server (src/watch/ does the work).
#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "watch/watch.h"

namespace ntpsweep::cli {
namespace {

struct WatchArgs {
  watch::WatchPlan plan;
  std::string duration;
  std::string until_quiet;
  std::string output;
};

// "90", "90s", "15m", "12h", "7d" -> a duration; nullopt when not one.
std::optional<watch::Duration> ParseSpan(const std::string& text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value <= 0 || end == text.data()) return std::nullopt;
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  double scale = unit.empty() || unit == "s" ? 1
                 : unit == "m"               ? 60
                 : unit == "h"               ? 3600
                 : unit == "d"               ? 86400
                                             : 0;
  if (scale == 0 || value * scale > 1e9) return std::nullopt;
  return std::chrono::duration_cast<watch::Duration>(std::chrono::duration<double>(value * scale));
}

int RunWatchCommand(WatchArgs& args) {
  for (auto [text, slot, flag] :
       {std::tuple{&args.duration, &args.plan.stop.duration, "--duration"},
        std::tuple{&args.until_quiet, &args.plan.stop.until_quiet, "--until-quiet"}}) {
    if (text->empty()) continue;
    *slot = ParseSpan(*text);
    if (!*slot) {
      std::cerr << "ntpsweep: watch: " << flag << " " << *text
                << ": a positive number of seconds, or with a unit: 90s, 15m, 12h, 7d\n";
      return kExitError;
    }
  }
  Output output(args.output, "ntpsweep: watch");
  if (!output.ok()) return kExitError;
  // The live table only where a person watches: stdout a terminal that understands cursor moves.
  const char* term = std::getenv("TERM");
  args.plan.live =
      args.output.empty() && isatty(STDOUT_FILENO) == 1 && term && std::strcmp(term, "dumb") != 0;
  args.plan.terminal_size = [] {
    watch::TerminalSize size;
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
      size.rows = ws.ws_row;
      size.columns = ws.ws_col;
    }
    return size;
  };
  watch::SystemClock clock;
  return watch::RunWatch(args.plan, clock, output.stream(), std::cerr);
}

}  // namespace

std::vector<Command> RegisterWatch(CLI::App& parent) {
  auto args = std::make_shared<WatchArgs>();
  WatchArgs& a = *args;
  watch::WatchPlan& p = a.plan;
  CLI::App* cmd = parent.add_subcommand(
      "watch",
      "Listen on UDP/123 (or read captures) and name every NTP client that still asks this server");
  cmd->add_option("--listen", p.listen,
                  "ADDR[:PORT] or [ADDR]:PORT to bind (repeatable; default 0.0.0.0:123 and "
                  "[::]:123; port 0: any free port)")
      ->allow_extra_args(false);
  cmd->add_option("--pcap", p.pcaps, "Read these pcap or pcapng captures instead of listening");
  cmd->add_option("--server", p.servers,
                  "Count only requests sent to this address (repeatable; the old server's "
                  "addresses)")
      ->allow_extra_args(false);
  cmd->add_option("--kod", p.kod,
                  "Answer each request with a Kiss-o'-Death DENY or RATE (default: answer nothing)")
      ->check(CLI::IsMember({"deny", "rate"}));
  cmd->add_option("--duration", a.duration, "Stop after this long (seconds, or 15m, 12h, 7d)");
  cmd->add_option("--until-quiet", a.until_quiet,
                  "Stop once no client has asked for this long (seconds, or 15m, 12h, 7d)");
  cmd->add_option("--max-packets", p.stop.max_packets, "Stop after this many datagrams")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-clients", p.max_clients,
                  "Client addresses recorded at most; further ones are counted (default: 100000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--format", p.format,
                  "Summary format: text (a live table too when stdout is a terminal), json, jsonl "
                  "(a line per client, then a summary line) or csv")
      ->check(CLI::IsMember({"text", "json", "jsonl", "csv"}));
  cmd->add_option("--summary", p.summary, "Also write a Markdown summary to FILE");
  cmd->add_option("--inventory", p.inventories,
                  "[LABEL=]REPORT.json: a `scan --format json` or `inventory --format json` "
                  "report; clients are marked explained or unexplained by its findings "
                  "(repeatable; LABEL: the repository or image the report covers)")
      ->allow_extra_args(false);
  cmd->add_option("--hosts-map", p.hosts_maps,
                  "Which host, repository and image each client address is: CSV with a header "
                  "(host,address,image,repository) or /etc/hosts format (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--host", p.old_hosts,
                  "The old server's address, CIDR or name: picks its references out of an "
                  "inventory report (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", a.output, "Write the summary to FILE instead of stdout");
  cmd->add_option("--log", p.log, "Append one JSON line per new client to FILE as clients appear");
  cmd->add_flag("-q,--quiet", p.quiet, "No notice on stderr for each new client");
  return {{cmd, [args] { return RunWatchCommand(*args); }}};
}

}  // namespace ntpsweep::cli
