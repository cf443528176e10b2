// The pipeline driver: operands -> entries (input/) -> findings (Analyzer) on a worker pool.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/types.h"
#include "host/target.h"
#include "input/input.h"
#include "rules/rule.h"
#include "scan/shard.h"

namespace ntpsweep::scan {

struct ScanOptions {
  std::vector<std::string> operands;
  input::WalkOptions walk;
  size_t max_file_bytes = 64u << 20;  // bytes of one entry read for matching
  size_t max_reader_bytes = 1u << 20;  // bytes of one document a syntax reader reads (Analyzer)
  unsigned jobs = 0;                  // 0: one worker per core
  EntryFilter select;                 // --shard, --include, --changed-since
  bool report_unused_suppressions = false;  // notices for ntpsweep:ignore markers that matched nothing
  bool link = true;  // related locations: renderers of variables, installers of files (scan/linkage.h)
  bool prefilter = true;  // the gate; off reads every entry with every reader that applies (checks)
  // The list of files read (scan/read_files.h): bytes kept in memory, the rest in an unlinked
  // temporary file in `temp_dir` (empty: $TMPDIR, else /tmp).
  size_t read_list_memory = 256u << 10;
  std::string temp_dir;
  // Archive members linkage keeps whole, in a temporary file in `temp_dir` too: at most this
  // many bytes (scan/member_links.h, MemberLinks::kStoreBytes).
  uint64_t member_store_bytes = 1ull << 30;
  // The texts of the files on disk linkage may read at the end, kept from the first pass in a
  // temporary file in `temp_dir` too: at most this many bytes (scan/read_files.h,
  // ReadFiles::kTextBytes); the others are read again from disk.
  uint64_t link_text_bytes = 1ull << 30;
};

// The result types live in core/result.h so that reports need not know the scan.
using ntpsweep::ScanResult;
using ntpsweep::ScanStats;

ScanResult RunScan(const ScanOptions& options, const rules::RuleSet& rules,
                   const host::TargetSet& targets);

using ntpsweep::SortFindings;  // core/result.h

}  // namespace ntpsweep::scan
