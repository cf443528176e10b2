// Work spread over threads, for loops whose items are independent.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace ntpsweep {

// Calls `f(i)` for every i below `n`, shared among this thread and up to `jobs` - 1 others. Where
// no thread can be had, the threads there are (this one at least) do all of it. The first
// exception thrown by `f` on any thread is rethrown here, once every thread has stopped.
template <typename F>
void Share(size_t n, unsigned jobs, F&& f) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::exception_ptr error;
  auto work = [&] {
    try {
      for (size_t i; (i = next++) < n;) f(i);
    } catch (...) {
      next = n;  // the others stop at their next item
      std::lock_guard lock(mu);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  try {
    for (unsigned t = 1; t < jobs && t < n; ++t) threads.emplace_back(work);
  } catch (const std::system_error&) {  // no more threads: the ones started share the rest
  }
  work();
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace ntpsweep
