// What git knows about the scan root, asked by running `git` (no libgit2): the repository,
// revision and branch for SARIF versionControlProvenance, and the files a change touched for
// `--changed-since`.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/program.h"
#include "core/result.h"

namespace ntpsweep::scan {

using ntpsweep::VcsInfo;  // core/result.h

using ntpsweep::RunProgram;  // core/program.h

// Nullopt outside a git work tree (or without git). git is not run when neither GIT_DIR nor a
// `.git` (or a git directory) in `dir` or above it says there may be a repository.
std::optional<VcsInfo> DetectGit(const std::string& dir);

// "git@github.com:org/repo.git" -> "https://github.com/org/repo"; userinfo is removed from
// http(s) URLs so tokens never reach a report. Empty when it cannot be made an absolute URI.
std::string NormalizeRemoteUrl(const std::string& url);

class VcsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Absolute, lexically normal paths of the files that differ between `rev` and the work tree
// (committed, staged or not) plus untracked files that are not ignored, sorted; deleted files
// are left out. Throws VcsError when `dir` is not in a work tree or git rejects `rev`.
std::vector<std::string> ChangedFiles(const std::string& dir, const std::string& rev);

}  // namespace ntpsweep::scan
