// The config file (.ntpsweep.yaml / --config): values the command line can also give. Unknown
// keys and bad values are errors with file:line:column.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ntpsweep::cli {

struct ConfigFile {
  std::vector<std::string> hosts;
  std::vector<std::string> exclude;
  std::vector<std::string> rule_dirs;  // resolved against the config file's directory
  std::vector<std::string> disable_rules;
  std::optional<std::string> fail_on;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

ConfigFile LoadConfigFile(const std::string& path);

}  // namespace ntpsweep::cli
