#include "scan/shard.h"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "core/glob.h"

namespace ntpsweep::scan {

bool ParseShard(std::string_view spec, ShardSpec* out, std::string* error) {
  size_t slash = spec.find('/');
  unsigned k = 0, n = 0;
  auto parse = [](std::string_view s, unsigned* v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (slash == std::string_view::npos || !parse(spec.substr(0, slash), &k) ||
      !parse(spec.substr(slash + 1), &n) || n == 0 || k == 0 || k > n) {
    *error = "--shard must be K/N with 1 <= K <= N (e.g. 2/4), not '" + std::string(spec) + "'";
    return false;
  }
  *out = ShardSpec{k, n};
  return true;
}

unsigned ShardOf(std::string_view outer_path, unsigned count) {
  return static_cast<unsigned>(Fnv1a64(outer_path) % count);
}

std::string_view EntryFilter::Reject(const Location& location, std::string_view rule_path) const {
  if (location.chain.empty()) return {};
  const std::string& outer = location.chain.front();
  if (shard.count && ShardOf(outer, shard.count) != shard.index - 1) return "other-shard";
  if (!include.empty()) {
    const std::string rendered = location.Render();
    const std::string relative = RootRelative(outer, root);
    bool in = false;
    for (const std::string& g : include)
      in = in || GlobMatch(g, outer) || GlobMatch(g, rendered) || GlobMatch(g, rule_path) ||
           (!relative.empty() && GlobMatch(g, relative));
    if (!in) return "not-included";
  }
  if (limit_to_files) {
    std::error_code ec;
    std::string abs = std::filesystem::absolute(outer, ec).lexically_normal().string();
    if (!std::binary_search(files.begin(), files.end(), abs)) return "unchanged";
  }
  return {};
}

}  // namespace ntpsweep::scan
