// Loads rule files. Every problem is a RuleError naming file:line:column, because a rule that
// silently half-loads would hide findings.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "core/file.h"
#include "core/share.h"
#include "core/yaml_tree.h"
#include "host/prefilter.h"
#include "rules/builtin.h"
#include "rules/rule.h"
#include "syntax/syntax.h"

namespace ntpsweep::rules {
namespace {

// RE2 group name that carries the host in regex rules, and what {host} expands to.
constexpr std::string_view kHostPlaceholder = "{host}";
constexpr std::string_view kHostGroup = "(?P<host>\\[?[A-Za-z0-9_.:%-]+\\]?)";

class Loader {
 public:
  Loader(const std::string& file, RuleSet::Builtin how) : file_(file), how_(how) {}

  [[noreturn]] void Fail(const YamlNode& node, const std::string& what) const {
    std::ostringstream os;
    os << file_;
    if (node.IsDefined() && node.Mark().line >= 0)
      os << ':' << node.Mark().line + 1 << ':' << node.Mark().column + 1;
    os << ": " << what;
    throw RuleError(os.str());
  }

  std::string Where(const YamlNode& node) const {
    return file_ + ':' + std::to_string(node.Mark().line + 1) + ':' +
           std::to_string(node.Mark().column + 1);
  }

  std::string Str(const YamlNode& node, const char* key) const {
    if (!node.IsScalar()) Fail(node, std::string("'") + key + "' must be a string");
    return node.Scalar();
  }

  std::vector<std::string> StrList(const YamlNode& node, const char* key) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) Fail(node, std::string("'") + key + "' must be a list of strings");
    for (const YamlNode& item : node) out.push_back(Str(item, key));
    return out;
  }

  bool Bool(const YamlNode& node, const char* key) const {
    std::string s = Str(node, key);
    if (s == "true") return true;
    if (s == "false") return false;
    Fail(node, std::string("'") + key + "' must be true or false");
  }

  void CheckKeys(const YamlNode& map, const std::set<std::string>& allowed,
                 const char* what) const {
    for (const auto& [key_node, value] : map.Entries()) {
      const std::string& key = key_node.Scalar();
      if (!allowed.count(key)) {
        std::string list;
        for (const std::string& k : allowed) list += (list.empty() ? "" : ", ") + k;
        Fail(key_node, "unknown key '" + key + "' in " + what + " (expected one of: " + list + ")");
      }
    }
  }

  // The built-in pack writes 43 patterns, 26 of them different (one sniff in eight rules): each
  // is one Regex per process, shared, as RE2 is safe to use from many threads. At load only a
  // user's rule compiles it: a built-in one compiles at its first match.
  std::shared_ptr<const Regex> RegexAt(const YamlNode& node, const std::string& pattern) const {
    static std::mutex mu;
    static std::map<std::string, std::weak_ptr<const Regex>, std::less<>> known;
    std::shared_ptr<const Regex> regex;
    {
      std::lock_guard lock(mu);
      if (auto it = known.find(pattern); it != known.end()) regex = it->second.lock();
      if (!regex) {
        std::erase_if(known, [](const auto& entry) { return entry.second.expired(); });
        regex = std::make_shared<const Regex>(pattern);
        known[pattern] = regex;
      }
    }
    // Compiled outside the lock, so that files loading on two threads compile at once.
    if (how_ == RuleSet::Builtin::kWhole && !regex->re().ok())
      Fail(node, "invalid regular expression: " + regex->re().error());
    return regex;
  }

  // Whether `regex` has the named group; a built-in rule's is taken on trust until it compiles.
  bool HasGroup(const Regex& regex, const std::string& group) const {
    return how_ != RuleSet::Builtin::kWhole || regex.re().NamedCapturingGroups().count(group);
  }

  void LoadFiles(const YamlNode& node, Rule* rule) const {
    if (!node.IsMap()) Fail(node, "'files' must be a mapping");
    CheckKeys(node, {"paths", "exclude", "sniff", "content"}, "files");
    if (node["paths"]) rule->paths = StrList(node["paths"], "paths");
    if (node["exclude"]) rule->exclude_paths = StrList(node["exclude"], "exclude");
    if (node["sniff"]) rule->sniff = RegexAt(node["sniff"], Str(node["sniff"], "sniff"));
    if (node["content"]) LoadContent(node["content"], rule);
  }

