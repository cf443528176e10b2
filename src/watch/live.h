// The live table `watch` draws on a terminal while it listens: redrawn in place (cursor up,
// erase below) when the table changed, at most once per interval of the watch clock. Only used
// when stdout is a terminal; tests drive it with a string stream and a ManualClock.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "watch/client_table.h"
#include "watch/clock.h"

namespace ntpsweep::watch {

struct TerminalSize {
  int rows = 24;
  int columns = 80;
};

class LiveTable {
 public:
  // `size` is asked before each drawing (the terminal may be resized); `status` gives a
  // client's extra column ("" for none: host name, explained/unexplained).
  LiveTable(std::ostream& out, std::function<TerminalSize()> size,
            std::function<std::string(const ClientRecord&)> status = nullptr,
            Duration interval = std::chrono::seconds(1));

  // Draws when the table changed since the last drawing and `interval` has passed since it
  // (the first drawing at once). True when it drew.
  bool Update(const ClientTable& table, Duration elapsed);
  // How long until a pending change may be drawn (nullopt: nothing pending).
  std::optional<Duration> PendingWithin(const ClientTable& table, Duration elapsed) const;
  // Erases what was drawn, so the final summary starts where the table began.
  void Clear();

  int drawings() const { return drawings_; }

 private:
  std::vector<std::string> Lines(const ClientTable& table, TerminalSize size) const;

  std::ostream& out_;
  std::function<TerminalSize()> size_;
  std::function<std::string(const ClientRecord&)> status_;
  Duration interval_;
  bool drawn_ = false;
  Duration last_drawn_{0};
  uint64_t drawn_datagrams_ = 0;
  int lines_on_screen_ = 0;
  int drawings_ = 0;
};

}  // namespace ntpsweep::watch
