// Running another program (git) and reading what it prints.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace ntpsweep {

// Runs argv (argv[0] looked up in PATH) with stdin from /dev/null; returns its stdout, or
// nullopt when it could not run or exited non-zero (stderr goes to `err` if given).
std::optional<std::string> RunProgram(const std::vector<std::string>& argv,
                                      std::string* err = nullptr);

// `git -C dir args...` with settings that keep git from running anything a scanned repository
// configures.
std::vector<std::string> GitArgv(const std::string& dir, std::initializer_list<std::string> args);

}  // namespace ntpsweep
