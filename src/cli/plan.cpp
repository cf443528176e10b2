#include "cli/plan.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/strings.h"
#include "scan/shard.h"

extern char** environ;

namespace ntpsweep::cli {
namespace {

enum class Kind { kText, kList, kFlag, kChoice, kSize, kCount };

constexpr unsigned kAll = kForScan | kForInventory | kForFix;

struct Spec {
  const char* name;        // long flag without "--"; the config key; NTPSWEEP_<NAME>
  const char* short_flag;  // "-o", or ""
  Kind kind;
  unsigned commands;    // which commands take it on the command line
  unsigned shared;      // which of those read it from the environment and the config file too
  bool adds_up;         // a list every layer adds to (rules, exclude, ...)
  const char* choices;  // kChoice: space-separated; kCount: "min max"
  const char* help;
};

// Every option shared through the plan. Options of one command alone (fix --replace-with,
// inventory --format) are registered by that command.
constexpr Spec kSpecs[] = {
    {"host", "", Kind::kList, kForScan | kForFix, kForScan | kForFix, false, "",
     "The old server: IPv4, IPv6, CIDR or host name (repeatable)"},
    {"config", "", Kind::kText, kAll, kAll, false, "",
     "Config file (default: .ntpsweep.yaml at the scan root if present)"},
    {"srcroot", "", Kind::kText, kForScan, kForScan, false, "",
     "The scan root: where the config and ignore file are looked for and what paths in "
     "fingerprints, baselines and SARIF URIs are relative to (default: .)"},
    {"rules", "", Kind::kList, kAll, kAll, true, "", "Directory of extra rule files (repeatable)"},
    {"no-builtin-rules", "", Kind::kFlag, kAll, kAll, false, "",
     "Do not load the built-in rule pack"},
    {"enable-rule", "", Kind::kList, kAll, kAll, true, "", "Run only these rule ids (repeatable)"},
    {"disable-rule", "", Kind::kList, kAll, kAll, true, "", "Rule id to turn off (repeatable)"},
    {"severity", "", Kind::kList, kForScan, kForScan, true, "",
     "Override a rule's severity: RULE-ID=error|warning|note (repeatable)"},
    {"format", "", Kind::kList, kForScan, kForScan, false, "",
     "Report format: text, sarif, json, github or html, to stdout or -o; FORMAT=FILE writes that "
     "format to FILE as well (repeatable; one scan, every report)"},
    {"output", "-o", Kind::kText, kForScan, kForScan, false, "",
     "Write the report to FILE instead of stdout"},
    {"output-text", "", Kind::kText, kForScan, kForScan, false, "",
     "Also write the text report to FILE"},
    {"output-json", "", Kind::kText, kForScan, kForScan, false, "",
     "Also write the JSON report to FILE"},
    {"output-sarif", "", Kind::kText, kForScan, kForScan, false, "",
     "Also write the SARIF report to FILE"},
    {"output-github", "", Kind::kText, kForScan, kForScan, false, "",
     "Also write the GitHub workflow commands to FILE"},
    {"output-html", "", Kind::kText, kForScan, kForScan, false, "",
     "Also write the HTML report to FILE"},
    {"fail-on", "", Kind::kChoice, kForScan, kForScan, false, "error warning note none",
     "Exit 1 when a finding has at least this severity (default: warning)"},
    {"min-level", "", Kind::kChoice, kForScan, kForScan, false, "note warning error",
     "Leave findings below this severity out of the reports (default: note; the exit code "
     "still follows --fail-on)"},
    {"exclude", "", Kind::kList, kAll, kAll, true, "", "Glob of paths to skip (repeatable)"},
    {"include", "", Kind::kList, kAll, kAll, true, "",
     "Glob of paths to scan; others are skipped (repeatable)"},
    {"include-vcs", "", Kind::kFlag, kAll, kAll, false, "",
     "Also scan .git, .hg and .svn directories"},
    {"no-ignore", "", Kind::kFlag, kAll, kAll, false, "",
     "Also read what .gitignore and .ignore files leave out of directory walks"},
    {"color", "", Kind::kChoice, kForScan | kForInventory, kForScan | kForInventory, false,
     "auto always never", "Colour in text output"},
    {"category", "", Kind::kText, kForScan, kForScan | kForFix, false, "",
     "SARIF category (automationDetails.id), one per upload"},
    {"jobs", "-j", Kind::kCount, kAll, kAll, false, "0 4096",
     "Worker threads (default: one per core)"},
    {"max-file-size", "", Kind::kSize, kAll, kAll, false, "",
     "Bytes of one file read for matching (default: 64MiB)"},
    {"archives", "", Kind::kChoice, kAll, kAll, false, "on off",
     "Open archives, images and disk images found by content in directories and inside other "
     "archives; off: only operands are opened, the rest counted in --stats (default: on)"},
    {"layers", "", Kind::kChoice, kForScan | kForInventory, kForScan | kForInventory, false,
     "squashed all",
     "Container images: the squashed file system (default) or every layer as it is"},
    {"max-depth", "", Kind::kCount, kAll, kAll, false, "1 64",
     "Levels of nested archives, images and disks (default: 8)"},
    {"max-entry-size", "", Kind::kSize, kAll, kAll, false, "",
     "Bytes of one archive member or image file decompressed and read (default: 4GiB)"},
    {"max-input-size", "", Kind::kSize, kAll, kAll, false, "",
     "Bytes decompressed for one operand, all levels (default: 64GiB)"},
    {"max-total-bytes", "", Kind::kSize, kAll, kAll, false, "",
     "Bytes decompressed by the whole scan, every input together (default: 256GiB)"},
    {"max-ratio", "", Kind::kCount, kAll, kAll, false, "1 1000000000",
     "Decompressed bytes per byte of an input or archive before reading stops (default: 1000)"},
    {"max-entries", "", Kind::kCount, kAll, kAll, false, "1 1000000000000",
     "Members of one archive or files of one file system (default: 1000000)"},
    {"max-buffer", "", Kind::kSize, kAll, kAll, false, "",
     "Memory for one member that needs random access: 7z in a stream, a raw disk image in an "
     "archive (default: 256MiB)"},
    {"max-reader-size", "", Kind::kSize, kAll, kAll, false, "",
     "Bytes of one file or embedded document a syntax reader reads for its structure; a larger "
     "one is matched as text alone, with a notice (default: 1MiB)"},
    {"quiet", "-q", Kind::kFlag, kAll, kAll, false, "",
     "Only findings and errors: no progress line, notices below error or other messages"},
    {"verbose", "-v", Kind::kFlag, kAll, kAll, false, "",
     "On stderr, every file read, every file skipped and why, every archive or image opened"},
    {"stats", "", Kind::kFlag, kForScan | kForInventory, kForScan | kForInventory, false, "",
     "After the report, print on stderr what was read, what the prefilter spared and the time "
     "per phase"},
    {"no-prefilter", "", Kind::kFlag, kForScan | kForInventory, kForScan | kForInventory, false, "",
     "Read every file with every reader that applies, even where no target can be (a check of "
     "the prefilter; slow)"},
    {"ignore-file", "", Kind::kText, kForScan | kForFix, kForScan | kForFix, false, "",
     "Ignore file of fingerprints and path globs (default: .ntpsweepignore at the scan root)"},
    {"report-unused-suppressions", "", Kind::kFlag, kForScan, kForScan, false, "",
     "Report ntpsweep:ignore markers and ignore entries that matched nothing"},
    {"baseline", "", Kind::kText, kForScan, kForScan, false, "",
     "An earlier SARIF or JSON report: mark results new, unchanged, updated or absent"},
    {"fail-on-new-only", "", Kind::kFlag, kForScan, kForScan, false, "",
     "Exit 1 only for new findings (those not in the baseline)"},
    {"include-suppressed", "", Kind::kFlag, kForScan, kForScan, false, "",
     "Keep suppressed results in the report (GitHub shows them as open alerts)"},
    {"include-absent", "", Kind::kFlag, kForScan, kForScan, false, "",
     "Keep baseline results that are gone in the SARIF (baselineState absent)"},
    {"annotate", "", Kind::kChoice, kForScan, kForScan, false, "new all",
     "--format github: annotate the new findings (default) or all open ones; new and most "
     "severe first"},
    {"summary", "", Kind::kText, kForScan, kForScan, false, "",
     "Append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)"},
    {"changed-since", "", Kind::kText, kForScan, kForScan, false, "",
     "Scan only files changed since the git revision REV (and the files they include, install or "
     "source)"},
    {"shard", "", Kind::kText, kForScan, kForScan, false, "",
     "Scan only shard K of N (K/N), split by a stable hash of each path"},
};

// Report formats of `scan` (report/report.h has a writer for each).
const std::vector<std::string> kScanFormats = {"text", "sarif", "json", "github", "html"};

const Spec* FindSpec(std::string_view name) {
  for (const Spec& s : kSpecs)
    if (name == s.name) return &s;
  return nullptr;
}

std::string EnvName(std::string_view option) {
  std::string out = "NTPSWEEP_";
  for (char c : option)
    out += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

[[noreturn]] void Bad(const Setting& s, const std::string& value, const std::string& why) {
  throw ConfigError(s.where + (value.empty() ? std::string() : " " + value) + ": " + why);
}

std::string JoinChoices(std::string_view choices) {
  std::vector<std::string> words = SplitList(choices);
  std::string out;
  for (size_t i = 0; i < words.size(); ++i)
    out += (i ? (i + 1 == words.size() ? " or " : ", ") : "") + words[i];
  return out;
}

// The first layer that sets `name`, or null.
const Setting* First(const std::vector<const SettingLayer*>& layers, const std::string& name) {
  for (const SettingLayer* l : layers)
    if (auto it = l->find(name); it != l->end() && !it->second.values.empty()) return &it->second;
  return nullptr;
}

bool ParseFlagValue(std::string_view v, bool* out) {
  std::string lower;
  for (char c : v) lower += AsciiLower(c);
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on")
    *out = true;
  else if (lower.empty() || lower == "0" || lower == "false" || lower == "no" || lower == "off")
    *out = false;
  else
    return false;
  return true;
}

void RequireNotDirectory(const Setting& s, const std::string& path) {
  std::error_code ec;
  if (path.empty()) Bad(s, "", "an empty value: give a file, or leave the option out");
  if (std::filesystem::is_directory(path, ec))
    Bad(s, "", "'" + path + "' is a directory, not a file");
}

}  // namespace

std::string NearestName(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    // Levenshtein distance with a transposition counted as one edit ("scna" -> "scan").
    std::vector<std::vector<size_t>> d(word.size() + 1, std::vector<size_t>(c.size() + 1));
    for (size_t i = 0; i <= word.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= c.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= word.size(); ++i)
      for (size_t j = 1; j <= c.size(); ++j) {
        size_t cost = AsciiLower(word[i - 1]) == AsciiLower(c[j - 1]) ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && word[i - 1] == c[j - 2] && word[i - 2] == c[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    if (d[word.size()][c.size()] < best_distance) {
      best_distance = d[word.size()][c.size()];
      best = c;
    }
  }
  return best;
}

bool ParseSize(std::string_view text, uint64_t* bytes) {
  std::string_view t = Trim(text);
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  if (digits == 0 || digits > 19) return false;
  uint64_t n = std::stoull(std::string(t.substr(0, digits)));
  std::string unit;
  for (char c : Trim(t.substr(digits))) unit += AsciiLower(c);
  static const std::pair<const char*, int> kUnits[] = {
      {"", 0},     {"b", 0},  {"k", 10},  {"kb", 10},  {"kib", 10}, {"m", 20},  {"mb", 20},
      {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},   {"tb", 40}, {"tib", 40}};
  for (const auto& [name, shift] : kUnits) {
    if (unit != name) continue;
    if (shift && n > (~uint64_t{0} >> shift)) return false;
    *bytes = n << shift;
    return true;
  }
  return false;
}

void CommandLineOptions::Register(CLI::App* app, PlanCommand command) {
  app->add_option("paths", operands_, "Files or directories to scan (default: .)");
  for (const Spec& s : kSpecs) {
    if (!(s.commands & command)) continue;
    std::string names = std::string(s.short_flag) + (*s.short_flag ? "," : "") + "--" + s.name;
    CLI::Option* opt = nullptr;
    if (s.kind == Kind::kFlag) {
      opt = app->add_flag(names, flags_[s.name], s.help);
    } else if (s.kind == Kind::kList) {
      opt = app->add_option(names, values_[s.name], s.help)->allow_extra_args(false);
    } else {
      // One value per occurrence; given twice, the last wins (values_.back()).
      opt = app->add_option(names, values_[s.name], s.help)->allow_extra_args(false);
      if (s.kind == Kind::kChoice) {
        std::vector<std::string> words = SplitList(s.choices);
        opt->check(CLI::IsMember(words));
      }
    }
    options_[s.name] = opt;
  }
}

SettingLayer CommandLineOptions::Layer() const {
  SettingLayer layer;
  for (const auto& [name, opt] : options_) {
    if (opt->count() == 0) continue;
    Setting s;
    s.where = "--" + name;
    if (auto f = flags_.find(name); f != flags_.end())
      s.values = {f->second ? "true" : "false"};
    else
      s.values = values_.at(name);
    layer[name] = std::move(s);
  }
  if (!operands_.empty()) layer["paths"] = Setting{operands_, "operands", {}};
  return layer;
}

std::vector<std::string> ProcessEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e)
    if (std::string_view(*e).starts_with("NTPSWEEP_")) out.emplace_back(*e);
  return out;
}

SettingLayer EnvironmentLayer(const std::vector<std::string>& environment, PlanCommand command) {
  SettingLayer layer;
  for (const Spec& s : kSpecs) {
    if (!(s.shared & command)) continue;
    std::string prefix = EnvName(s.name) + "=";
    for (const std::string& e : environment) {
      if (!e.starts_with(prefix)) continue;
      std::string value = e.substr(prefix.size());
      Setting setting;
      setting.where = EnvName(s.name);
      if (Trim(value).empty()) continue;  // set but empty: as if unset (CI templates do this)
      if (s.kind == Kind::kList)
        setting.values = SplitList(value);
      else
        setting.values = {std::string(Trim(value))};
      if (s.kind == Kind::kFlag) {
        bool on = false;
        if (!ParseFlagValue(setting.values[0], &on))
          Bad(setting, "", "'" + setting.values[0] + "' is not 1/true/yes or 0/false/no");
        setting.values = {on ? "true" : "false"};
      }
      layer[s.name] = std::move(setting);
    }
  }
  return layer;
}

SettingLayer ConfigLayer(const ConfigFile& cfg, PlanCommand command) {
  SettingLayer layer;
  if (cfg.path.empty()) return layer;
  auto set = [&](const char* name, std::vector<std::string> values, const char* key) {
    const Spec* s = FindSpec(name);
    if (!s || !(s->shared & command) || values.empty()) return;
    layer[name] = Setting{std::move(values), cfg.path + ": " + key, {}};
  };
  set("host", cfg.hosts, "hosts");
  set("include", cfg.include, "include");
  set("exclude", cfg.exclude, "exclude");
  set("rules", cfg.rule_dirs, "rules");
  if (auto rules = layer.find("rules"); rules != layer.end())
    rules->second.value_wheres = cfg.rule_dir_wheres;
  set("enable-rule", cfg.enable_rules, "enable-rules");
  set("disable-rule", cfg.disable_rules, "disable-rules");
  if (cfg.builtin_rules)
    set("no-builtin-rules", {*cfg.builtin_rules ? "false" : "true"}, "builtin-rules");
  if (cfg.fail_on) set("fail-on", {*cfg.fail_on}, "fail-on");
  if (cfg.fail_on_new_only)
    set("fail-on-new-only", {*cfg.fail_on_new_only ? "true" : "false"}, "fail-on-new-only");
  if (cfg.max_file_size)
    set("max-file-size", {std::to_string(*cfg.max_file_size)}, "limits.max-file-size");
  if (cfg.ignore_file) set("ignore-file", {*cfg.ignore_file}, "ignore-file");
  if (cfg.baseline) set("baseline", {*cfg.baseline}, "baseline");
  if (cfg.category) set("category", {*cfg.category}, "category");
  for (const auto& [name, setting] : cfg.settings) {
    const Spec* s = FindSpec(name);
    if (s && (s->shared & command)) layer[name] = setting;
  }
  return layer;
}

bool IsConfigKey(std::string_view name, bool* is_list, bool* is_flag, bool* is_path) {
  // The command line's own (config, srcroot) and the keys config.cpp reads itself are not here.
  static const std::set<std::string_view> kNotGeneric = {
      "config",      "srcroot",      "host",        "rules",    "no-builtin-rules",
      "enable-rule", "disable-rule", "severity",    "fail-on",  "fail-on-new-only",
      "include",     "exclude",      "ignore-file", "baseline", "category"};
  const Spec* s = FindSpec(name);
  if (!s || kNotGeneric.count(name)) return false;
  *is_list = s->kind == Kind::kList;
  *is_flag = s->kind == Kind::kFlag;
  *is_path = name == "output" || name.starts_with("output-") || name == "summary";
  return true;
}

std::vector<std::string> ConfigKeyNames() {
  bool list, flag, path;
  std::vector<std::string> out;
  for (const Spec& s : kSpecs)
    if (IsConfigKey(s.name, &list, &flag, &path)) out.push_back(s.name);
  return out;
}

std::string FindConfigFile(const SettingLayer& args, const SettingLayer& env) {
  std::vector<const SettingLayer*> layers = {&args, &env};
  if (const Setting* c = First(layers, "config")) {
    RequireNotDirectory(*c, c->values.back());
    return c->values.back();
  }
  std::string root = ".";
  if (const Setting* r = First(layers, "srcroot")) root = r->values.back();
  std::string path = root == "." ? ".ntpsweep.yaml" : root + "/.ntpsweep.yaml";
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : "";
}

// --enable-rule / enable-rules (allow list), --disable-rule / disable-rules, and severity
// overrides; unknown rule ids are errors.
void SelectRules(rules::RuleSet* set, const std::vector<std::string>& enable,
                 const std::vector<std::string>& disable,
                 const std::vector<std::pair<Located, Located>>& severity) {
  for (const std::string& id : enable)
    if (!set->Find(id)) throw ConfigError("enable-rules: unknown rule id '" + id + "'");
  for (const auto& [id, level] : severity)
    if (!set->Find(id.value))
      throw ConfigError(id.where + ": unknown rule id '" + id.value + "' in severity overrides");
  if (!enable.empty()) {
    std::vector<std::string> off;
    for (const auto& r : set->rules())
      if (std::find(enable.begin(), enable.end(), r->id) == enable.end()) off.push_back(r->id);
    set->Disable(off);
  }
  set->Disable(disable);
  for (const auto& [id, level] : severity)
    for (const auto& r : set->rules())
      if (r->id == id.value) r->severity = ParseSeverity(level.value).value_or(r->severity);
}

scan::ScanOptions ScanOptionsOf(const ScanPlan& plan, const std::string& root) {
  scan::ScanOptions options;
  options.operands = plan.operands;
  options.walk.exclude = plan.exclude;
  options.walk.include_vcs = plan.include_vcs;
  options.walk.read_ignore_files = !plan.no_ignore;
  options.walk.open_archives = plan.archives;
  options.walk.all_layers = plan.all_layers;
  options.walk.limits = plan.limits;
  options.jobs = plan.jobs;
  options.max_file_bytes = plan.limits.max_file_bytes;
  options.max_reader_bytes = plan.limits.max_reader_bytes;
  options.select.root = root;
  options.select.include = plan.include;
  options.prefilter = !plan.no_prefilter;
  return options;
}

std::vector<std::string> PlanOptionNames(PlanCommand command) {
  std::vector<std::string> out;
  for (const Spec& s : kSpecs)
    if (s.commands & command) out.push_back(s.name);
  return out;
}

ScanPlan ResolveCommandPlan(const CommandLineOptions& options, PlanCommand command) {
  SettingLayer args = options.Layer();
  SettingLayer env = EnvironmentLayer(ProcessEnvironment(), command);
  std::string config_path = FindConfigFile(args, env);
  ConfigFile config;
  if (!config_path.empty()) config = LoadConfigFile(config_path);
  return ResolveScanPlan(args, env, config, command);
}

ScanPlan ResolveScanPlan(const SettingLayer& args, const SettingLayer& env,
                         const ConfigFile& config, PlanCommand command) {
  SettingLayer cfg = ConfigLayer(config, command);
  std::vector<const SettingLayer*> layers = {&args, &env, &cfg};
  ScanPlan plan;
  plan.config_path = config.path;

  auto text = [&](const char* name, std::string* out) -> const Setting* {
    const Setting* s = First(layers, name);
    if (s) {
      *out = s->values.back();
      plan.source[name] = s->where;
    }
    return s;
  };
  auto flag = [&](const char* name, bool* out) {
    if (const Setting* s = First(layers, name)) {
      if (!ParseFlagValue(s->values.back(), out))
        Bad(*s, "", "'" + s->values.back() + "' is not true or false");
      plan.source[name] = s->where;
    }
  };
  auto choice = [&](const char* name, std::string* out) {
    if (const Setting* s = text(name, out)) {
      std::vector<std::string> words = SplitList(FindSpec(name)->choices);
      if (std::find(words.begin(), words.end(), *out) == words.end())
        Bad(*s, "", "'" + *out + "' is not one of " + JoinChoices(FindSpec(name)->choices));
    }
  };
  auto count = [&](const char* name, auto* out) {
    std::string v;
    if (const Setting* s = text(name, &v)) {
      std::vector<std::string> range = SplitList(FindSpec(name)->choices);
      uint64_t lo = std::stoull(range[0]), hi = std::stoull(range[1]);
      bool ok =
          !v.empty() && v.size() < 19 && v.find_first_not_of("0123456789") == std::string::npos;
      uint64_t n = ok ? std::stoull(v) : 0;
      if (!ok || n < lo || n > hi)
        Bad(*s, "", "'" + v + "' must be a whole number from " + range[0] + " to " + range[1]);
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(n);
    }
  };
  auto size = [&](const char* name, uint64_t* out) {
    std::string v;
    if (const Setting* s = text(name, &v)) {
      uint64_t n = 0;
      if (!ParseSize(v, &n) || n == 0)
        Bad(*s, "",
            "'" + v + "' is not a positive size (bytes, or with K, M, G, T, KiB, MiB, ...)");
      *out = n;
    }
  };
  // Lists every layer adds to, in the order config, environment, command line.
  auto added = [&](const char* name) {
    std::vector<std::string> out;
    for (auto it = layers.rbegin(); it != layers.rend(); ++it)
      if (auto s = (*it)->find(name); s != (*it)->end())
        out.insert(out.end(), s->second.values.begin(), s->second.values.end());
    return out;
  };

  if (const Setting* p = First(layers, "paths")) plan.operands = p->values;
  if (plan.operands.empty()) plan.operands = {"."};
  if (const Setting* h = First(layers, "host")) {
    plan.hosts = h->values;
    plan.source["host"] = h->where;
  }
  text("srcroot", &plan.srcroot);
  plan.rule_dirs = added("rules");
  // Where each config entry was written, for an error in loading it (added's order: config first).
  if (auto rules = cfg.find("rules"); rules != cfg.end())
    plan.rule_dir_wheres = rules->second.value_wheres;
  bool no_builtin = false;
  flag("no-builtin-rules", &no_builtin);
  plan.builtin_rules = !no_builtin;
  plan.enable_rules = added("enable-rule");
  plan.disable_rules = added("disable-rule");
  plan.severity = config.severity;
  for (const SettingLayer* l : {&env, &args}) {
    auto it = l->find("severity");
    if (it == l->end()) continue;
    for (const std::string& v : it->second.values) {
      size_t eq = v.find('=');
      std::string level = eq == std::string::npos ? "" : v.substr(eq + 1);
      if (eq == std::string::npos || eq == 0 || !ParseSeverity(level) || level == "none")
        Bad(it->second, v, "expected RULE-ID=error|warning|note");
      plan.severity.push_back(
          {Located{v.substr(0, eq), it->second.where}, Located{level, it->second.where}});
    }
  }

  // Reports: the bare --format goes to -o (or stdout); FORMAT=FILE and --output-FORMAT to files.
  std::string main_format;
  std::vector<ReportOutput> files;
  auto known = [&](const Setting& s, const std::string& f) {
    if (std::find(kScanFormats.begin(), kScanFormats.end(), f) == kScanFormats.end()) {
      std::string list;
      for (size_t i = 0; i < kScanFormats.size(); ++i) list += (i ? ", " : "") + kScanFormats[i];
      Bad(s, "", "'" + f + "' is not a report format (" + list + ")");
    }
  };
  if (const Setting* f = First(layers, "format")) {
    plan.source["format"] = f->where;
    for (const std::string& v : f->values) {
      size_t eq = v.find('=');
      if (eq == std::string::npos) {
        known(*f, v);
        if (!main_format.empty() && main_format != v)
          Bad(*f, "",
              "both " + main_format + " and " + v +
                  " would go to one place: give the others a file, FORMAT=FILE");
        main_format = v;
      } else {
        known(*f, v.substr(0, eq));
        Setting one{{}, f->where, {}};
        RequireNotDirectory(one, v.substr(eq + 1));
        files.push_back({v.substr(0, eq), v.substr(eq + 1), f->where + " " + v});
      }
    }
  }
  ReportOutput main{main_format.empty() ? "text" : main_format, "", "--format"};
  if (const Setting* o = text("output", &main.path)) {
    RequireNotDirectory(*o, main.path);
    main.where = o->where;
  }
  plan.outputs.push_back(main);
  for (const std::string& f : kScanFormats) {
    std::string name = "output-" + f, path;
    if (!FindSpec(name)) continue;
    if (const Setting* s = text(name.c_str(), &path)) {
      RequireNotDirectory(*s, path);
      files.push_back({f, path, s->where});
    }
  }
  for (ReportOutput& o : files) plan.outputs.push_back(std::move(o));
  for (size_t i = 0; i < plan.outputs.size(); ++i)
    for (size_t j = i + 1; j < plan.outputs.size(); ++j)
      if (!plan.outputs[i].path.empty() && plan.outputs[j].path.empty() == false &&
          std::filesystem::path(plan.outputs[i].path).lexically_normal() ==
              std::filesystem::path(plan.outputs[j].path).lexically_normal())
        throw ConfigError(plan.outputs[i].where + " and " + plan.outputs[j].where + " both write " +
                          plan.outputs[j].path + ": give each report its own file");

  std::string level;
  choice("fail-on", &level);
  if (!level.empty()) plan.fail_on = level == "none" ? Severity::kNone : *ParseSeverity(level);
  level.clear();
  choice("min-level", &level);
  if (!level.empty()) plan.min_level = *ParseSeverity(level);

  plan.exclude = added("exclude");
  plan.include = added("include");
  flag("include-vcs", &plan.include_vcs);
  flag("no-ignore", &plan.no_ignore);
  choice("color", &plan.color);
  text("category", &plan.category);
  count("jobs", &plan.jobs);
  uint64_t max_file = 64ull << 20;
  size("max-file-size", &max_file);
  plan.limits.max_file_bytes = max_file;
  std::string v;
  choice("archives", &v);
  plan.archives = v != "off";
  v.clear();
  choice("layers", &v);
  plan.all_layers = v == "all";
  count("max-depth", &plan.limits.max_depth);
  size("max-entry-size", &plan.limits.max_entry_bytes);
  size("max-input-size", &plan.limits.max_input_bytes);
  size("max-total-bytes", &plan.limits.max_total_bytes);
  count("max-ratio", &plan.limits.max_ratio);
  count("max-entries", &plan.limits.max_entries);
  size("max-buffer", &plan.limits.max_buffer_bytes);
  size("max-reader-size", &plan.limits.max_reader_bytes);
  flag("quiet", &plan.quiet);
  flag("verbose", &plan.verbose);
  if (plan.quiet && plan.verbose)
    throw ConfigError(plan.source["quiet"] + " and " + plan.source["verbose"] +
                      " contradict each other: give one");
  flag("stats", &plan.stats);
  flag("no-prefilter", &plan.no_prefilter);

  if (const Setting* s = text("ignore-file", &plan.ignore_file)) {
    RequireNotDirectory(*s, plan.ignore_file);
    plan.ignore_file_where = s->where;
  }
  plan.ignore = config.ignore;
  flag("report-unused-suppressions", &plan.report_unused_suppressions);
  if (const Setting* s = text("baseline", &plan.baseline)) {
    RequireNotDirectory(*s, plan.baseline);
    plan.baseline_where = s->where;
  }
  flag("fail-on-new-only", &plan.fail_on_new_only);
  flag("include-suppressed", &plan.include_suppressed);
  flag("include-absent", &plan.include_absent);
  choice("annotate", &plan.annotate);
  if (const Setting* s = text("summary", &plan.summary)) RequireNotDirectory(*s, plan.summary);
  text("changed-since", &plan.changed_since);
  if (const Setting* s = text("shard", &plan.shard); s && !plan.shard.empty()) {
    // Checked here, where the value's place (--shard, NTPSWEEP_SHARD, file:line:col) is known.
    scan::ShardSpec shard;
    std::string error;
    if (!scan::ParseShard(plan.shard, &shard, &error)) Bad(*s, "", error);
  }
  return plan;
}

}  // namespace ntpsweep::cli