  int Percentish(const YamlNode& node, const char* key, int max) const {
    std::string n = Str(node, key);
    if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(n) > max || std::stoi(n) < 1)
      Fail(node,
           std::string("'") + key + "' must be a whole number from 1 to " + std::to_string(max));
    return std::stoi(n);
  }

  void LoadContent(const YamlNode& node, Rule* rule) const {
    if (!node.IsMap()) Fail(node, "'content' must be a mapping");
    CheckKeys(node, {"lines", "require", "comment", "share", "min"}, "content");
    if (!node["lines"]) Fail(node, "'content' needs 'lines', a regular expression for one line");
    Rule::Content c;
    c.lines = RegexAt(node["lines"], Str(node["lines"], "lines"));
    if (node["require"]) c.require = RegexAt(node["require"], Str(node["require"], "require"));
    if (node["comment"]) c.comment = Str(node["comment"], "comment");
    if (node["share"]) c.share = Percentish(node["share"], "share", 100);
    if (node["min"]) c.min = Percentish(node["min"], "min", 1000);
    rule->content = std::move(c);
  }

  void LoadMatch(const YamlNode& node, Rule* rule) const {
    if (!node.IsMap()) Fail(node, "'match' must be a mapping");
    CheckKeys(node, {"syntax",     "directives",  "keys",     "key_paths", "key_pattern",
                     "section",    "ignore_case", "hosts",    "after",     "skip_args",
                     "skip_flags", "option_args", "split",    "urls",      "exclude_hosts",
                     "regex",      "comment",     "within",   "text",      "flags",
                     "fallback",   "variable",    "unescape", "words"},
              "match");
    int kinds = !!node["syntax"] + !!node["regex"] + !!node["text"];
    if (kinds != 1) Fail(node, "'match' needs exactly one of 'syntax', 'regex' or 'text'");
    if (node["text"]) {
      if (!Bool(node["text"], "text")) Fail(node["text"], "'text' can only be true");
      rule->type = MatchType::kText;
    } else if (node["regex"]) {
      rule->type = MatchType::kRegex;
      std::string pattern = Str(node["regex"], "regex");
      size_t at = pattern.find(kHostPlaceholder);
      if (at != std::string::npos) pattern.replace(at, kHostPlaceholder.size(), kHostGroup);
      rule->regex = RegexAt(node["regex"], pattern);
      if (!HasGroup(*rule->regex, "host"))
        Fail(node["regex"], "'regex' needs the {host} placeholder or a (?P<host>...) group");
      if (node["comment"] && node["comment"].IsSequence())
        rule->comment_prefixes = StrList(node["comment"], "comment");
      else if (node["comment"])
        rule->comment_chars = Str(node["comment"], "comment");
      if (node["within"]) {
        rule->within = RegexAt(node["within"], Str(node["within"], "within"));
        if (!HasGroup(*rule->within, "body"))
          Fail(node["within"], "'within' needs a (?P<body>...) group");
      }
      if (node["split"]) rule->split = Str(node["split"], "split");
      if (node["unescape"]) {
        rule->unescape = Str(node["unescape"], "unescape");
        if (rule->unescape != "regex") Fail(node["unescape"], "'unescape' can only be regex");
      }
    } else {
      rule->type = MatchType::kDirective;
      rule->syntax = Str(node["syntax"], "syntax");
      if (!syntax::FindSyntax(rule->syntax)) {
        std::string known;
        for (const auto& s : syntax::Syntaxes()) known += (known.empty() ? "" : ", ") + std::string(s.name);
        Fail(node["syntax"], "unknown syntax '" + rule->syntax + "' (known: " + known + ")");
      }
      if (node["directives"] && node["keys"]) Fail(node, "use 'directives' or 'keys', not both");
      if (node["directives"]) rule->directives = StrList(node["directives"], "directives");
      if (node["keys"]) rule->directives = StrList(node["keys"], "keys");
      if (node["key_paths"]) rule->key_paths = StrList(node["key_paths"], "key_paths");
      if (node["key_pattern"])
        rule->key_pattern = RegexAt(node["key_pattern"], Str(node["key_pattern"], "key_pattern"));
      if (node["flags"]) rule->flags = StrList(node["flags"], "flags");
      if (node["variable"]) rule->variable = Bool(node["variable"], "variable");
      if (node["section"]) rule->section = Str(node["section"], "section");
      if (node["ignore_case"]) rule->ignore_case = Bool(node["ignore_case"], "ignore_case");
      if (node["hosts"]) {
        std::string h = Str(node["hosts"], "hosts");
        if (h == "first") rule->host_args = HostArgs::kFirst;
        else if (h == "all") rule->host_args = HostArgs::kAll;
        else if (h == "after") rule->host_args = HostArgs::kAfter;
        else Fail(node["hosts"], "'hosts' must be first, all or after");
      }
      if (rule->host_args == HostArgs::kAfter) {
        if (!node["after"]) Fail(node, "'hosts: after' needs 'after: WORD'");
        rule->after_word = Str(node["after"], "after");
      }
      if (node["skip_args"]) {
        std::string n = Str(node["skip_args"], "skip_args");
        if (n.empty() || n.size() > 2 || !std::all_of(n.begin(), n.end(), ::isdigit))
          Fail(node["skip_args"], "'skip_args' must be a small whole number");
        rule->skip_args = std::stoul(n);
      }
      if (node["skip_flags"]) rule->skip_flags = StrList(node["skip_flags"], "skip_flags");
      if (node["option_args"]) rule->option_args = StrList(node["option_args"], "option_args");
      if (node["split"]) rule->split = Str(node["split"], "split");
      if (node["urls"]) rule->urls = Bool(node["urls"], "urls");
    }
    if (node["fallback"]) rule->fallback = Bool(node["fallback"], "fallback");
    if (node["words"]) LoadWords(node["words"], rule);
    if (node["exclude_hosts"]) {
      for (const std::string& h : StrList(node["exclude_hosts"], "exclude_hosts")) {
        std::string err;
        if (!rule->exclude_hosts.Add(h, &err)) Fail(node["exclude_hosts"], err);
      }
    }
  }

  // `words:` a list of alternatives, each a pattern or a list of patterns that must all occur.
  void LoadWords(const YamlNode& node, Rule* rule) const {
    if (rule->type == MatchType::kText) Fail(node, "'words' needs 'syntax' or 'regex'");
    if (!node.IsSequence() || node.begin() == node.end())
      Fail(node, "'words' must be a list of patterns or of lists of patterns");
    for (const YamlNode& item : node) {
      std::vector<std::string> all = StrList(item, "words");
      if (all.empty()) Fail(item, "'words' needs at least one pattern in each alternative");
      for (const std::string& pattern : all) {
        std::string error;
        // A built-in rule's words are taken on trust in a run, as its regexes: the build's
        // generator and `rules test` load the pack whole.
        if (pattern.empty() ||
            (how_ == RuleSet::Builtin::kWhole && !host::CompilesAsWord(pattern, &error)))
          Fail(item, "a pattern of 'words' the gate cannot compile: " +
                         (pattern.empty() ? std::string("empty") : error));
      }
      rule->words.push_back(std::move(all));
    }
  }

  // `fix: line|list|value` or `fix: {edit: list, separator: ","}` (docs/rules.md).
  void LoadFix(const YamlNode& node, Rule* rule) const {
    // (YamlNode's operator= writes into the node it refers to: a fresh node per case.)
    if (node.IsMap()) {
      CheckKeys(node, {"edit", "separator", "directives", "scope"}, "fix");
      if (node["directives"]) rule->fix.directives = StrList(node["directives"], "directives");
      if (node["scope"]) {
        std::string scope = Str(node["scope"], "scope");
        if (scope != "file" && scope != "value") Fail(node["scope"], "'scope' must be file or value");
        rule->fix.whole_file = scope == "file";
      }
      if (!node["edit"]) Fail(node, "'fix' needs 'edit: line|list|value'");
      if (node["separator"]) {
        rule->fix.separator = Str(node["separator"], "separator");
        if (rule->fix.separator.empty() ||
            rule->fix.separator.find_first_not_of(" ,;") != std::string::npos)
          Fail(node["separator"], "'separator' is made of spaces, ',' and ';'");
      }
    }
    const YamlNode edit = node.IsMap() ? node["edit"] : node;
    std::string e = Str(edit, "edit");
    if (e == "line") rule->fix.edit = FixEdit::kLine;
    else if (e == "list") rule->fix.edit = FixEdit::kList;
    else if (e == "value") rule->fix.edit = FixEdit::kValue;
    else Fail(edit, "'fix' must be line, list or value");
    if (!rule->fix.separator.empty() && rule->fix.edit != FixEdit::kList)
      Fail(node["separator"], "'separator' applies to 'edit: list' only");
    if (!rule->fix.directives.empty() && rule->fix.edit != FixEdit::kLine)
      Fail(node["directives"], "'directives' applies to 'edit: line' only");
    if (rule->fix.edit == FixEdit::kLine && rule->type != MatchType::kDirective)
      Fail(edit, "'fix: line' needs a 'syntax:' rule (its directive starts the line)");
  }

  void LoadExamples(const YamlNode& node, Rule* rule) const {
    if (!node.IsSequence()) Fail(node, "'examples' must be a list");
    for (const YamlNode& ex : node) {
      if (!ex.IsMap()) Fail(ex, "an example must be a mapping");
      CheckKeys(ex, {"path", "hosts", "text", "match"}, "example");
      Example e;
      e.line = ex.Mark().line + 1;
      if (!ex["path"] || !ex["text"] || !ex["match"])
        Fail(ex, "an example needs 'path', 'text' and 'match' (lines that must be reported)");
      e.path = Str(ex["path"], "path");
      e.text = Str(ex["text"], "text");
      if (ex["hosts"]) e.hosts = StrList(ex["hosts"], "hosts");
      for (const std::string& l : StrList(ex["match"], "match")) {
        if (l.empty() || l.size() > 6 || !std::all_of(l.begin(), l.end(), ::isdigit) || l == "0")
          Fail(ex["match"], "'match' lists 1-based line numbers");
        e.lines.push_back(std::stoul(l));
      }
      rule->examples.push_back(std::move(e));
    }
  }

  std::unique_ptr<Rule> LoadRule(const YamlNode& node) const {
    if (!node.IsMap()) Fail(node, "a rule must be a mapping");
    CheckKeys(node,
              {"id", "name", "short", "full", "help", "message", "severity", "activity", "tags",
               "precision", "security-severity", "files", "match", "fix", "examples"},
              "rule");
    for (const char* required : {"id", "name", "short", "full", "help", "message", "severity", "match"})
      if (!node[required]) Fail(node, std::string("rule is missing '") + required + "'");
    auto rule = std::make_unique<Rule>();
    rule->source = Where(node);
    rule->id = Str(node["id"], "id");
    static const RE2 kId("[a-z0-9][a-z0-9.-]{0,99}");
    if (!RE2::FullMatch(rule->id, kId))
      Fail(node["id"], "rule id '" + rule->id + "' must be lower-case letters, digits, '-' or '.'");
    rule->name = Str(node["name"], "name");
    rule->short_description = Str(node["short"], "short");
    rule->full_description = Str(node["full"], "full");
    rule->help = Str(node["help"], "help");
    rule->message = Str(node["message"], "message");
    if (rule->short_description.size() > 1024 || rule->full_description.size() > 1024)
      Fail(node, "'short' and 'full' are limited to 1024 characters (GitHub code scanning)");
    auto sev = ParseSeverity(Str(node["severity"], "severity"));
    if (!sev || *sev == Severity::kNone) Fail(node["severity"], "'severity' must be error, warning or note");
    rule->severity = *sev;
    if (node["activity"]) {
      std::string a = Str(node["activity"], "activity");
      if (a == "active") rule->activity = Activity::kActive;
      else if (a == "reference") rule->activity = Activity::kReference;
      else if (a == "mention") rule->activity = Activity::kMention;
      else if (a == "template") rule->activity = Activity::kTemplate;
      else if (a == "code-default") rule->activity = Activity::kCodeDefault;
      else Fail(node["activity"], "'activity' must be active, reference, mention, template or code-default");
    }
    if (node["tags"]) rule->tags = StrList(node["tags"], "tags");
    if (rule->tags.size() > 10) Fail(node["tags"], "at most 10 tags (GitHub shows no more)");
    if (node["precision"]) {
      rule->precision = Str(node["precision"], "precision");
      if (rule->precision != "very-high" && rule->precision != "high" &&
          rule->precision != "medium" && rule->precision != "low")
        Fail(node["precision"], "'precision' must be very-high, high, medium or low");
    }
    if (node["security-severity"]) {
      rule->security_severity = Str(node["security-severity"], "security-severity");
      static const RE2 kScore("(10(\\.0)?|[0-9](\\.[0-9])?)");
      if (!RE2::FullMatch(rule->security_severity, kScore) || rule->security_severity == "0" ||
          rule->security_severity == "0.0")
        Fail(node["security-severity"], "'security-severity' must be a number in (0.0, 10.0]");
    }
    if (node["files"]) LoadFiles(node["files"], rule.get());
    LoadMatch(node["match"], rule.get());
    if (node["fix"]) LoadFix(node["fix"], rule.get());
    if (node["examples"]) LoadExamples(node["examples"], rule.get());
    return rule;
  }

 private:
  std::string file_;
  RuleSet::Builtin how_;
};

}  // namespace

