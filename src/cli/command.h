// Shared pieces of the command line: exit codes and the subcommand table. Each subcommand
// lives in its own file (scan_command.cpp, rules_command.cpp, ...) and registers itself in
// Commands() in cli.cpp.
#pragma once

#include <array>
#include <fstream>
#include <functional>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/fd.h"
#include "core/result.h"
#include "rules/rule.h"

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

// A report written to `path` as it is made, into a temporary file beside it that Commit()
// renames over `path`: a reader never sees half a report, a failed write leaves the old file,
// and the report is never held whole in memory. A path that is not a regular file (/dev/null, a
// FIFO, a symbolic link) is written through, as a rename would replace the device or the link.
class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile();  // removes the temporary file unless Commit() renamed it
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // False with `error` set when the file cannot be made.
  bool Open(const std::string& path, std::string* error);
  std::ostream& stream() { return stream_; }
  // Flushes, syncs and renames; false with `error` set when any write or the rename failed.
  bool Commit(std::string* error);

 private:
  // Buffered writes to the descriptor; the first failure is kept and fails the stream.
  class FdBuffer : public std::streambuf {
   public:
    FdBuffer() { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
    void Attach(int fd) { fd_ = fd; }
    int failed_errno() const { return failed_errno_; }

   protected:
    int_type overflow(int_type c) override;
    int sync() override { return Drain() ? 0 : -1; }

   private:
    bool Drain();
    std::array<char, 1 << 16> buffer_{};
    int fd_ = -1;
    int failed_errno_ = 0;
  };

  std::optional<Fd> fd_;
  std::string temp_path_;  // empty when written through or once renamed
  std::string path_;
  FdBuffer buffer_;
  std::ostream stream_{&buffer_};
};

// Built-in pack (unless `builtin` is false) plus every directory in `dirs`; throws RuleError,
// whose message starts with dirs[i]'s wheres[i] ("file:line:column") when there is one.
// `builtin_how`: the built-in pack for a run, or whole (its examples; every regex checked).
void LoadRules(rules::RuleSet* set, bool builtin, const std::vector<std::string>& dirs,
               const std::vector<std::string>& wheres = {},
               rules::RuleSet::Builtin builtin_how = rules::RuleSet::Builtin::kForRun);

}  // namespace ntpsweep::cli
