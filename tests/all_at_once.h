// Runs body(t) on `threads` threads released together: first-use races in lazily built state.
#pragma once

#include <latch>
#include <thread>
#include <vector>

namespace ntpsweep::testing {

template <class Body>
void RunAllAtOnce(int threads, Body body) {
  std::latch start(threads);
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&, t] {
      start.arrive_and_wait();
      body(t);
    });
  for (std::thread& t : running) t.join();
}

}  // namespace ntpsweep::testing
