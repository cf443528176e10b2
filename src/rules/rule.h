// The rule model: what a rule applies to, what it matches, how it reports. Rules are data,
// loaded from YAML (built-in pack and --rules directories).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "core/types.h"
#include "host/target.h"

namespace ntpsweep::rules {

struct Example {
  std::vector<std::string> hosts;  // targets for this example; default kDefaultExampleHosts
  std::string path;                // path the text is scanned as
  std::string text;
  std::vector<uint32_t> lines;     // lines where this rule must report; no other line may
  uint32_t line = 0;               // where the example starts in its rule file, for messages
};

inline constexpr const char* kDefaultExampleHosts[] = {"10.0.0.1", "ntp1.corp.example.com",
                                                       "fd00::123"};

// A rule's regular expression: its pattern, and RE2 compiled from it once, by whichever thread
// asks first. A user's rule compiles at load, so that a bad pattern is rejected with its place;
// a built-in rule's waits for its first match (`ntpsweep rules test` and a ctest compile them
// all), as most runs match with few of them and compiling was a third of start-up.
class Regex {
 public:
  explicit Regex(std::string pattern) : pattern_(std::move(pattern)) {}
  const std::string& pattern() const { return pattern_; }
  // Compiled on the first call (thread-safe); a pattern RE2 rejects is !ok() and matches nothing.
  const RE2& re() const;
  bool compiled() const { return compiled_.load(std::memory_order_acquire); }

 private:
  std::string pattern_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<const RE2> re_;
  mutable std::atomic<bool> compiled_{false};
};

enum class MatchType {
  kDirective,  // facts from a syntax reader: directive/key names and host arguments
  kRegex,      // a regular expression with a (?P<host>...) group or the {host} placeholder
  kText,       // any mention of a target in free text (the catch-all)
};

enum class HostArgs {
  kFirst,  // the first argument after skipped flags
  kAll,    // every argument
  kAfter,  // arguments after the word `after` ("constraint from URL")
};

// How `ntpsweep fix` may rewrite a finding of the rule (docs/fix.md); kNone: it never does.
enum class FixEdit {
  kNone,
  kLine,   // a directive line: one copy of the line per new server, options kept
  kList,   // one element of a list (words, a YAML/JSON/HCL sequence): one element per server
  kValue,  // a value that holds one server: the (first) new server replaces it
};

struct FixSpec {
  FixEdit edit = FixEdit::kNone;
  // kList: what joins elements when the value holds only the old server ("," or " "); empty
  // means the value is a single server unless its neighbours show a list (a comma, brackets).
  std::string separator;
  // kLine: the directives whose lines are rewritten (empty: all of the rule's); `unpeer` or
  // `broadcast` name the old server without being a place for the new one.
  std::vector<std::string> directives;
  bool whole_file = false;  // `scope: file`: every value of the file is one list (step-tickers)
};

struct Rule {
  std::string id;
  std::string name;  // PascalCase display name (SARIF reportingDescriptor.name)
  std::string short_description;
  std::string full_description;
  std::string help;  // markdown
  std::string message;  // template: {host} {target} {alias} {directive} {activity}
  Severity severity = Severity::kWarning;
  Activity activity = Activity::kActive;  // kActive, kReference, kMention, kTemplate, kCodeDefault
  std::vector<std::string> tags;
  std::string precision = "high";
  std::string security_severity = "5.0";

  // Which files.
  std::vector<std::string> paths;  // globs; empty with no sniff means every text file
  std::vector<std::string> exclude_paths;
  // Compiled patterns are shared between rules that write the same one (rules/loader.cpp).
  std::shared_ptr<const Regex> sniff;  // content test on the first 8 KiB
  // The file's lines are this syntax's, wherever it lives: of the first 8 KiB's lines that are
  // neither blank nor comments, at least `min` and `share` percent match `lines`, and one of
  // them matches `require` (what only this daemon writes), when given.
  struct Content {
    std::shared_ptr<const Regex> lines, require;
    std::string comment = "#";  // a line starting (after blanks) with one of these is a comment
    int share = 80;
    int min = 3;
  };
  std::optional<Content> content;

