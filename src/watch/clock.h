// "Now" for the watcher: the one place it reads time, so tests drive it instead of sleeping.
#pragma once

#include <chrono>

namespace ntpsweep::watch {

using SysTime = std::chrono::sys_time<std::chrono::nanoseconds>;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: what records show.
  virtual SysTime Wall() const = 0;
  // Time since an arbitrary start that never jumps: what stop decisions use.
  virtual Duration Elapsed() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysTime Wall() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
  Duration Elapsed() const override {
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start_);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// A clock that moves only when told to (tests; also packet time when reading captures).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SysTime start = SysTime{}) : wall_(start) {}
  SysTime Wall() const override { return wall_; }
  Duration Elapsed() const override { return elapsed_; }
  void Advance(Duration d) {
    wall_ += d;
    elapsed_ += d;
  }

 private:
  SysTime wall_;
  Duration elapsed_{0};
};

}  // namespace ntpsweep::watch