const RE2& Regex::re() const {
  std::call_once(once_, [this] {
    RE2::Options options;
    options.set_log_errors(false);
    re_ = std::make_unique<const RE2>(pattern_, options);
    compiled_.store(true, std::memory_order_release);
  });
  return *re_;
}

// One file's rules, loaded apart from the set: those before its first error, where each one's
// id stands (a duplicate is found only when the file joins the set), and that error.
struct RuleSet::LoadedFile {
  std::vector<std::unique_ptr<Rule>> rules;
  std::vector<std::string> id_where;
  std::exception_ptr error;
};

RuleSet::LoadedFile RuleSet::LoadFile(std::string_view yaml_text, const std::string& name,
                                      Builtin how) {
  LoadedFile out;
  try {
    YamlParse parsed = ParseYaml(yaml_text);
    if (!parsed.error.empty()) throw RuleError(YamlSyntaxError(parsed, name));
    const YamlNode& root = parsed.root;
    Loader loader(name, how);
    if (!root.IsMap() || !root["rules"])
      loader.Fail(root, "a rule file is a mapping with a 'rules' list");
    loader.CheckKeys(root, {"rules"}, "rule file");
    if (!root["rules"].IsSequence()) loader.Fail(root["rules"], "'rules' must be a list");
    for (const YamlNode& node : root["rules"]) {
      out.rules.push_back(loader.LoadRule(node));
      out.id_where.push_back(loader.Where(node["id"]));
    }
  } catch (...) {
    out.error = std::current_exception();
  }
  return out;
}

