#include "host/hyperscan.h"

namespace ntpsweep::host {

bool ScratchPool::Prepare(std::initializer_list<const hs_database_t*> databases) {
  hs_scratch_t* scratch = nullptr;
  for (const hs_database_t* db : databases)
    if (db && hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
      hs_free_scratch(scratch);
      return false;
    }
  prototype_.reset(scratch);
  return true;
}

std::array<ScratchPool::ThreadScratch, ScratchPool::kThreadScratches>& ScratchPool::Mine() {
  thread_local std::array<ThreadScratch, kThreadScratches> mine;
  return mine;
}

ScratchPtr ScratchPool::Acquire() {
  for (ThreadScratch& t : Mine())
    if (t.owner == id_ && t.scratch) return std::move(t.scratch);
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      ScratchPtr s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
  }
  hs_scratch_t* s = nullptr;
  if (!prototype_ || hs_clone_scratch(prototype_.get(), &s) != HS_SUCCESS) return nullptr;
  return ScratchPtr(s);
}

void ScratchPool::Release(ScratchPtr scratch) {
  // Back into this thread's slot for this pool, or a free one; else to the shared list.
  ThreadScratch* slot = nullptr;
  for (ThreadScratch& t : Mine())
    if (!t.scratch || t.owner == id_) {
      slot = &t;
      if (t.owner == id_) break;
    }
  if (!slot || (slot->scratch && slot->owner == id_)) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(scratch));
    return;
  }
  slot->owner = id_;
  slot->scratch = std::move(scratch);
}

}  // namespace ntpsweep::host
