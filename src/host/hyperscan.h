// Owners of Hyperscan's handles, and the scratch spaces of the threads that scan with one set of
// databases: a scan needs a scratch of its own, and allocating one per call costs more than many
// small scans.
#pragma once

#include <hs/hs.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace ntpsweep::host {

struct FreeDatabase {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using DatabasePtr = std::unique_ptr<hs_database_t, FreeDatabase>;

struct FreeScratch {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using ScratchPtr = std::unique_ptr<hs_scratch_t, FreeScratch>;

// Every scratch is cloned from one prototype, allocated for all the databases it must fit. Each
// thread keeps a few, one per pool, taken and given back without the lock (which two scans an
// entry took cost 1% of a small-file sweep's instructions); the others wait in a shared list.
class ScratchPool {
 public:
  ScratchPool() = default;
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;

  // The prototype, fit for every database in `databases` (nulls are left out: without any there
  // is none); false when Hyperscan cannot allocate it.
  bool Prepare(std::initializer_list<const hs_database_t*> databases);
  bool ready() const { return prototype_ != nullptr; }
  // A scratch for one scan; null when none can be allocated.
  ScratchPtr Acquire();
  void Release(ScratchPtr scratch);

 private:
  struct ThreadScratch {
    uint64_t owner = 0;
    ScratchPtr scratch;
  };
  static constexpr size_t kThreadScratches = 4;
  static std::array<ThreadScratch, kThreadScratches>& Mine();

  // Which pool a thread's kept scratch belongs to: never reused, so a scratch left by a pool
  // since destroyed matches none.
  static inline std::atomic<uint64_t> next_id_{1};
  const uint64_t id_ = next_id_.fetch_add(1, std::memory_order_relaxed);
  ScratchPtr prototype_;
  std::mutex mu_;
  std::vector<ScratchPtr> idle_;
};

}  // namespace ntpsweep::host
