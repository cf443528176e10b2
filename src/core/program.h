// Running another program (git) and reading what it prints.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ntpsweep {

// Runs argv (argv[0] looked up in PATH) with stdin from /dev/null; returns its stdout, or
// nullopt when it could not run or exited non-zero (stderr goes to `err` if given). The
// environment variables named in `unset` are not passed on.
std::optional<std::string> RunProgram(const std::vector<std::string>& argv,
                                      std::string* err = nullptr,
                                      std::span<const std::string_view> unset = {});

// `git -C dir args...` with settings that keep git from running anything a scanned repository
// configures.
std::vector<std::string> GitArgv(const std::string& dir, std::initializer_list<std::string> args);

// `GitArgv(dir, args)` run about the repository `dir` lies in, whatever the environment says:
// the variables that name another repository, work tree or index (GIT_DIR, GIT_WORK_TREE,
// GIT_INDEX_FILE..., those of `git rev-parse --local-env-vars`) are not passed on. On failure,
// `*err` is one line: what git said, or that git refuses a repository another user owns.
std::optional<std::string> RunGitIn(const std::string& dir, std::initializer_list<std::string> args,
                                    std::string* err);

}  // namespace ntpsweep
