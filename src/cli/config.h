// The config file (.ntpsweep.yaml / --config): values the command line can also give. Unknown
// keys and bad values are errors with file:line:column.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "triage/suppress.h"

namespace ntpsweep::cli {

// A config value with where it was written ("file:line:column"), for errors found later.
struct Located {
  std::string value;
  std::string where;
};

// A setting from one layer (command line, environment, config file): its values as text (a
// flag is "true" or "false") and where they were written, for errors found later.
struct Setting {
  std::vector<std::string> values;
  std::string where;
  std::vector<std::string> value_wheres;  // each value's "file:line:column" (config lists)
};

struct ConfigFile {
  std::vector<std::string> hosts;
  std::vector<std::string> exclude;
  std::vector<std::string> rule_dirs;  // resolved against the config file's directory
  std::vector<std::string> rule_dir_wheres;  // "file:line:column" of each rule_dirs entry
  std::vector<std::string> disable_rules;
  std::optional<std::string> fail_on;
  // CI (docs/ci.md).
  std::string path;                         // the file read; empty without one
  std::vector<std::string> include;         // globs: only these files are scanned
  std::vector<std::string> enable_rules;    // when given, only these rules run
  std::vector<std::pair<Located, Located>> severity;  // rule id -> error|warning|note
  std::optional<bool> builtin_rules;
  std::optional<bool> fail_on_new_only;
  std::optional<size_t> max_file_size;      // limits.max-file-size (bytes)
  std::optional<std::string> ignore_file;   // resolved against the config file's directory
  std::vector<triage::IgnoreEntry> ignore;    // inline ignore entries
  std::optional<std::string> baseline;      // resolved against the config file's directory
  std::optional<std::string> category;
  // Every other scan flag, under its own name (format, output, min-level, no-ignore, ...) or
  // under limits: (max-depth, ...): plan.h resolves and checks the values.
  std::map<std::string, Setting> settings;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

ConfigFile LoadConfigFile(const std::string& path);
ConfigFile ParseConfig(const std::string& text, const std::string& path);

// The starter file `ntpsweep init` writes: every key, commented, loadable as it is.
std::string StarterConfig(const std::vector<std::string>& hosts);

}  // namespace ntpsweep::cli
