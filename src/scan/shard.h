// Which entries a scan keeps: `--shard K/N` (a deterministic share of the files, for splitting
// one large scan across N workers), `--include` globs and `--changed-since` file lists. Decided
// on the outermost path of an entry's location, so an archive and all its members go together
// and fingerprints (counted per file) do not depend on the split.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/file.h"
#include "core/fingerprint.h"
#include "core/types.h"

namespace ntpsweep::scan {

struct ShardSpec {
  unsigned index = 0;  // 1-based K
  unsigned count = 0;  // N; 0: no sharding
};

// "K/N" with 1 <= K <= N; false with a message otherwise.
bool ParseShard(std::string_view spec, ShardSpec* out, std::string* error);

using ntpsweep::Fnv1a64;       // core/fingerprint.h
using ntpsweep::RootRelative;  // core/file.h

// The shard (0-based) an outermost path falls in: FNV-1a 64 of the path as displayed, mod N.
unsigned ShardOf(std::string_view outer_path, unsigned count);

// Why EntryFilter::Reject turns away a file --changed-since does not list.
inline constexpr std::string_view kUnchanged = "unchanged";

struct EntryFilter {
  ShardSpec shard;
  std::vector<std::string> include;  // globs; empty: every file
  std::string root;                  // absolute scan root: globs also match paths relative to it
  bool limit_to_files = false;       // --changed-since
  std::vector<std::string> files;    // absolute, lexically normal paths of the files to keep

  // Empty when the entry is kept; otherwise why not ("other-shard", "not-included",
  // "unchanged"), which the scan counts as skipped.
  std::string_view Reject(const Location& location, std::string_view rule_path) const;
};

// Whether a scan of `operands` (as given) would read the outermost file `root_path`
// (ScanRootPath from the absolute scan root `root`) were it there: it is an operand or lies
// in one, no `exclude` glob and no VCS directory (unless `include_vcs`) leaves it out, as the
// walk decides (input/filesystem.cpp), and `filter` keeps it. A baseline finding elsewhere was
// not looked at, so it is not absent.
bool Covers(const std::vector<std::string>& operands, const std::vector<std::string>& exclude,
            bool include_vcs, const EntryFilter& filter, const std::string& root,
            const std::string& root_path);

}  // namespace ntpsweep::scan