void RuleSet::Add(LoadedFile file) {
  // In file order, as if loaded one by one: a duplicate before the file's error is reported first.
  for (size_t i = 0; i < file.rules.size(); ++i) {
    std::unique_ptr<Rule>& rule = file.rules[i];
    if (const Rule* first = Find(rule->id))
      throw RuleError(file.id_where[i] + ": duplicate rule id '" + rule->id +
                      "' (first defined at " + first->source + ")");
    rules_.push_back(std::move(rule));
  }
  if (file.error) std::rethrow_exception(file.error);
}

void RuleSet::LoadFiles(const std::vector<std::pair<std::string_view, std::string>>& files,
                        Builtin how) {
  // Start-up waits for the rules: the files parse and compile their regexes on two threads, and
  // join the set in order, so rules, ids and the first error are those of loading one by one.
  std::vector<LoadedFile> loaded(files.size());
  Share(files.size(), 2,
        [&](size_t i) { loaded[i] = LoadFile(files[i].first, files[i].second, how); });
  for (LoadedFile& f : loaded) Add(std::move(f));
}

void RuleSet::LoadYaml(std::string_view yaml_text, const std::string& name) {
  Add(LoadFile(yaml_text, name, Builtin::kWhole));
}

void RuleSet::LoadDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw RuleError(dir + ": not a directory of rule files");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  if (ec) throw RuleError(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  // A file that cannot be read ends the load where it stands, after the files before it.
  std::vector<std::string> texts(files.size());
  size_t readable = 0;
  while (readable < files.size() && ReadWholeFile(files[readable].string(), &texts[readable]))
    ++readable;
  std::vector<std::pair<std::string_view, std::string>> named;
  for (size_t i = 0; i < readable; ++i) named.emplace_back(texts[i], files[i].string());
  LoadFiles(named, Builtin::kWhole);
  if (readable < files.size()) throw RuleError(files[readable].string() + ": cannot be read");
}

