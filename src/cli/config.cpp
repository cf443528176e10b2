#include "cli/config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace ntpsweep::cli {
namespace {

[[noreturn]] void Fail(const std::string& file, const YAML::Node& node, const std::string& what) {
  std::string where = file;
  if (node.IsDefined() && node.Mark().line >= 0)
    where +=
        ':' + std::to_string(node.Mark().line + 1) + ':' + std::to_string(node.Mark().column + 1);
  throw ConfigError(where + ": " + what);
}

std::vector<std::string> StrList(const std::string& file, const YAML::Node& node, const char* key) {
  std::vector<std::string> out;
  if (!node.IsSequence()) Fail(file, node, std::string("'") + key + "' must be a list");
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) Fail(file, item, std::string("'") + key + "' entries must be strings");
    out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace

ConfigFile LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot be read");
  std::stringstream buf;
  buf << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(buf.str());
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ':' + std::to_string(e.mark.line + 1) + ':' +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  ConfigFile cfg;
  if (root.IsNull()) return cfg;
  if (!root.IsMap()) Fail(path, root, "the config file must be a mapping");
  static const std::set<std::string> kKeys = {"hosts", "exclude", "rules", "disable-rules",
                                              "fail-on"};
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it->first.Scalar();
    if (!kKeys.count(key))
      Fail(path, it->first,
           "unknown key '" + key + "' (expected hosts, exclude, rules, disable-rules, fail-on)");
  }
  if (root["hosts"]) cfg.hosts = StrList(path, root["hosts"], "hosts");
  if (root["exclude"]) cfg.exclude = StrList(path, root["exclude"], "exclude");
  if (root["disable-rules"])
    cfg.disable_rules = StrList(path, root["disable-rules"], "disable-rules");
  if (root["rules"]) {
    std::filesystem::path base = std::filesystem::path(path).parent_path();
    for (const std::string& d : StrList(path, root["rules"], "rules"))
      cfg.rule_dirs.push_back(std::filesystem::path(d).is_absolute() ? d : (base / d).string());
  }
  if (root["fail-on"]) {
    const YAML::Node& n = root["fail-on"];
    if (!n.IsScalar()) Fail(path, n, "'fail-on' must be error, warning, note or none");
    std::string v = n.Scalar();
    if (v != "error" && v != "warning" && v != "note" && v != "none")
      Fail(path, n, "'fail-on' must be error, warning, note or none, not '" + v + "'");
    cfg.fail_on = v;
  }
  return cfg;
}

}  // namespace ntpsweep::cli
