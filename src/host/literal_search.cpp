#include "host/literal_search.h"

#include <hs/hs.h>

#include <limits>
#include <mutex>

namespace ntpsweep::host {

struct LiteralSearch::Impl {
  struct DatabaseFree {
    void operator()(hs_database_t* db) const { hs_free_database(db); }
  };
  struct ScratchFree {
    void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
  };
  using ScratchPtr = std::unique_ptr<hs_scratch_t, ScratchFree>;
  std::unique_ptr<hs_database_t, DatabaseFree> db;
  ScratchPtr prototype;
  // Scratch spaces of calls that ended, for the next ones (one per thread at most at a time).
  std::mutex mu;
  std::vector<ScratchPtr> idle;

  ScratchPtr Acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        ScratchPtr s = std::move(idle.back());
        idle.pop_back();
        return s;
      }
    }
    hs_scratch_t* s = nullptr;
    if (hs_clone_scratch(prototype.get(), &s) != HS_SUCCESS) return nullptr;
    return ScratchPtr(s);
  }
  void Release(ScratchPtr s) {
    std::lock_guard lock(mu);
    idle.push_back(std::move(s));
  }
};

LiteralSearch::LiteralSearch(const std::vector<std::string>& literals)
    : impl_(std::make_unique<Impl>()) {
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags, ids;
  for (const std::string& l : literals) {
    if (l.empty()) continue;
    ids.push_back(static_cast<unsigned>(expressions.size()));
    expressions.push_back(l.data());
    lengths.push_back(l.size());
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
  }
  if (expressions.empty()) return;
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &db,
                           &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    return;  // Any says yes to everything: nothing is ruled out
  }
  impl_->db.reset(db);
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
    impl_->db.reset();
    return;
  }
  impl_->prototype.reset(scratch);
}

LiteralSearch::~LiteralSearch() = default;

bool LiteralSearch::Any(std::string_view text) const {
  if (!impl_->prototype || text.size() > std::numeric_limits<unsigned>::max()) return true;
  Impl::ScratchPtr scratch = impl_->Acquire();
  if (!scratch) return true;
  bool found = false;
  auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
    *static_cast<bool*>(ctx) = true;
    return 1;  // one is enough: stop the scan
  };
  const hs_error_t rc = hs_scan(impl_->db.get(), text.data(), static_cast<unsigned>(text.size()), 0,
                                scratch.get(), on_match, &found);
  impl_->Release(std::move(scratch));
  // Stopped by the callback once one is found; any other failure rules nothing out.
  return found || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED);
}

}  // namespace ntpsweep::host
