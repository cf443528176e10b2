// Shared pieces of the command line: exit codes and the subcommand table. Each subcommand
// lives in its own file (scan_command.cpp, rules_command.cpp, ...) and registers itself in
// Commands() in cli.cpp.
#pragma once

#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "rules/rule.h"
#include "core/result.h"

namespace ntpsweep::cli {

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitError = 2;

// A subcommand: Register adds its options to `app` and returns what runs it when it was parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using RegisterFn = std::vector<Command> (*)(CLI::App& parent);

std::vector<Command> RegisterScan(CLI::App& parent);
std::vector<Command> RegisterRules(CLI::App& parent);
std::vector<Command> RegisterInit(CLI::App& parent);
std::vector<Command> RegisterMerge(CLI::App& parent);
std::vector<Command> RegisterInventory(CLI::App& parent);  // inventory_command.cpp
std::vector<Command> RegisterWatch(CLI::App& parent);      // watch_command.cpp
std::vector<Command> RegisterFix(CLI::App& parent);        // fix_command.cpp
std::vector<Command> RegisterVersion(CLI::App& parent);    // version_command.cpp

// ntpsweep's, the rule pack's and the libraries' versions (`version`, -V, --version).
int PrintVersion(std::ostream& out, bool json);

// --stats: where the time went and what the gate spared, on stderr after the report.
void WriteStats(std::ostream& out, const ScanStats& stats, double output_seconds);
// Where a report goes: the file `path` (truncated), or stdout when `path` is empty. When the
// file cannot be opened, ok() is false and stderr has said so (`who`: "ntpsweep: merge").
class Output {
 public:
  explicit Output(const std::string& path, std::string_view who = "ntpsweep");
  bool ok() const { return ok_; }
  std::ostream& stream();

 private:
  std::ofstream file_;
  bool to_stdout_ = true;
  bool ok_ = true;
};

// Writes `data` to `path` atomically: a temporary file beside it, then rename, so a reader never
// sees half a report and a failed write leaves the old file. False with `error` set on failure.
bool WriteFileAtomically(const std::string& path, std::string_view data, std::string* error);

// Built-in pack (unless `builtin` is false) plus every directory in `dirs`; throws RuleError.
void LoadRules(rules::RuleSet* set, bool builtin, const std::vector<std::string>& dirs);

}  // namespace ntpsweep::cli
