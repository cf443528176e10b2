#include "core/counted.h"
#include "input/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "input/limits.h"

namespace ntpsweep::input {
namespace {

// Nothing is drawn for inputs that finish quickly: the line would only flicker.
constexpr auto kFirstDraw = std::chrono::milliseconds(1000);
constexpr auto kInterval = std::chrono::milliseconds(250);

// NTPSWEEP_PROGRESS=now draws as each input begins, so tests see the line without waiting.
bool DrawAtOnce() {
  const char* v = std::getenv("NTPSWEEP_PROGRESS");
  return v && std::string_view(v) == "now";
}

}  // namespace

Progress::Progress(bool enabled) : enabled_(enabled), at_once_(enabled && DrawAtOnce()) {
  if (enabled_) thread_ = std::thread([this] { Run(); });
}

Progress::~Progress() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (drawn_) std::fputs("\r\x1b[K", stderr);
}

bool Progress::StderrIsTerminal() {
  return isatty(STDERR_FILENO) == 1;
}

void Progress::BeginInput(const std::string& name, uint64_t size) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  name_ = name;
  input_start_ = std::chrono::steady_clock::now();
  bytes_ = 0;
  size_ = size;
  if (at_once_) {
    Draw(Line(name_, 0));
    drawn_ = true;
  }
}

std::string Progress::Line(double seconds) const {
  std::string name;
  {
    std::lock_guard lock(mu_);
    name = name_;
  }
  return Line(name, seconds);
}

std::string Progress::Line(const std::string& name, double seconds) const {
  uint64_t bytes = bytes_.load(), size = size_.load();
  std::string line = "ntpsweep: " + name + ": " + HumanBytes(bytes);
  if (size) {
    line += " of " + HumanBytes(size);
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)",
                  100.0 * static_cast<double>(bytes) / static_cast<double>(size));
    line += pct;
  }
  line += ", " + Counted(entries_.load(), "entry", "entries") + ", " +
          Counted(findings_.load(), "finding", "findings");
  if (seconds > 0)
    line += ", " + HumanBytes(static_cast<uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
  return line;
}

void Progress::Run() {
  auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, kInterval, [this] { return stop_; })) {
    auto now = std::chrono::steady_clock::now();
    if (now - start < kFirstDraw) continue;
    double seconds = std::chrono::duration<double>(now - input_start_).count();
    lock.unlock();
    Draw(Line(seconds));
    lock.lock();
    drawn_ = true;
  }
}

void Progress::Draw(std::string line) {
  // Keep to one terminal line so that "\r" can redraw it.
  if (line.size() > 150) line = line.substr(0, 147) + "...";
  std::fprintf(stderr, "\r\x1b[K%s", line.c_str());
  std::fflush(stderr);
}

}  // namespace ntpsweep::input
