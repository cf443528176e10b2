#include "watch/live.h"

#include <algorithm>
#include <cstdio>

#include "watch/report.h"

namespace ntpsweep::watch {
namespace {

// Cut to `width` bytes without splitting a UTF-8 sequence: a line must never wrap, or the
// cursor-up count of the next redraw would be wrong.
std::string Fit(std::string line, int width) {
  if (width < 1) width = 1;
  if (line.size() <= static_cast<size_t>(width)) return line;
  size_t cut = static_cast<size_t>(width);
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  line.resize(cut);
  return line;
}

std::string Padded(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

LiveTable::LiveTable(std::ostream& out, std::function<TerminalSize()> size,
                     std::function<std::string(const ClientRecord&)> status, Duration interval)
    : out_(out), size_(std::move(size)), status_(std::move(status)), interval_(interval) {}

std::optional<Duration> LiveTable::PendingWithin(const ClientTable& table, Duration elapsed) const {
  if (drawn_ && table.counters().datagrams == drawn_datagrams_) return std::nullopt;
  if (!drawn_) return Duration{0};
  return std::max(Duration{0}, last_drawn_ + interval_ - elapsed);
}

bool LiveTable::Update(const ClientTable& table, Duration elapsed) {
  if (drawn_ && table.counters().datagrams == drawn_datagrams_) return false;
  if (drawn_ && elapsed - last_drawn_ < interval_) return false;
  TerminalSize size = size_ ? size_() : TerminalSize{};
  std::vector<std::string> lines = Lines(table, size);
  std::string frame;
  // Back to where the previous drawing began, and erase it and everything below.
  if (lines_on_screen_ > 0) frame += "\r\033[" + std::to_string(lines_on_screen_) + "A";
  frame += "\033[J";
  for (const std::string& l : lines) frame += Fit(l, size.columns - 1) + "\n";
  out_ << frame;
  out_.flush();
  lines_on_screen_ = static_cast<int>(lines.size());
  drawn_ = true;
  last_drawn_ = elapsed;
  drawn_datagrams_ = table.counters().datagrams;
  ++drawings_;
  return true;
}

void LiveTable::Clear() {
  if (lines_on_screen_ > 0) out_ << "\r\033[" << lines_on_screen_ << "A\033[J";
  out_.flush();
  lines_on_screen_ = 0;
}

std::vector<std::string> LiveTable::Lines(const ClientTable& table, TerminalSize size) const {
  const TableCounters& c = table.counters();
  std::vector<const ClientRecord*> clients = table.Clients();
  // The most recent first: on a short terminal the active clients stay in view.
  std::stable_sort(
      clients.begin(), clients.end(),
      [](const ClientRecord* a, const ClientRecord* b) { return a->last_seen > b->last_seen; });
  std::vector<std::string> lines;
  lines.push_back("ntpsweep watch: " + std::to_string(clients.size()) +
                  (clients.size() == 1 ? " client, " : " clients, ") + std::to_string(c.requests) +
                  (c.requests == 1 ? " request" : " requests") +
                  (c.malformed ? ", " + std::to_string(c.malformed) + " malformed" : "") +
                  (c.untracked ? ", " + std::to_string(c.untracked) + " untracked" : "") +
                  (c.kod_sent ? ", " + std::to_string(c.kod_sent) + " kisses sent" : "") +
                  " (Ctrl-C stops)");
  size_t width = 7;
  for (const ClientRecord* r : clients) width = std::max(width, r->address.AddressText().size());
  lines.push_back(Padded("ADDRESS", width) + "  REQUESTS  LAST SEEN  IMPLEMENTATION" +
                  (status_ ? "  STATIC" : ""));
  // Rows left for clients: the two lines above, a "more" line, and the cursor's own line.
  const int room = std::max(1, size.rows - 4);
  size_t shown = std::min(clients.size(), static_cast<size_t>(room));
  if (clients.size() == static_cast<size_t>(room) + 1)
    shown = clients.size();  // the "more" line's row fits the last client itself
  for (size_t i = 0; i < shown; ++i) {
    const ClientRecord& r = *clients[i];
    std::string requests = std::to_string(r.requests);
    std::string row =
        Padded(r.address.AddressText(), width) + "  " +
        Padded(std::string(8 - std::min<size_t>(8, requests.size()), ' ') + requests, 8) + "  " +
        TimeText(r.last_seen).substr(11, 8) + "   " + Padded(std::string(r.Implementation()), 14);
    if (status_) row += "  " + status_(r);
    while (!row.empty() && row.back() == ' ') row.pop_back();
    lines.push_back(std::move(row));
  }
  if (shown < clients.size())
    lines.push_back("... " + std::to_string(clients.size() - shown) +
                    " more (the summary lists every client)");
  return lines;
}

}  // namespace ntpsweep::watch
