// What a scan hands to triage and reports: findings, notices and counts, plus what git knows
// about the scanned tree. Plain data: reports read it without knowing how it was found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/types.h"

namespace ntpsweep {

struct ScanStats {
  size_t entries = 0;          // text entries matched against the rules
  size_t bytes = 0;            // bytes of those entries
  size_t binary_skipped = 0;
  size_t truncated = 0;
  size_t analyzed = 0;         // text entries the gate passed on to the readers
  size_t prefiltered_out = 0;  // text entries done after the gate's pass
  size_t observed = 0;         // text entries read for linkage (expressions, installs)
  size_t ruled_out = 0;        // tar members linkage read no entry of: no needle in their bytes
  uint64_t decompressed = 0;   // bytes read out of archives, images and disks (--max-total-bytes)
  // The list of files read, for includes and linkage (scan/read_files.h): bytes in an unlinked
  // temporary file, bytes in memory, and why there is no temporary file (when there is none).
  uint64_t file_list_spilled = 0;
  size_t file_list_memory = 0;
  std::string file_list_error;
  // Archive members kept whole for linkage (scan/member_links.h): how many, their bytes in an
  // unlinked temporary file and in memory, and why there is no temporary file (when none).
  size_t members_kept = 0;
  uint64_t member_bytes_on_disk = 0;
  size_t member_bytes_in_memory = 0;
  std::string member_store_error;
  // The cross-file stage's second readings of containers: files of disk images read alone from
  // their pieces of the image, and containers walked again (MemberLinks::Replay).
  size_t image_files_read_alone = 0;
  size_t containers_walked_again = 0;
  // The texts of files on disk kept from the pass for linkage (scan/read_files.h): how many, their
  // bytes in an unlinked temporary file and in memory, and why there is no temporary file.
  size_t link_texts_kept = 0;
  uint64_t link_text_bytes_on_disk = 0;
  size_t link_text_bytes_in_memory = 0;
  std::string link_text_error;
  std::vector<std::pair<std::string, size_t>> skipped;  // why -> count, sorted
  std::vector<std::pair<std::string, size_t>> readers;  // syntax -> documents it read, sorted
  // syntax -> documents it left unread, over --max-reader-size (matched as text alone), sorted
  std::vector<std::pair<std::string, size_t>> readers_over_size;
  // Seconds per phase: "walk" (operands to entries, on one thread), "read", "prefilter",
  // "readers", "rules" (summed over workers), "cross-file" (includes, layers, linkage).
  std::vector<std::pair<std::string, double>> phases;
  double seconds = 0;
};

struct ScanResult {
  std::vector<Finding> findings;  // sorted: location, line, column, rule
  std::vector<Notice> notices;    // sorted: location, line, message
  ScanStats stats;
  bool input_error = false;       // an operand could not be opened at all
};

// Report order: location, line, column, rule.
void SortFindings(std::vector<Finding>* findings);

// The git work tree a scan ran in (scan/vcs.h finds it), for SARIF versionControlProvenance.
struct VcsInfo {
  std::string toplevel;        // absolute work tree root, no trailing '/'
  std::string repository_uri;  // remote.origin.url as an https URI without credentials, or
                               // file:///<toplevel>/ when there is no remote
  std::string revision;        // HEAD commit (empty in a repository without commits)
  std::string branch;          // current branch, empty when HEAD is detached
};

}  // namespace ntpsweep
