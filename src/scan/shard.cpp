#include "scan/shard.h"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "core/glob.h"
#include "input/input.h"

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
    *error = "'" + std::string(spec) + "' is not K/N with 1 <= K <= N (e.g. 2/4)";
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
    if (!std::binary_search(files.begin(), files.end(), abs)) return kUnchanged;
  }
  return {};
}

bool Covers(const std::vector<std::string>& operands, const std::vector<std::string>& exclude,
            bool include_vcs, const EntryFilter& filter, const std::string& root,
            const std::string& root_path) {
  auto excluded = [&](const std::string& path) {
    for (const std::string& g : exclude)
      if (GlobMatch(g, path)) return true;
    return false;
  };
  for (const std::string& operand : operands) {
    const std::string at_root = ScanRootPath(operand, root);
    const std::string display = input::JoinDisplayPath(operand, "");
    if (root_path == at_root) {  // the operand itself: a file, an archive, an image
      if (filter.Reject(Location{{display}}, display).empty()) return true;
      continue;
    }
    std::string rel;
    if (at_root.empty() && !root_path.starts_with('/'))
      rel = root_path;
    else if (root_path.starts_with(at_root + "/"))
      rel = root_path.substr(at_root.size() + 1);
    else
      continue;
    // The walk's decisions at each level below the operand.
    bool kept = true;
    for (size_t slash = 0; kept; ++slash) {
      slash = rel.find('/', slash);
      const std::string level = rel.substr(0, slash);
      const std::string name = level.substr(level.rfind('/') + 1);
      if (excluded(input::JoinDisplayPath(operand, level)) || excluded(level)) kept = false;
      if (slash == std::string::npos) break;
      if (!include_vcs && (name == ".git" || name == ".hg" || name == ".svn")) kept = false;
    }
    const std::string path = input::JoinDisplayPath(operand, rel);
    if (kept && filter.Reject(Location{{path}}, path).empty()) return true;
  }
  return false;
}

}  // namespace ntpsweep::scan