  // What to match.
  MatchType type = MatchType::kText;
  std::string syntax;
  std::vector<std::string> directives;
  // Globs over fact names, case-insensitive: YAML/JSON/HCL key paths ("**.ntp.servers[]"),
  // shell variables ("*NTP*SERVER*"). '*' stays inside one name (not across '.', '[', ']' or
  // '{'), '**' spans segments; '[', ']', '{', '}' are literal.
  std::vector<std::string> key_paths;
  // What every fact of the rule needs in the entry's bytes, where the words the gate reads from
  // its directives, keys or key pattern say too little (`match: words:`, docs/rules.md): the
  // alternatives, each a list of patterns that must all occur (ASCII case ignored).
  std::vector<std::vector<std::string>> words;
  // RE2 over the whole fact name (a key path "ntp.servers[]", "networking.timeServers[]"): one
  // pattern for what a time-server key looks like in every structured syntax.
  std::shared_ptr<const Regex> key_pattern;
  bool ignore_case = false;
  std::string section;  // INI section; empty means any
  HostArgs host_args = HostArgs::kFirst;
  std::string after_word;
  size_t skip_args = 0;                   // arguments skipped before hosts (initstepslew 10 ...)
  std::vector<std::string> skip_flags;    // flag tokens skipped before the host (-4, -6)
  std::vector<std::string> option_args;   // flags whose following token is never a host (-c F)
  std::string split;                      // extra separators inside an argument (",")
  bool urls = false;                      // an argument may be a URL: its host is matched
  // Hosts are the values of these flags: "--ntp-server=H", "--ntp-server H", "/manualpeerlist:H"
  // and, for a one-letter flag, "-pH".
  std::vector<std::string> flags;
  bool fallback = false;   // dropped where a non-fallback rule reports the same span
  bool variable = false;   // the key names a variable that templates and scripts render (linkage)
  std::string unescape;    // "regex": the host is written regex-escaped (172\.16\.0\.1)
  host::TargetSet exclude_hosts;          // never targets here (127.127.0.0/16 refclocks)
  std::shared_ptr<const Regex> regex;
  std::string comment_chars;  // regex rules: a match on a line starting with these is commented
  std::vector<std::string> comment_prefixes;  // ... or with these words (Junos `inactive:`)
  // Regex rules: `regex` is searched only inside this pattern's `body` groups (a block).
  std::shared_ptr<const Regex> within;

  FixSpec fix;  // ntpsweep fix

  std::vector<Example> examples;
  std::string source;  // "rules/ntp.yaml:12:3", for messages
};

// A rule file that cannot be used: the message names file:line:column and what is wrong.
class RuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RuleSet {
 public:
  // Parses one YAML rule file; throws RuleError. `name` is used in messages.
  void LoadYaml(std::string_view yaml_text, const std::string& name);
  // Loads every *.yaml / *.yml file of a directory, sorted by name; throws RuleError.
  void LoadDirectory(const std::string& dir);
  // The built-in pack. kForRun leaves its regexes to compile where they are first matched
  // (Regex) and its examples unread (only `rules test` runs them); kWhole reads the examples and
  // compiles and checks every regex at load, as a user's rules always are.
  enum class Builtin { kForRun, kWhole };
  void LoadBuiltin(Builtin how = Builtin::kForRun);

  // Drops rules whose id is listed; unknown ids are an error (typos must not pass silently).
  void Disable(const std::vector<std::string>& ids);

  const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }
  const Rule* Find(std::string_view id) const;

 private:
  struct LoadedFile;
  static LoadedFile LoadFile(std::string_view yaml_text, const std::string& name, Builtin how);
  void Add(LoadedFile file);
  // Loads (text, name) files on two threads; the set and any error are as if loaded in order.
  void LoadFiles(const std::vector<std::pair<std::string_view, std::string>>& files, Builtin how);

  std::vector<std::unique_ptr<Rule>> rules_;
};

// A rule file's text with the `examples:` block of every rule (`- id:` and its keys) made blank
// lines, so that every other place keeps its line and column: a run never reads the examples,
// and they were a third of the built-in pack's parse at every start.
std::string BlankRuleExamples(std::string_view yaml);

// Replaces the placeholders of a message template.
std::string RenderMessage(const Rule& rule, std::string_view host, std::string_view target,
                          std::string_view directive, Activity activity);

}  // namespace ntpsweep::rules
