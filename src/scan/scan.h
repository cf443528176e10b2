// The pipeline driver: operands -> entries (input/) -> findings (Analyzer) on a worker pool.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

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
  unsigned jobs = 0;                  // 0: one worker per core
  EntryFilter select;                 // --shard, --include, --changed-since
  bool report_unused_suppressions = false;  // notices for ntpsweep:ignore markers that matched nothing
  bool link = true;  // related locations: renderers of variables, installers of files (scan/linkage.h)
  bool prefilter = true;  // the gate; off reads every entry with every reader that applies (checks)
};

struct ScanStats {
  size_t entries = 0;          // text entries matched against the rules
  size_t bytes = 0;            // bytes of those entries
  size_t binary_skipped = 0;
  size_t truncated = 0;
  size_t analyzed = 0;         // text entries the gate passed on to the readers
  size_t prefiltered_out = 0;  // text entries done after the gate's pass
  size_t observed = 0;         // text entries read for linkage (expressions, installs)
  std::vector<std::pair<std::string, size_t>> skipped;  // why -> count, sorted
  std::vector<std::pair<std::string, size_t>> readers;  // syntax -> documents it read, sorted
  // Seconds per phase: "walk" (operands to entries, on one thread), "read", "prefilter",
  // "readers" (summed over workers), "cross-file" (includes, layers, linkage).
  std::vector<std::pair<std::string, double>> phases;
  double seconds = 0;
};

struct ScanResult {
  std::vector<Finding> findings;  // sorted: location, line, column, rule
  std::vector<Notice> notices;    // sorted: location, line, message
  ScanStats stats;
  bool input_error = false;       // an operand could not be opened at all
};

ScanResult RunScan(const ScanOptions& options, const rules::RuleSet& rules,
                   const host::TargetSet& targets);

void SortFindings(std::vector<Finding>* findings);

}  // namespace ntpsweep::scan
