// The scan plan: every scan flag from three layers (command line > NTPSWEEP_* environment >
// config file > defaults), resolved into one plain value that scan, inventory and fix run.
// One table (kScanOptions in plan.cpp) names each option once: its flag, its environment
// variable, its config key, its kind and which commands take it (docs/ci.md#settings).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config.h"
#include "core/types.h"
#include "input/limits.h"
#include "rules/rule.h"
#include "scan/scan.h"
#include "triage/suppress.h"

namespace ntpsweep::cli {

// The commands that share the plan, as bits.
enum PlanCommand : unsigned { kForScan = 1, kForInventory = 2, kForFix = 4 };

// One layer of settings: option name (the long flag without "--") -> its values as text
// (config.h Setting). A flag is "true" or "false"; a list option holds every value given.
// `where` names the place for errors ("--format", "NTPSWEEP_FORMAT", ".ntpsweep.yaml:3:9").
using SettingLayer = std::map<std::string, Setting>;

// One report to write: a format and a file (empty: stdout).
struct ReportOutput {
  std::string format;
  std::string path;
  std::string where;  // the option that asked for it
};

struct ScanPlan {
  std::vector<std::string> operands;  // default "."
  std::vector<std::string> hosts;
  std::string srcroot;      // as given; empty: the current directory
  std::string config_path;  // the config file read; empty without one
  // Rules.
  std::vector<std::string> rule_dirs;
  // "file:line:column" of the leading rule_dirs that the config file names (they come first).
  std::vector<std::string> rule_dir_wheres;
  bool builtin_rules = true;
  std::vector<std::string> enable_rules, disable_rules;
  std::vector<std::pair<Located, Located>> severity;  // rule id -> level
  // Reports: outputs[0] is the main one (the bare --format to -o or stdout), then every
  // --output-FORMAT and --format FORMAT=FILE.
  std::vector<ReportOutput> outputs;
  Severity fail_on = Severity::kWarning;  // kNone: never exit 1
  Severity min_level = Severity::kNote;   // findings below it are left out of reports
  std::string color = "auto";
  std::string category = "ntpsweep";
  // The walk.
  std::vector<std::string> exclude, include;
  bool include_vcs = false;
  bool no_ignore = false;  // read files .gitignore and .ignore leave out
  bool archives = true;
  bool all_layers = false;
  unsigned jobs = 0;
  input::Limits limits;  // limits.max_file_bytes is --max-file-size
  // What is said on stderr.
  bool quiet = false, verbose = false, stats = false, no_prefilter = false;
  // Triage and CI.
  std::string ignore_file;  // "" : .ntpsweepignore at the scan root when present
  std::string ignore_file_where;
  std::vector<triage::IgnoreEntry> ignore;  // the config file's inline entries
  bool report_unused_suppressions = false;
  std::string baseline, baseline_where;
  bool fail_on_new_only = false, include_suppressed = false, include_absent = false;
  std::string annotate = "new";
  std::string summary, changed_since, shard;
  // Where each option's value came from (option name -> "--x", "NTPSWEEP_X", "file:line:col").
  std::map<std::string, std::string> source;
};

// The flag storage of one command, filled by CLI11 and read back as a layer.
class CommandLineOptions {
 public:
  // Adds every option of the table that `command` takes to `app`.
  void Register(CLI::App* app, PlanCommand command);
  // The options given on the command line (after app->parse), and the operands.
  SettingLayer Layer() const;
  const std::vector<std::string>& operands() const { return operands_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, bool> flags_;
  std::map<std::string, CLI::Option*> options_;
  std::vector<std::string> operands_;
};

// NTPSWEEP_<FLAG> variables (FLAG upper-cased, '-' as '_') for every option `command` reads
// from the environment; `environ` style "NAME=value" strings. List values are separated by
// commas or white space.
SettingLayer EnvironmentLayer(const std::vector<std::string>& environment, PlanCommand command);
std::vector<std::string> ProcessEnvironment();

// The config file as a layer: its keys mapped to option names (hosts -> host, disable-rules ->
// disable-rule, builtin-rules: false -> no-builtin-rules, limits.X -> X).
SettingLayer ConfigLayer(const ConfigFile& config, PlanCommand command);

// Which config file applies: --config / NTPSWEEP_CONFIG, else .ntpsweep.yaml at the scan root
// (--srcroot / NTPSWEEP_SRCROOT, default the current directory) when it exists; "" for none.
std::string FindConfigFile(const SettingLayer& args, const SettingLayer& env);

// CLI > env > config > defaults. List options that add up (rules, exclude, include, enable-rule,
// disable-rule, severity) combine every layer; the others take the first layer that sets them.
// Throws ConfigError naming the option and where its value came from.
ScanPlan ResolveScanPlan(const SettingLayer& args, const SettingLayer& env,
                         const ConfigFile& config, PlanCommand command = kForScan);

// A command's plan from its parsed command line, this process's environment and the config file
// those two name (FindConfigFile): what scan, inventory and fix each start with.
ScanPlan ResolveCommandPlan(const CommandLineOptions& options, PlanCommand command);

// The scan's options from the plan: operands, the walk, limits, jobs, --include; `root` is the
// scan root the --include globs are also matched from.
scan::ScanOptions ScanOptionsOf(const ScanPlan& plan, const std::string& root);

// --enable-rule (allow list), --disable-rule and severity overrides; unknown rule ids are
// errors (ConfigError).
void SelectRules(rules::RuleSet* set, const std::vector<std::string>& enable,
                 const std::vector<std::string>& disable,
                 const std::vector<std::pair<Located, Located>>& severity);

// Option names of the table, for tests and completions: every option `command` takes.
std::vector<std::string> PlanOptionNames(PlanCommand command);

// Config keys for scan flags that config.cpp does not read itself (format, min-level, ...).
bool IsConfigKey(std::string_view name, bool* is_list, bool* is_flag, bool* is_path);
std::vector<std::string> ConfigKeyNames();

// The candidate closest to `word` by edit distance, when close enough to be a typo; else "".
std::string NearestName(std::string_view word, const std::vector<std::string>& candidates);

// "64MiB", "4G", "1000": bytes; false when not a size.
bool ParseSize(std::string_view text, uint64_t* bytes);

}  // namespace ntpsweep::cli
