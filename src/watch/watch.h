// `ntpsweep watch`: who still asks the old server for time. The plan is a plain value (the
// command line fills it); RunWatch listens or reads captures, then prints the summary.
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "watch/clock.h"
#include "watch/live.h"
#include "watch/stop.h"

namespace ntpsweep::watch {

struct WatchPlan {
  std::vector<std::string> listen;   // ADDR[:PORT]; empty (and no pcaps): 0.0.0.0:123 and [::]:123
  std::vector<std::string> pcaps;    // capture files; exclusive with `listen`
  std::vector<std::string> servers;  // count only requests sent to these addresses
  std::string kod;                   // "deny" or "rate": answer with a Kiss-o'-Death; "": silent
  StopPolicy stop;
  size_t max_clients = 100000;
  std::string format = "text";  // text | json | jsonl | csv
  std::string log;              // JSON lines, one per new client, as they appear
  std::string summary;          // Markdown summary to this file, besides `format` on `out`
  bool quiet = false;           // no live notices on `err`
  // Correlation: [LABEL=]REPORT.json (scan or inventory report), hosts maps (CSV or /etc/hosts),
  // and the old server's names/addresses (picks an inventory report's servers).
  std::vector<std::string> inventories;
  std::vector<std::string> hosts_maps;
  std::vector<std::string> old_hosts;
  // A live table on `out` while listening (text format; the caller knows `out` is a terminal).
  bool live = false;
  std::function<TerminalSize()> terminal_size;
};

// Exit status: 0 no client seen, 1 clients seen, 2 a usage or input error (nothing bound, a
// capture unreadable, the log not writable).
int RunWatch(const WatchPlan& plan, const Clock& clock, std::ostream& out, std::ostream& err);

// "2026-12-04T15:31:30.123456Z".
std::string TimeText(SysTime t);

}  // namespace ntpsweep::watch
