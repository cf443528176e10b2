#include "host/literal_search.h"

#include <hs/hs.h>

#include <limits>

#include "host/hyperscan.h"

namespace ntpsweep::host {

struct LiteralSearch::Impl {
  DatabasePtr db;
  ScratchPool scratches;
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
  if (!impl_->scratches.Prepare({db})) impl_->db.reset();
}

LiteralSearch::~LiteralSearch() = default;

bool LiteralSearch::Any(std::string_view text) const {
  if (!impl_->scratches.ready() || text.size() > std::numeric_limits<unsigned>::max()) return true;
  ScratchPtr scratch = impl_->scratches.Acquire();
  if (!scratch) return true;
  bool found = false;
  auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
    *static_cast<bool*>(ctx) = true;
    return 1;  // one is enough: stop the scan
  };
  const hs_error_t rc = hs_scan(impl_->db.get(), text.data(), static_cast<unsigned>(text.size()), 0,
                                scratch.get(), on_match, &found);
  impl_->scratches.Release(std::move(scratch));
  // Stopped by the callback once one is found; any other failure rules nothing out.
  return found || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED);
}

}  // namespace ntpsweep::host
