// A one-line progress display on stderr for long inputs: bytes of the current input consumed,
// entries, findings so far and the rate. Only when stderr is a terminal and not --quiet; the
// line is redrawn a few times a second by its own thread and erased at the end.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace ntpsweep::input {

class Progress {
 public:
  // `enabled` false makes every call a no-op (tests, pipes, --quiet).
  explicit Progress(bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // The operand being read and its size in bytes (0 when unknown: stdin, directories).
  void BeginInput(const std::string& name, uint64_t size);
  void AddBytes(uint64_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }
  void AddEntry() { entries_.fetch_add(1, std::memory_order_relaxed); }
  void AddFindings(uint64_t n) { findings_.fetch_add(n, std::memory_order_relaxed); }

  // The line as it would be drawn after `seconds` on the current input (exposed for tests).
  std::string Line(double seconds) const;

  // True when stderr is a terminal.
  static bool StderrIsTerminal();

 private:
  void Run();
  std::string Line(const std::string& name, double seconds) const;
  static void Draw(std::string line);

  const bool enabled_;
  const bool at_once_;  // NTPSWEEP_PROGRESS=now
  std::atomic<uint64_t> bytes_{0}, entries_{0}, findings_{0}, size_{0};
  mutable std::mutex mu_;
  std::string name_;
  std::chrono::steady_clock::time_point input_start_ = std::chrono::steady_clock::now();
  std::condition_variable cv_;
  bool stop_ = false;
  bool drawn_ = false;
  std::thread thread_;
};

}  // namespace ntpsweep::input