std::string BlankRuleExamples(std::string_view yaml) {
  std::string out;
  out.reserve(yaml.size());
  size_t rule_keys = std::string_view::npos;  // the indent of the keys of the last `- id:` rule
  bool blanking = false;
  for (size_t pos = 0; pos < yaml.size();) {
    size_t eol = yaml.find('\n', pos);
    size_t next = eol == std::string_view::npos ? yaml.size() : eol + 1;
    std::string_view line = yaml.substr(pos, next - pos);
    pos = next;
    size_t indent = line.find_first_not_of(' ');
    std::string_view content = indent == std::string_view::npos ? "" : line.substr(indent);
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r' ||
                                content.back() == ' ' || content.back() == '\t'))
      content.remove_suffix(1);
    // The block goes on while its lines are blank, comments, deeper than the key (a block
    // scalar's too) or items of a list written at the key's indent.
    if (blanking && (content.empty() || content.starts_with('#') || indent > rule_keys ||
                     (indent == rule_keys && (content == "-" || content.starts_with("- "))))) {
      out += line.ends_with('\n') ? "\n" : "";
      continue;
    }
    blanking = false;
    if (content.starts_with("- id:")) rule_keys = indent + 2;
    if (content == "examples:" && indent == rule_keys) {
      blanking = true;
      out += line.ends_with('\n') ? "\n" : "";
      continue;
    }
    out += line;
  }
  return out;
}

