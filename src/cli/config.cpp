#include "cli/config.h"

#include "cli/plan.h"

#include "core/file.h"
#include "core/yaml_tree.h"
#include "host/target.h"

#include <filesystem>
#include <set>

namespace ntpsweep::cli {
namespace {

[[noreturn]] void Fail(const std::string& file, const YamlNode& node, const std::string& what) {
  std::string where = file;
  if (node.IsDefined() && node.Mark().line >= 0)
    where +=
        ':' + std::to_string(node.Mark().line + 1) + ':' + std::to_string(node.Mark().column + 1);
  throw ConfigError(where + ": " + what);
}

std::vector<std::string> StrList(const std::string& file, const YamlNode& node, const char* key) {
  std::vector<std::string> out;
  if (!node.IsSequence()) Fail(file, node, std::string("'") + key + "' must be a list");
  for (const YamlNode& item : node) {
    if (!item.IsScalar()) Fail(file, item, std::string("'") + key + "' entries must be strings");
    out.push_back(item.Scalar());
  }
  return out;
}

std::string Where(const std::string& file, const YamlNode& node) {
  return file + ':' + std::to_string(node.Mark().line + 1) + ':' +
         std::to_string(node.Mark().column + 1);
}

bool Bool(const std::string& file, const YamlNode& node, const char* key) {
  if (node.IsScalar()) {
    const std::string& v = node.Scalar();
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
  }
  Fail(file, node, std::string("'") + key + "' must be true or false");
}

std::string Scalar(const std::string& file, const YamlNode& node, const char* key) {
  if (!node.IsScalar() || node.Scalar().empty())
    Fail(file, node, std::string("'") + key + "' must be a non-empty string");
  return node.Scalar();
}

std::string Resolve(const std::string& config_path, const std::string& p) {
  if (std::filesystem::path(p).is_absolute()) return p;
  std::filesystem::path base = std::filesystem::path(config_path).parent_path();
  return base.empty() ? p : (base / p).string();
}

// `ignore:` entries: {fingerprint: FP | path: GLOB, rule: ID, reason: TEXT, expires: DATE}.
triage::IgnoreEntry IgnoreItem(const std::string& file, const YamlNode& item) {
  if (!item.IsMap()) Fail(file, item, "'ignore' entries must be mappings (path or fingerprint, reason)");
  static const std::set<std::string> kItemKeys = {"path", "fingerprint", "rule", "reason", "expires"};
  for (const auto& entry : item.Entries())
    if (!kItemKeys.count(entry.first.Scalar()))
      Fail(file, entry.first,
           "unknown key '" + entry.first.Scalar() +
               "' in an ignore entry (expected path, fingerprint, rule, reason, expires)");
  triage::IgnoreEntry e;
  e.file = file;
  e.line = static_cast<uint32_t>(item.Mark().line + 1);
  e.source = file + ":" + std::to_string(e.line);
  if (item["path"] && item["fingerprint"])
    Fail(file, item["fingerprint"], "an ignore entry has either 'path' or 'fingerprint', not both");
  if (item["path"]) {
    e.path_glob = Scalar(file, item["path"], "path");
  } else if (item["fingerprint"]) {
    e.fingerprint = Scalar(file, item["fingerprint"], "fingerprint");
    if (!triage::IsFingerprint(e.fingerprint))
      Fail(file, item["fingerprint"], "'" + e.fingerprint + "' is not a fingerprint (16 hex digits ':' n)");
  } else {
    Fail(file, item, "an ignore entry needs 'path' or 'fingerprint'");
  }
  if (!item["reason"]) Fail(file, item, "an ignore entry needs a 'reason'");
  e.reason = Scalar(file, item["reason"], "reason");
  if (item["rule"]) e.rule = Scalar(file, item["rule"], "rule");
  if (item["expires"]) {
    e.expires = Scalar(file, item["expires"], "expires");
    if (!triage::IsValidDate(e.expires))
      Fail(file, item["expires"], "'expires' must be a date YYYY-MM-DD, not '" + e.expires + "'");
  }
  return e;
}

// A key for any other scan flag (plan.h): its value as text, checked when the plan is resolved.
Setting GenericSetting(const std::string& file, const std::string& key, const YamlNode& node,
                       bool list, bool flag, bool is_path) {
  Setting s;
  s.where = Where(file, node);
  if (list && node.IsSequence()) {
    s.values = StrList(file, node, key.c_str());
  } else if (flag) {
    s.values = {Bool(file, node, key.c_str()) ? "true" : "false"};
  } else {
    s.values = {Scalar(file, node, key.c_str())};
  }
  if (is_path)
    for (std::string& v : s.values) v = Resolve(file, v);
  return s;
}

}  // namespace

ConfigFile LoadConfigFile(const std::string& path) {
  std::string text;
  if (!ReadWholeFile(path, &text)) throw ConfigError(path + ": cannot be read");
  return ParseConfig(text, path);
}

ConfigFile ParseConfig(const std::string& text, const std::string& path) {
  YamlParse parsed = ParseYaml(text);
  if (!parsed.error.empty()) throw ConfigError(YamlSyntaxError(parsed, path));
  const YamlNode& root = parsed.root;
  ConfigFile cfg;
  cfg.path = path;
  if (!root || root.IsNull()) return cfg;
  if (!root.IsMap()) Fail(path, root, "the config file must be a mapping");
  static const std::set<std::string> kKeys = {
      "hosts",    "include",     "exclude",          "rules",   "builtin-rules",
      "disable-rules", "enable-rules", "severity",   "fail-on", "fail-on-new-only",
      "limits",   "ignore-file", "ignore",           "baseline", "category"};
  for (const auto& entry : root.Entries()) {
    const std::string& key = entry.first.Scalar();
    if (kKeys.count(key)) continue;
    bool list = false, flag = false, is_path = false;
    if (!IsConfigKey(key, &list, &flag, &is_path)) {
      std::vector<std::string> names(kKeys.begin(), kKeys.end());
      for (const std::string& k : ConfigKeyNames()) names.push_back(k);
      std::string near = NearestName(key, names);
      Fail(path, entry.first,
           "unknown key '" + key + "' (" + (near.empty() ? "" : "did you mean '" + near + "'? ") +
               "docs/ci.md lists every key)");
    }
    cfg.settings[key] = GenericSetting(path, key, entry.second, list, flag, is_path);
  }
  if (root["include"]) cfg.include = StrList(path, root["include"], "include");
  if (root["enable-rules"]) cfg.enable_rules = StrList(path, root["enable-rules"], "enable-rules");
  if (root["builtin-rules"]) cfg.builtin_rules = Bool(path, root["builtin-rules"], "builtin-rules");
  if (root["fail-on-new-only"])
    cfg.fail_on_new_only = Bool(path, root["fail-on-new-only"], "fail-on-new-only");
  if (root["severity"]) {
    const YamlNode& n = root["severity"];
    if (!n.IsMap()) Fail(path, n, "'severity' must map rule ids to error, warning or note");
    for (const auto& entry : n.Entries()) {
      std::string level = entry.second.IsScalar() ? entry.second.Scalar() : "";
      if (level != "error" && level != "warning" && level != "note")
        Fail(path, entry.second,
             "severity of '" + entry.first.Scalar() + "' must be error, warning or note, not '" +
                 level + "'");
      cfg.severity.push_back({Located{entry.first.Scalar(), Where(path, entry.first)},
                              Located{level, Where(path, entry.second)}});
    }
  }
  if (root["limits"]) {
    const YamlNode& n = root["limits"];
    if (!n.IsMap()) Fail(path, n, "'limits' must be a mapping (max-file-size, max-depth, ...)");
    for (const auto& entry : n.Entries()) {
      const std::string& key = entry.first.Scalar();
      bool list = false, flag = false, is_path = false;
      if (key != "max-file-size" && key.starts_with("max-") &&
          IsConfigKey(key, &list, &flag, &is_path)) {
        cfg.settings[key] = GenericSetting(path, key, entry.second, list, flag, is_path);
        continue;
      }
      if (key != "max-file-size") {
        std::string expected;
        for (const std::string& k : ConfigKeyNames())
          if (k.starts_with("max-")) expected += (expected.empty() ? "" : ", ") + k;
        Fail(path, entry.first, "unknown key '" + key + "' in limits (expected " + expected + ")");
      }
      const std::string& v = entry.second.IsScalar() ? entry.second.Scalar() : "";
      size_t bytes = 0;
      bool ok = !v.empty() && v.size() < 19 && v.find_first_not_of("0123456789") == std::string::npos;
      if (ok) bytes = std::stoull(v);
      if (!ok || bytes == 0)
        Fail(path, entry.second,
             "'max-file-size' must be a positive number of bytes, not '" + v + "'");
      cfg.max_file_size = bytes;
    }
  }
  if (root["ignore-file"]) cfg.ignore_file = Resolve(path, Scalar(path, root["ignore-file"], "ignore-file"));
  if (root["baseline"]) cfg.baseline = Resolve(path, Scalar(path, root["baseline"], "baseline"));
  if (root["category"]) cfg.category = Scalar(path, root["category"], "category");
  if (root["ignore"]) {
    const YamlNode& n = root["ignore"];
    if (!n.IsSequence()) Fail(path, n, "'ignore' must be a list of entries");
    for (const YamlNode& item : n) cfg.ignore.push_back(IgnoreItem(path, item));
  }
  if (root["hosts"]) {
    cfg.hosts = StrList(path, root["hosts"], "hosts");
    // Checked here, where the value's place in the file is still known.
    size_t i = 0;
    for (const YamlNode& item : root["hosts"]) {
      std::string error;
      if (!host::ParseTarget(cfg.hosts[i++], &error)) Fail(path, item, "hosts: " + error);
    }
  }
  if (root["exclude"]) cfg.exclude = StrList(path, root["exclude"], "exclude");
  if (root["disable-rules"])
    cfg.disable_rules = StrList(path, root["disable-rules"], "disable-rules");
  if (root["rules"]) {
    std::filesystem::path base = std::filesystem::path(path).parent_path();
    for (const std::string& d : StrList(path, root["rules"], "rules"))
      cfg.rule_dirs.push_back(std::filesystem::path(d).is_absolute() ? d : (base / d).string());
    for (const YamlNode& item : root["rules"]) cfg.rule_dir_wheres.push_back(Where(path, item));
  }
  if (root["fail-on"]) {
    const YamlNode& n = root["fail-on"];
    if (!n.IsScalar()) Fail(path, n, "'fail-on' must be error, warning, note or none");
    std::string v = n.Scalar();
    if (v != "error" && v != "warning" && v != "note" && v != "none")
      Fail(path, n, "'fail-on' must be error, warning, note or none, not '" + v + "'");
    cfg.fail_on = v;
  }
  return cfg;
}

}  // namespace ntpsweep::cli
