// `ntpsweep fix`: from findings with exact spans to edits of the files they are in. The rule of a
// finding says how its text may be rewritten (rules::FixSpec: a directive line, a list element,
// a single value); the text around the span says the list's shape (quotes, separators, one
// element per line). This room knows nothing of scanning: it reads the files findings name.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "host/target.h"
#include "rules/rule.h"

namespace ntpsweep::fix {

struct FixOptions {
  std::vector<std::string> replacements;  // the new servers, in the order they are written
  bool include_mentions = false;          // also comments, backup copies, references and free text
};

// Bytes [offset, offset + length) of a file become `text`.
struct Edit {
  size_t offset = 0;
  size_t length = 0;
  std::string text;
  size_t finding = 0;  // index into the findings the plan was made from
};

// One file on disk and what it becomes.
struct FileChange {
  std::string path;    // as the finding's location names it (relative to the working directory)
  std::string before;  // the bytes the edits were computed on
  std::string after;
  std::vector<Edit> edits;  // sorted by offset, never overlapping
};

// A finding that is not rewritten, and why; `rebuild` when it lies inside an archive or image.
struct Skipped {
  size_t finding = 0;
  std::string reason;
  bool rebuild = false;     // fix the source the archive/image is built from, then rebuild it
  bool left_alone = false;  // by choice (a comment, a mention, a suppression), not a failure
};

struct FixPlan {
  std::vector<FileChange> files;  // sorted by path
  std::vector<Skipped> skipped;   // in finding order
  std::vector<std::pair<size_t, std::string>>
      notes;  // rewritten, with a remark (first server only)
};

// Computes the edits for `findings` (as the scan sorted them) and records each finding's edits
// in Finding::fixes (SARIF). `old_targets` are the scan's targets: the text at a finding's span
// must still name one of them, else it is skipped (an encoded value, a changed file).
FixPlan PlanFixes(std::vector<Finding>* findings, const rules::RuleSet& rules,
                  const host::TargetSet& old_targets, const FixOptions& options);

// A unified diff of one file that `git apply` accepts: "a/PATH" and "b/PATH", 3 lines of context.
void WriteUnifiedDiff(std::ostream& out, const FileChange& change, std::string_view path);

// Replaces the file at `path` by `after` atomically: a temporary file in the same directory with
// the same mode and owner, fsync, rename, fsync of the directory. Refuses (false, `error` set)
// when the file is no longer `before`, is not a regular file, or has other hard links.
bool ReplaceFile(const std::string& path, std::string_view before, std::string_view after,
                 std::string* error);

}  // namespace ntpsweep::fix