void RuleSet::LoadBuiltin(Builtin how) {
  std::vector<std::string> lean;
  if (how == Builtin::kForRun) {
    for (const EmbeddedRuleFile& f : BuiltinRuleFiles()) lean.push_back(BlankRuleExamples(f.text));
  }
  std::vector<std::pair<std::string_view, std::string>> named;
  for (size_t i = 0; i < BuiltinRuleFiles().size(); ++i) {
    const EmbeddedRuleFile& f = BuiltinRuleFiles()[i];
    named.emplace_back(lean.empty() ? f.text : std::string_view(lean[i]),
                       "rules/" + std::string(f.name));
  }
  LoadFiles(named, how);
}

void RuleSet::Disable(const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (!Find(id)) throw RuleError("unknown rule id '" + id + "' (see `ntpsweep rules list`)");
    std::erase_if(rules_, [&](const auto& r) { return r->id == id; });
  }
}

const Rule* RuleSet::Find(std::string_view id) const {
  for (const auto& r : rules_)
    if (r->id == id) return r.get();
  return nullptr;
}

std::string RenderMessage(const Rule& rule, std::string_view host, std::string_view target,
                          std::string_view directive, Activity activity) {
  std::string out;
  std::string_view m = rule.message;
  while (!m.empty()) {
    size_t open = m.find('{');
    if (open == std::string_view::npos) break;
    out += m.substr(0, open);
    size_t close = m.find('}', open);
    if (close == std::string_view::npos) {
      m = m.substr(open);
      break;
    }
    std::string_view key = m.substr(open + 1, close - open - 1);
    if (key == "host") out += host;
    else if (key == "target") out += target;
    else if (key == "alias") {
      // Only when the text spells the server differently from how the user named it.
      std::string_view h = host, t = target;
      if (h.ends_with('.')) h.remove_suffix(1);
      if (t.ends_with('.')) t.remove_suffix(1);
      bool same = h.size() == t.size() &&
                  std::equal(h.begin(), h.end(), t.begin(), [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b));
                  });
      if (!same) out += " (= " + std::string(target) + ")";
    }
    else if (key == "directive") out += directive.empty() ? std::string_view("value") : directive;
    else if (key == "activity") out += ActivityName(activity);
    else out += m.substr(open, close - open + 1);
    m = m.substr(close + 1);
  }
  out += m;
  return out;
}

}  // namespace ntpsweep::rules
