// Rule files: every defect is a RuleError naming name:LINE:COLUMN of the offending node, and
// `ntpsweep rules test` runs the examples of the built-in pack and of user rule directories.
#include "rules/rule.h"
#include "rules/select.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "all_at_once.h"
#include "core/glob.h"
#include "rules/builtin.h"
#include "rules/evaluate.h"
#include "run_binary.h"

namespace {

using ntpsweep::rules::RuleError;
using ntpsweep::rules::RuleSet;
using namespace ntpsweep::testing;  // run_binary.h

// A valid rule; each malformed case below changes one line of it (line numbers in comments).
const std::string kValidRule =
    "rules:\n"                                              // 1
    "  - id: site-ntp\n"                                    // 2
    "    name: SiteNtp\n"                                   // 3
    "    short: a site file names the old server\n"         // 4
    "    full: A site configuration file names the server.\n"  // 5
    "    help: Replace it.\n"                               // 6
    "    message: \"site file names {host}\"\n"             // 7
    "    severity: warning\n"                               // 8
    "    security-severity: \"4.0\"\n"                      // 9
    "    files:\n"                                          // 10
    "      paths: ['**/site.conf']\n"                       // 11
    "    match:\n"                                          // 12
    "      syntax: ntp-conf\n"                              // 13
    "      directives: [timeserver]\n"                      // 14
    "    examples:\n"                                       // 15
    "      - path: etc/site.conf\n"                         // 16
    "        text: |\n"                                     // 17
    "          timeserver 10.0.0.1\n"                       // 18
    "          timeserver 10.0.0.2\n"                       // 19
    "        match: [1]\n";                                 // 20

// kValidRule with 1-based line `line` replaced by `text` (or removed when `text` is null).
std::string WithLine(int line, const char* text) {
  std::string out;
  size_t pos = 0;
  for (int n = 1; pos < kValidRule.size(); ++n) {
    size_t eol = kValidRule.find('\n', pos);
    std::string l = kValidRule.substr(pos, eol - pos + 1);
    if (n != line) out += l;
    else if (text) out += std::string(text) + "\n";
    pos = eol + 1;
  }
  return out;
}

// `s` with the one occurrence of `from` replaced by `to`.
std::string Replaced(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// LoadYaml must throw a RuleError whose message starts with "site.yaml:LINE:COL: " and
// contains `what`.
void RequireRuleError(const std::string& yaml, int line, int col, const std::string& what) {
  RuleSet set;
  INFO("yaml:\n" << yaml);
  try {
    set.LoadYaml(yaml, "rules/site.yaml");
    FAIL("no RuleError was thrown");
  } catch (const RuleError& e) {
    std::string msg = e.what();
    INFO("message: " << msg);
    std::string where = "rules/site.yaml:" + std::to_string(line) + ":" + std::to_string(col) + ": ";
    CHECK(msg.rfind(where, 0) == 0);
    CHECK(msg.find(what) != std::string::npos);
  }
}

}  // namespace

// The message of the RuleError that loading `dir` into `set` throws ("" after a FAIL).
std::string DirectoryError(RuleSet& set, const std::string& dir) {
  try {
    set.LoadDirectory(dir);
  } catch (const RuleError& e) {
    return e.what();
  }
  FAIL("no RuleError was thrown");
  return "";
}

TEST_CASE("rules loader: the unmodified rule loads", "[rules]") {
  RuleSet set;
  REQUIRE_NOTHROW(set.LoadYaml(kValidRule, "rules/site.yaml"));
  REQUIRE(set.rules().size() == 1);
  const auto& r = *set.rules()[0];
  CHECK(r.id == "site-ntp");
  CHECK(r.name == "SiteNtp");
  CHECK(r.severity == ntpsweep::Severity::kWarning);
  CHECK(r.security_severity == "4.0");
  CHECK(r.source == "rules/site.yaml:2:5");
  REQUIRE(r.examples.size() == 1);
  CHECK(r.examples[0].lines == std::vector<uint32_t>{1});
}

TEST_CASE("rules loader: match: words: are alternatives of patterns, the inventory's alone",
          "[rules]") {
  RuleSet set;
  REQUIRE_NOTHROW(set.LoadYaml(
      Replaced(
          kValidRule, "      directives: [timeserver]\n",
          "      directives: [timeserver]\n      words: ['time\\w*server', [site, '\\bts']]\n"),
      "rules/site.yaml"));
  const auto& r = *set.rules()[0];
  REQUIRE(r.words == std::vector<std::vector<std::string>>{{"time\\w*server"}, {"site", "\\bts"}});
  auto own = ntpsweep::rules::RuleSelector::WordsOf(r);
  REQUIRE(own.alternatives.size() == 2);
  CHECK(own.alternatives[1].size() == 2);
  CHECK(own.alternatives[0][0].pattern);
  CHECK(own.alternatives[0][0].text == "time\\w*server");
  // The scan's gate keeps the words of the directives.
  auto derived = ntpsweep::rules::RuleSelector::WordsOf(r, false);
  REQUIRE(derived.alternatives.size() == 1);
  CHECK(derived.alternatives[0][0].text == "timeserver");
  CHECK_FALSE(derived.alternatives[0][0].pattern);
}

TEST_CASE("rules loader: malformed rule files name file:line:column", "[rules]") {
  SECTION("YAML syntax error") {
    // "short: a: b" - the second ':' (column 13) is an illegal mapping value.
    RequireRuleError(WithLine(4, "    short: a: b"), 4, 13, "YAML syntax error");
  }
  SECTION("YAML syntax error: bad indentation") {
    RequireRuleError(WithLine(4, "   short: a site file names the old server"), 4, 4,
                     "YAML syntax error");
  }
  SECTION("unknown key in a rule") {
    RequireRuleError(WithLine(6, "    colour: red\n    help: Replace it."), 6, 5,
                     "unknown key 'colour'");
  }
  SECTION("unknown key in match") {
    RequireRuleError(WithLine(14, "      directive: [timeserver]"), 14, 7, "unknown key 'directive'");
  }
  SECTION("words: a pattern Hyperscan cannot compile, or no list") {
    RequireRuleError(WithLine(14, "      directives: [timeserver]\n      words: ['(?<=x)time']"),
                     15, 15, "'words' the gate cannot compile");
    RequireRuleError(WithLine(14, "      directives: [timeserver]\n      words: time"), 15, 14,
                     "'words' must be a list");
  }
  SECTION("unknown key in an example") {
    RequireRuleError(WithLine(20, "        lines: [1]"), 20, 9, "unknown key 'lines'");
  }
  SECTION("missing id") {
    // Without "- id:", the rule mapping starts at line 2, column 5 ("name:").
    std::string yaml = Replaced(kValidRule, "  - id: site-ntp\n    name: SiteNtp\n",
                                "  - name: SiteNtp\n");
    RequireRuleError(yaml, 2, 5, "missing 'id'");
  }
  SECTION("bad id") {
    RequireRuleError(WithLine(2, "  - id: Site_NTP"), 2, 9, "rule id 'Site_NTP'");
  }
  SECTION("bad severity") {
    RequireRuleError(WithLine(8, "    severity: fatal"), 8, 15, "'severity'");
  }
  SECTION("severity none is not a rule severity") {
    RequireRuleError(WithLine(8, "    severity: none"), 8, 15, "'severity'");
  }
  SECTION("bad activity") {
    RequireRuleError(WithLine(8, "    severity: warning\n    activity: sometimes"), 9, 15,
                     "'activity'");
  }
  SECTION("fix: an unknown edit") {
    RequireRuleError(WithLine(8, "    severity: warning\n    fix: rewrite"), 9, 10, "'fix' must be line, list or value");
  }
  SECTION("fix: a separator for an edit that has none") {
    RequireRuleError(WithLine(8, "    severity: warning\n    fix: {edit: value, separator: ','}"), 9, 35,
                     "'separator' applies to 'edit: list' only");
  }
  SECTION("fix: an unknown key") {
    RequireRuleError(WithLine(8, "    severity: warning\n    fix: {edit: line, lines: all}"), 9, 23,
                     "unknown key 'lines' in fix");
  }
  SECTION("bad regex") {
    std::string yaml = Replaced(WithLine(13, "      regex: 'timeserver ({host}'"),
                                "      directives: [timeserver]\n", "");
    RequireRuleError(yaml, 13, 14, "invalid regular expression");
  }
  SECTION("regex without a host group") {
    std::string yaml = Replaced(WithLine(13, "      regex: 'timeserver \\S+'"),
                                "      directives: [timeserver]\n", "");
    RequireRuleError(yaml, 13, 14, "{host}");
  }
  SECTION("unknown syntax") {
    RequireRuleError(WithLine(13, "      syntax: ntpconf"), 13, 15, "unknown syntax 'ntpconf'");
  }
  SECTION("duplicate id in one file") {
    std::string yaml = kValidRule + kValidRule.substr(kValidRule.find("  - id:"));
    // The second rule starts on line 21; its id value is at column 9.
    RequireRuleError(yaml, 21, 9, "duplicate rule id 'site-ntp'");
    RuleSet set;
    try {
      set.LoadYaml(yaml, "rules/site.yaml");
    } catch (const RuleError& e) {
      CHECK(std::string(e.what()).find("first defined at rules/site.yaml:2:5") != std::string::npos);
    }
  }
  SECTION("duplicate id across files") {
    RuleSet set;
    set.LoadYaml(kValidRule, "rules/a.yaml");
    try {
      set.LoadYaml(kValidRule, "rules/site.yaml");
      FAIL("no RuleError was thrown");
    } catch (const RuleError& e) {
      std::string msg = e.what();
      INFO(msg);
      CHECK(msg.rfind("rules/site.yaml:2:9: ", 0) == 0);
      CHECK(msg.find("first defined at rules/a.yaml:2:5") != std::string::npos);
    }
  }
  SECTION("security-severity out of range") {
    RequireRuleError(WithLine(9, "    security-severity: \"11.0\""), 9, 24, "'security-severity'");
  }
  SECTION("security-severity zero") {
    RequireRuleError(WithLine(9, "    security-severity: \"0.0\""), 9, 24, "'security-severity'");
  }
  SECTION("security-severity not a number") {
    RequireRuleError(WithLine(9, "    security-severity: high"), 9, 24, "'security-severity'");
  }
  SECTION("bad precision") {
    RequireRuleError(WithLine(9, "    precision: certain"), 9, 16, "'precision'");
  }
  SECTION("bad exclude_hosts value") {
    RequireRuleError(WithLine(14, "      directives: [timeserver]\n      exclude_hosts: ['10.0.0.256']"),
                     15, 22, "10.0.0.256");
  }
  SECTION("example match line 0") {
    RequireRuleError(WithLine(20, "        match: [0]"), 20, 16, "1-based line numbers");
  }
  SECTION("content without lines") {
    RequireRuleError(WithLine(11, "      content: {share: 80}"), 11, 16, "'content' needs 'lines'");
  }
  SECTION("content with a bad share") {
    RequireRuleError(WithLine(11, "      content: {lines: '^x', share: 180}"), 11, 37, "'share'");
  }
  SECTION("content with an unknown key") {
    RequireRuleError(WithLine(11, "      content: {lines: '^x', ratio: 1}"), 11, 30,
                     "unknown key 'ratio'");
  }
  SECTION("content with a bad regex") {
    RequireRuleError(WithLine(11, "      content: {lines: '(x'}"), 11, 24,
                     "invalid regular expression");
  }
  SECTION("top level is not a rules list") {
    RequireRuleError("rules:\n  id: x\n", 2, 3, "'rules' must be a list");
  }
}

TEST_CASE("rules loader: LoadDirectory names the file", "[rules]") {
  TempDir tmp;
  WriteWholeFile(tmp / "a-good.yaml", kValidRule);
  WriteWholeFile(tmp / "b-bad.yml", WithLine(8, "    severity: fatal"));
  WriteWholeFile(tmp / "notes.txt", "not a rule file\n");
  RuleSet set;
  std::string msg = DirectoryError(set, tmp.path());
  INFO(msg);
  CHECK(msg.rfind(tmp / "b-bad.yml:8:15: ", 0) == 0);
}

// The files of a directory load on two threads; the set and the error must be those of loading
// them one by one, in name order, whichever file finishes first.
TEST_CASE("rules loader: LoadDirectory keeps file order and the first error", "[rules]") {
  auto with_id = [](const std::string& yaml, const std::string& id) {
    std::string out = yaml;
    out.replace(out.find("id: site-ntp"), 12, "id: " + id);
    return out;
  };
  TempDir tmp;
  std::vector<std::string> names, texts;
  for (int i = 0; i < 12; ++i) {
    // Sizes differ, so that the files do not finish in name order.
    std::string rules = with_id(kValidRule, "r" + std::to_string(i));
    for (int extra = 0; extra < (i * 5) % 7; ++extra)
      rules += with_id(kValidRule, "r" + std::to_string(i) + "-" + std::to_string(extra))
                   .substr(kValidRule.find("  - id:"));
    names.push_back(tmp / ("f" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ".yaml"));
    texts.push_back(rules);
    WriteWholeFile(names.back(), rules);
  }
  SECTION("rules in file order") {
    RuleSet in_order, loaded;
    for (size_t i = 0; i < names.size(); ++i) in_order.LoadYaml(texts[i], names[i]);
    loaded.LoadDirectory(tmp.path());
    REQUIRE(loaded.rules().size() == in_order.rules().size());
    for (size_t i = 0; i < loaded.rules().size(); ++i) {
      CHECK(loaded.rules()[i]->id == in_order.rules()[i]->id);
      CHECK(loaded.rules()[i]->source == in_order.rules()[i]->source);
    }
  }
  SECTION("a duplicate before a later file's error, and before its own file's error") {
    // f05 repeats f02's id in its first rule and has a bad severity in its second; f07 (decoy)
    // is not YAML at all and loads fastest.
    std::string second = WithLine(8, "    severity: fatal");
    WriteWholeFile(names[5], with_id(kValidRule, "r2") +
                                 with_id(second, "r5-bad").substr(kValidRule.find("  - id:")));
    WriteWholeFile(names[7], "rules: [\n");
    RuleSet set;
    std::string msg = DirectoryError(set, tmp.path());
    INFO(msg);
    CHECK(msg.rfind(names[5] + ":2:9: duplicate rule id 'r2'", 0) == 0);
  }
  SECTION("a file's error before a later file's") {
    WriteWholeFile(names[3], WithLine(8, "    severity: fatal"));
    WriteWholeFile(names[9], "rules: [\n");
    RuleSet set;
    std::string msg = DirectoryError(set, tmp.path());
    INFO(msg);
    CHECK(msg.rfind(names[3] + ":8:15: ", 0) == 0);
    // The files before it joined the set, as when loaded one by one.
    CHECK(set.Find("r2") != nullptr);
    CHECK(set.Find("r4") == nullptr);
  }
}

TEST_CASE("rules test: the built-in pack passes its own examples", "[rules][cli]") {
  RunResult r = RunNtpsweep({"rules", "test"});
  INFO(r.out << r.err);
  REQUIRE(r.signal == 0);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(" 0 failed") != std::string::npos);
  CHECK(r.out.find("FAIL") == std::string::npos);
}

TEST_CASE("rules test: a rule whose example is wrong fails, naming the rule", "[rules][cli]") {
  TempDir tmp;
  // The example claims line 2 is reported; the rule reports line 1 (10.0.0.1 is a default
  // example host, 10.0.0.2 is not).
  std::string wrong = WithLine(20, "        match: [2]");
  WriteWholeFile(tmp / "rules/site.yaml", wrong);
  WriteWholeFile(tmp / "good/site.yaml", kValidRule);

  SECTION("only the given directory") {
    RunResult r = RunNtpsweep({"rules", "test", "--no-builtin-rules", tmp / "rules"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("FAIL site-ntp") != std::string::npos);
    CHECK(r.out.find("site.yaml:16") != std::string::npos);  // where the example starts
    CHECK(r.out.find("1 failed") != std::string::npos);
  }
  SECTION("with the built-in pack") {
    RunResult r = RunNtpsweep({"rules", "test", tmp / "rules"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("FAIL site-ntp") != std::string::npos);
    CHECK(r.out.find("1 failed") != std::string::npos);
  }
  SECTION("a correct directory passes") {
    RunResult r = RunNtpsweep({"rules", "test", "--no-builtin-rules", tmp / "good"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("1 passed, 0 failed") != std::string::npos);
  }
  SECTION("a malformed directory is an error, not a failure") {
    WriteWholeFile(tmp / "bad/site.yaml", WithLine(13, "      syntax: ntpconf"));
    RunResult r = RunNtpsweep({"rules", "test", tmp / "bad"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(tmp / "bad/site.yaml:13:15") != std::string::npos);
  }
}

TEST_CASE("rules list: every built-in rule with its severity", "[rules][cli]") {
  RunResult r = RunNtpsweep({"rules", "list"});
  REQUIRE(r.exit_code == 0);
  for (const char* line :
       {"chrony-source\terror\t", "chrony-initstepslew\terror\t", "chrony-reference\twarning\t",
        "ntp-conf-source\terror\t", "ntp-conf-reference\twarning\t",
        "ntp-daemon-options\terror\t", "ntpdate-servers\terror\t", "ntp-step-tickers\terror\t",
        "openntpd-source\terror\t", "openntpd-constraint\twarning\t", "timesyncd-ntp\terror\t",
        "networkd-ntp\terror\t", "networkd-dhcp-server-ntp\terror\t", "text-mention\twarning\t"}) {
    INFO(line);
    CHECK(("\n" + r.out).find(std::string("\n") + line) != std::string::npos);
  }
}

TEST_CASE("rules selection: a content test counts lines against a clear threshold", "[rules]") {
  RuleSet set;
  set.LoadYaml(Replaced(kValidRule, "      paths: ['**/site.conf']\n",
                        "      content:\n"
                        "        comment: '#;'\n"
                        "        lines: '^(?:timeserver|driftfile|makestep)(?:[ \\t]+[^;{}]*)?$'\n"
                        "        require: '^makestep\\b'\n"
                        "        share: 75\n"
                        "        min: 2\n"),
               "rules/site.yaml");
  const ntpsweep::rules::Rule& rule = *set.rules().front();
  REQUIRE(rule.content);
  auto passes = [&](const char* text) {
    return ntpsweep::rules::RuleSelector::ContentMatches(*rule.content, text);
  };
  CHECK(passes("# site\n\ntimeserver 10.0.0.1\nmakestep 1 3\n"));
  CHECK(passes("timeserver a\ntimeserver b\nmakestep 1 3\nlisten 80\n"));  // 3 of 4: 75 %
  CHECK_FALSE(passes("timeserver a\nmakestep 1 3\nlisten 80\nuser x\n"));  // 2 of 4
  CHECK_FALSE(passes("makestep 1 3\n"));                                   // fewer than min
  CHECK_FALSE(passes("timeserver a\ntimeserver b\ndriftfile /x\n"));       // nothing required
  CHECK_FALSE(passes("timeserver a:80;\nmakestep 1 3;\n"));                // nginx-like lines
  CHECK_FALSE(passes("timeserver=a\nmakestep=1\n"));                       // shell assignments
  CHECK_FALSE(passes(""));
  // Selection: the content test selects a file the globs do not.
  ntpsweep::rules::RuleSelector selector(set);
  std::vector<char> applies;
  selector.Select("srv/fai/files/SITE", "timeserver 10.0.0.1\nmakestep 1 3\n", &applies);
  CHECK(applies == std::vector<char>{1});
  selector.Select("srv/fai/files/SITE", "server { listen 80; }\n", &applies);
  CHECK(applies == std::vector<char>{0});
}

TEST_CASE("rules selection: RequiredSuffix is the plain ending of a glob", "[rules]") {
  using ntpsweep::rules::RequiredSuffix;
  CHECK(RequiredSuffix("**/*.sh") == ".sh");
  CHECK(RequiredSuffix("**/cloud.cfg") == "cloud.cfg");  // "**/" matches no directory too
  CHECK(RequiredSuffix("**/cron.d/*") == "");
  CHECK(RequiredSuffix("**/*cloud-init*.y*ml") == "ml");
  CHECK(RequiredSuffix("etc/ntp.con[fg]") == "");
  CHECK(RequiredSuffix("a\\*b.conf") == "b.conf");
  CHECK(RequiredSuffix("Dockerfile") == "Dockerfile");
}

TEST_CASE("rules selection: AnchoredAtStart holds only where every match starts the text",
          "[rules]") {
  using ntpsweep::rules::AnchoredAtStart;
  CHECK(AnchoredAtStart("\\A#!\\s*(?:/[^\\s/]+)*/(?:ba|da)?sh\\b"));
  CHECK(AnchoredAtStart("\\A(?:a|b)c"));
  CHECK(AnchoredAtStart("\\A[|(]x"));  // a class's `|` and `(` are members
  CHECK(AnchoredAtStart("\\A[]|]x"));  // so is a `]` right after the opening
  CHECK(AnchoredAtStart("\\A\\|x"));   // an escaped `|` too
  // Decoys: an alternative outside the anchor, no anchor at all, or one only in a group.
  CHECK_FALSE(AnchoredAtStart("\\A(?:##\\s*template)?#cloud-config|(?m)^Content-Type:"));
  CHECK_FALSE(AnchoredAtStart("\\{%|\\{\\{|\\A##\\s*template"));
  CHECK_FALSE(AnchoredAtStart("(?m)^-?[ \\t]*hosts:[ \\t]"));
  CHECK_FALSE(AnchoredAtStart("(?:\\A)x"));
  CHECK_FALSE(AnchoredAtStart("\\Ax)|(y"));
  CHECK_FALSE(AnchoredAtStart("\\A[x"));
}

TEST_CASE("rules selection: the indexed selection equals every glob tried on its own", "[rules]") {
  RuleSet set;
  set.LoadBuiltin();
  // Paths from the pack's own globs, and decoys: other case, near misses, the name in a
  // directory part, leading "./" and "/", short paths.
  std::vector<std::string> paths = {"", "a", "ab", "/", "./", "x/", ".sh", "sh", "h"};
  auto instance = [](std::string g, const std::string& star) {
    std::string out;
    for (size_t i = 0; i < g.size(); ++i) {
      if (g.compare(i, 3, "**/") == 0) {
        out += "a/b/";
        i += 2;
      } else if (g.compare(i, 2, "**") == 0) {
        out += "x/y";
        i += 1;
      } else if (g[i] == '*') {
        out += star;
      } else if (g[i] == '?') {
        out += 'q';
      } else if (g[i] == '[') {
        size_t close = g.find(']', i + 2);
        if (close == std::string::npos) {
          out += '[';
          continue;
        }
        out += g[i + 1] == '!' || g[i + 1] == '^' ? '~' : g[i + 1];
        i = close;
      } else if (g[i] == '\\' && i + 1 < g.size()) {
        out += g[++i];
      } else {
        out += g[i];
      }
    }
    return out;
  };
  for (const auto& rule : set.rules()) {
    for (const auto* globs : {&rule->paths, &rule->exclude_paths}) {
      for (const std::string& g : *globs) {
        for (const std::string star : {"", "foo", "Foo.conf"}) {
          std::string p = instance(g, star);
          std::string upper = p;
          for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          for (std::string v : {p, upper, p + "x", p.substr(0, p.size() ? p.size() - 1 : 0),
                                p + "/file.txt", p + "/", "./" + p, "/" + p, "srv/" + p,
                                "docs/" + p, p + ".bak", p.substr(p.rfind('/') + 1)})
            paths.push_back(v);
        }
      }
    }
  }
  ntpsweep::rules::RuleSelector selector(set);
  std::vector<char> applies, some, only(set.rules().size());
  for (size_t i = 0; i < only.size(); ++i) only[i] = i % 2 == 0;
  size_t selected = 0, left_out = 0;
  for (const std::string text : {"", "#cloud-config\nntp:\n  servers: [a]\n"}) {
    for (const std::string& path : paths) {
      selector.Select(path, text, &applies);
      REQUIRE(applies.size() == set.rules().size());
      for (size_t i = 0; i < applies.size(); ++i) {
        const ntpsweep::rules::Rule& r = *set.rules()[i];
        auto match = [&](const std::string& g) { return ntpsweep::GlobMatch(g, path); };
        bool want = false;
        if (std::none_of(r.exclude_paths.begin(), r.exclude_paths.end(), match)) {
          want = (r.paths.empty() && !r.sniff && !r.content) ||
                 std::any_of(r.paths.begin(), r.paths.end(), match) ||
                 (r.sniff && RE2::PartialMatch(text, r.sniff->re())) ||
                 (r.content && ntpsweep::rules::RuleSelector::ContentMatches(*r.content, text));
        }
        INFO(path << " rule " << r.id);
        CHECK(static_cast<bool>(applies[i]) == want);
        selected += applies[i];
      }
      // With a subset of the rules (every other one), those left out stay unselected (decoys:
      // some of them apply above) and the others are selected as without it.
      selector.Select(path, text, &some, &only);
      REQUIRE(some.size() == applies.size());
      for (size_t i = 0; i < applies.size(); ++i) {
        INFO(path << " rule " << set.rules()[i]->id
                  << " in the subset: " << static_cast<int>(only[i]));
        CHECK(static_cast<bool>(some[i]) == (only[i] && applies[i]));
        left_out += !only[i] && applies[i];
      }
    }
  }
  CHECK(paths.size() > 1000);
  CHECK(selected > paths.size() / 10);  // the paths do select rules
  CHECK(left_out > paths.size() / 20);  // and the subset leaves some out
}

TEST_CASE("rules selection: a pattern's words are found once and shared by every thread",
          "[rules]") {
  // WordsOf computes the atoms of each regex and key pattern once per process; rules that share
  // a pattern, asked for at once from several threads, all get its atoms. The patterns are this
  // test's own, so no other test has computed them first.
  const std::string regex = "(?:zqalpha|zqbeta)server[ \\t]+{host}";
  const std::string key_pattern = "(?i)zqgamma[._]zqdelta_?time";
  std::string yaml = "rules:\n";
  constexpr int kRules = 12;
  for (int i = 0; i < kRules; ++i) {
    yaml += "  - id: zq-" + std::to_string(i) + "\n    name: Zq" + std::to_string(i) +
            "\n    short: s\n    full: f\n    help: h\n    message: \"names {host}\"\n"
            "    severity: warning\n    files:\n      paths: ['**/zq.conf']\n    match:\n";
    if (i % 3 == 2)  // a decoy: a directive rule, whose words are its directive's runs
      yaml += "      syntax: ntp-conf\n      directives: [zqepsilon]\n";
    else if (i % 2)
      yaml += "      regex: '" + regex + "'\n";
    else
      yaml += "      syntax: yaml\n      key_pattern: '" + key_pattern + "'\n";
  }
  RuleSet set;
  REQUIRE_NOTHROW(set.LoadYaml(yaml, "rules/zq.yaml"));
  REQUIRE(set.rules().size() == static_cast<size_t>(kRules));
  // What FilteredRE2 requires of each pattern, computed here apart from the selector.
  auto atoms = [](const std::string& pattern) {
    auto found = ntpsweep::rules::ComputeAtoms(pattern);
    REQUIRE(found);
    return *found;
  };
  using Words = std::set<std::vector<std::string>>;
  Words regex_words, key_words;
  for (const std::string& a : atoms(set.rules()[1]->regex->pattern())) regex_words.insert({a});
  REQUIRE(regex_words.size() >= 2);  // an atom for each alternative
  for (const std::string& a : atoms(set.rules()[0]->key_pattern->pattern())) {
    std::vector<std::string> runs;  // its runs of three or more word characters
    std::string run;
    for (char c : a + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        run += c;
        continue;
      }
      if (run.size() >= 3) runs.push_back(run);
      run.clear();
    }
    key_words.insert(runs);
  }
  REQUIRE_FALSE(key_words.empty());
  const Words directive_words = {{"zqepsilon"}};
  constexpr int kThreads = 6;
  std::atomic<int> wrong{0}, asked{0};
  ntpsweep::testing::RunAllAtOnce(kThreads, [&](int t) {
    for (int n = 0; n < kRules; ++n) {
      const auto& rule = *set.rules()[static_cast<size_t>(t + n) % kRules];
      auto words = ntpsweep::rules::RuleSelector::WordsOf(rule);
      Words got;
      for (const auto& alternative : words.alternatives) {
        std::vector<std::string> texts;
        for (const auto& w : alternative) texts.push_back(w.text);
        got.insert(texts);
      }
      const Words& want = rule.type == ntpsweep::rules::MatchType::kRegex ? regex_words
                          : rule.key_pattern                              ? key_words
                                                                          : directive_words;
      wrong += words.always || got != want;
      ++asked;
    }
  });
  CHECK(asked == kThreads * kRules);
  CHECK(wrong == 0);
}

TEST_CASE("rules selection: the built-in pack's atoms made at build time are RE2's", "[rules]") {
  // The binary takes the built-in patterns' atoms from a table the build computed
  // (cmake/gen_builtin_atoms.cpp), linked into these tests too: it holds every pattern WordsOf
  // asks of the pack and no other, sorted, each with what FilteredRE2 gives it here and now.
  RuleSet pack;
  pack.LoadBuiltin(RuleSet::Builtin::kWhole);
  std::set<std::string> patterns;
  for (const auto& rule : pack.rules())
    for (std::string& p : ntpsweep::rules::AtomPatterns(*rule)) patterns.insert(std::move(p));
  REQUIRE(patterns.size() > 10);
  const auto table = ntpsweep::rules::BuiltinAtomTable();
  REQUIRE(table.size() == patterns.size());
  size_t i = 0;
  for (const std::string& pattern : patterns) {  // in order, as the table
    INFO(pattern);
    const auto& built = table[i++];
    REQUIRE(built.pattern == pattern);
    const auto fresh = ntpsweep::rules::ComputeAtoms(pattern);
    REQUIRE(built.parsed == fresh.has_value());
    if (fresh) CHECK(std::vector<std::string>(built.atoms.begin(), built.atoms.end()) == *fresh);
  }
  // A user's pattern is not in it: its atoms are computed (the test above).
  CHECK(std::none_of(table.begin(), table.end(),
                     [](const auto& a) { return a.pattern.find("zqalpha") != std::string::npos; }));
}

TEST_CASE("rules: a built-in regex compiles at its first match, once, for threads asking at once",
          "[rules]") {
  using ntpsweep::rules::Example;
  using ntpsweep::rules::MatchType;
  using ntpsweep::rules::RawMatch;
  // The regex rules' examples, from a whole load that is gone (and its regexes with it) before the
  // run's load: its regexes are shared with no other set.
  std::vector<std::pair<std::string, Example>> examples;
  {
    RuleSet whole;
    whole.LoadBuiltin(RuleSet::Builtin::kWhole);
    for (const auto& r : whole.rules())
      if (r->type == MatchType::kRegex)
        for (const Example& e : r->examples) examples.emplace_back(r->id, e);
  }
  REQUIRE(examples.size() >= 10);
  RuleSet set;
  set.LoadBuiltin();
  for (const auto& r : set.rules()) {
    CHECK(r->examples.empty());  // a run reads none
    if (r->regex) CHECK_FALSE(r->regex->compiled());
    if (r->sniff) CHECK_FALSE(r->sniff->compiled());
  }
  auto targets_of = [](const Example& e, bool decoy) {
    ntpsweep::host::TargetSet targets;
    std::string error;
    if (decoy) {
      targets.Add("192.0.2.77", &error);  // named by no example
    } else if (e.hosts.empty()) {
      for (const char* h : ntpsweep::rules::kDefaultExampleHosts) targets.Add(h, &error);
    } else {
      for (const std::string& h : e.hosts) targets.Add(h, &error);
    }
    return targets;
  };
  // Two threads match every example at once, each first use racing the other's; then the decoy
  // targets on the same texts.
  std::vector<std::vector<std::vector<RawMatch>>> found(
      2, std::vector<std::vector<RawMatch>>(examples.size()));
  std::vector<std::vector<const RE2*>> compiled(2);
  RunAllAtOnce(2, [&](int t) {
    for (size_t k = 0; k < examples.size(); ++k) {
      const auto& [id, example] = examples[k];
      const ntpsweep::rules::Rule& rule = *set.Find(id);
      compiled[t].push_back(&rule.regex->re());
      ntpsweep::rules::MatchRegex(rule, example.text, targets_of(example, false), &found[t][k]);
    }
  });
  CHECK(compiled[0] == compiled[1]);  // one RE2 per pattern, whichever thread compiled it
  for (size_t k = 0; k < examples.size(); ++k) {
    const auto& [id, example] = examples[k];
    INFO(id << " example at line " << example.line);
    const ntpsweep::rules::Rule& rule = *set.Find(id);
    CHECK(rule.regex->compiled());
    CHECK(rule.regex->re().ok());
    REQUIRE(found[0][k].size() == found[1][k].size());
    std::set<uint32_t> lines;
    for (size_t m = 0; m < found[0][k].size(); ++m) {
      CHECK(found[0][k][m].offset == found[1][k][m].offset);
      CHECK(found[0][k][m].length == found[1][k][m].length);
      size_t offset = found[0][k][m].offset;
      lines.insert(static_cast<uint32_t>(
          1 + std::count(example.text.begin(), example.text.begin() + static_cast<long>(offset),
                         '\n')));
    }
    for (uint32_t want : example.lines) CHECK(lines.count(want) == 1);
    std::vector<RawMatch> decoys;
    ntpsweep::rules::MatchRegex(rule, example.text, targets_of(example, true), &decoys);
    CHECK(decoys.empty());
  }
}

TEST_CASE("rules: a user's bad regex is rejected at load beside the built-in pack", "[rules]") {
  RuleSet set;
  set.LoadBuiltin();
  std::string yaml = Replaced(WithLine(13, "      regex: 'timeserver ({host}'"),
                              "      directives: [timeserver]\n", "");
  try {
    set.LoadYaml(yaml, "rules/site.yaml");
    FAIL("no RuleError was thrown");
  } catch (const RuleError& e) {
    CHECK(std::string(e.what()).starts_with("rules/site.yaml:13:14: invalid regular expression"));
  }
  // Decoy: the same rule with a good pattern loads, and its regex is compiled at load.
  RuleSet good;
  good.LoadYaml(Replaced(WithLine(13, "      regex: 'timeserver {host}'"),
                         "      directives: [timeserver]\n", ""),
                "rules/site.yaml");
  REQUIRE(good.rules().size() == 1);
  CHECK(good.rules()[0]->regex->compiled());
}

TEST_CASE("rules: a run's built-in pack is the whole pack but for the examples", "[rules]") {
  RuleSet run, whole;
  run.LoadBuiltin();
  whole.LoadBuiltin(RuleSet::Builtin::kWhole);
  REQUIRE(run.rules().size() == whole.rules().size());
  auto pattern = [](const std::shared_ptr<const ntpsweep::rules::Regex>& re) {
    return re ? re->pattern() : std::string("-");
  };
  size_t with_examples = 0;
  for (size_t i = 0; i < run.rules().size(); ++i) {
    const auto& a = *run.rules()[i];
    const auto& b = *whole.rules()[i];
    INFO(b.id);
    with_examples += !b.examples.empty();
    CHECK(a.examples.empty());
    CHECK(a.id == b.id);
    CHECK(a.source == b.source);  // places in messages keep their line and column
    CHECK(a.name == b.name);
    CHECK(a.short_description == b.short_description);
    CHECK(a.full_description == b.full_description);
    CHECK(a.help == b.help);
    CHECK(a.message == b.message);
    CHECK(a.tags == b.tags);
    CHECK(a.paths == b.paths);
    CHECK(a.exclude_paths == b.exclude_paths);
    CHECK(a.directives == b.directives);
    CHECK(a.key_paths == b.key_paths);
    CHECK(a.words == b.words);
    CHECK(a.flags == b.flags);
    CHECK(a.type == b.type);
    CHECK(a.syntax == b.syntax);
    CHECK(a.fix.edit == b.fix.edit);
    CHECK(pattern(a.regex) == pattern(b.regex));
    CHECK(pattern(a.within) == pattern(b.within));
    CHECK(pattern(a.sniff) == pattern(b.sniff));
    CHECK(pattern(a.key_pattern) == pattern(b.key_pattern));
    CHECK(a.content.has_value() == b.content.has_value());
  }
  CHECK(with_examples * 2 > whole.rules().size());
}

TEST_CASE("rules: BlankRuleExamples blanks each rule's examples block and nothing else",
          "[rules]") {
  using ntpsweep::rules::BlankRuleExamples;
  const std::string yaml =
      "rules:\n"
      "  - id: a\n"
      "    help: |\n"
      "      examples:\n"  // decoy: a line of a block scalar, deeper than the keys
      "      more text\n"
      "    examples:\n"
      "      - path: x\n"
      "        text: |\n"
      "          server 10.0.0.1\n"
      "\n"
      "        match: [1]\n"
      "    match: {text: true}\n"  // the next key: kept
      "  - id: b\n"
      "    files: {examples: 1}\n"  // decoy: not a key of the rule
      "    examples:\n"
      "    # a comment\n"
      "    - path: y\n"  // a list at the key's indent
      "      text: z\n"
      "  - id: c\n";
  const std::string want =
      "rules:\n"
      "  - id: a\n"
      "    help: |\n"
      "      examples:\n"
      "      more text\n"
      "\n\n\n\n\n\n"
      "    match: {text: true}\n"
      "  - id: b\n"
      "    files: {examples: 1}\n"
      "\n\n\n\n"
      "  - id: c\n";
  CHECK(BlankRuleExamples(yaml) == want);
  CHECK(BlankRuleExamples("no rules here\n") == "no rules here\n");
  CHECK(BlankRuleExamples("") == "");
}

TEST_CASE("rules selection: sniffs and content tests over many heads equal each asked on its own",
          "[rules]") {
  RuleSet set;
  set.LoadBuiltin(RuleSet::Builtin::kWhole);
  // Heads: every example of the pack (configs each content test and sniff selects), each with
  // decoy lines mixed in (prose, code, nginx and shell lines: a config among them no longer
  // passes), as CRLF, indented, upper case; and configs written for this test.
  std::vector<std::string> heads = {
      "",
      "server 10.0.0.1 iburst\nrestrict default nomodify\ndriftfile /var/lib/ntp/drift\n",
      "pool 2.pool.ntp.org iburst\nmakestep 1.0 3\nrtcsync\n",
      "MAKESTEP 1 3\nSERVER a\nRTCSYNC\n",
      // The Kelvin sign folds to k in RE2: `keyfile` so spelled is still a chrony directive.
      "\xE2\x84\xAA"
      "eyfile /etc/chrony.keys\nserver a\nmakestep 1 3\n",
      "\xC5\xBF"
      "erver a\nmakestep 1 3\nrtcsync\n",
      "servers pool.ntp.org\nlisten on *\nconstraints from \"https://x\"\n",
      "}\n{\n<x>\n- a\n\"q\"\n0 1\n[s]\nvoid f();\nzz top\n",
      "server { listen 80; }\nlocation / { root /x; }\n",
      "#!/bin/sh\nntpdate -u 10.0.0.1\n",
      "{{ ntp_server }}\n{% for s in x %}\n",
      "#cloud-config\nntp:\n  servers: [a]\n",
      "[Time]\nNTP=10.0.0.1\n",
      "  \"Dhcp4\": {\n",
      "- hosts: all\n  tasks: []\n",
      "d-i clock-setup/ntp-server string ntp\n",
  };
  const std::vector<std::string> decoys = {"Hello, world.\n",
                                           "}\n",
                                           "if [ -x /bin/a ]; then\n",
                                           "server { listen 80; }\n",
                                           "<a href=x>\n",
                                           "42\n",
                                           "zebra 1\n",
                                           "Restrict x\n"};
  for (const auto& rule : set.rules())
    for (const ntpsweep::rules::Example& e : rule->examples) heads.push_back(e.text);
  const size_t plain = heads.size();
  for (size_t h = 0; h < plain; ++h) {
    const std::string head = heads[h];
    std::string mixed, crlf, indented, upper;
    size_t line = 0;
    for (size_t pos = 0; pos < head.size(); ++line) {
      size_t eol = std::min(head.find('\n', pos), head.size());
      std::string_view l = std::string_view(head).substr(pos, eol - pos);
      mixed += std::string(l) + "\n" + (line % 2 ? decoys[line % decoys.size()] : "");
      crlf += std::string(l) + "\r\n";
      indented += "\t " + std::string(l) + "\n";
      pos = eol + 1;
    }
    upper = head;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (std::string* v : {&mixed, &crlf, &indented, &upper}) heads.push_back(*v);
  }
  // A head past the sniffed bytes: what comes after them decides nothing.
  heads.push_back(std::string(ntpsweep::rules::RuleSelector::kSniffBytes - 4, '\n') +
                  "server a\nrestrict b\nrestrict c\n");
  const std::vector<std::string> paths = {"srv/fai/files/SITE", "etc/chrony/chrony.conf",
                                          "etc/ntp.conf",       "x/run.sh",
                                          "docs/readme.txt",    "etc/openntpd/ntpd.conf"};
  ntpsweep::rules::RuleSelector selector(set);
  std::vector<char> applies;
  size_t by_content = 0, by_sniff = 0, turned_away = 0;
  for (const std::string& head : heads) {
    std::string_view sniffed = std::string_view(head).substr(0, selector.kSniffBytes);
    std::string crlf_storage;
    std::string_view sniff_text = ntpsweep::rules::CrlfAsBlanks(sniffed, &crlf_storage);
    for (const std::string& path : paths) {
      selector.Select(path, head, &applies);
      REQUIRE(applies.size() == set.rules().size());
      for (size_t i = 0; i < applies.size(); ++i) {
        const ntpsweep::rules::Rule& r = *set.rules()[i];
        auto match = [&](const std::string& g) { return ntpsweep::GlobMatch(g, path); };
        if (std::any_of(r.exclude_paths.begin(), r.exclude_paths.end(), match)) {
          CHECK_FALSE(applies[i]);
          continue;
        }
        const bool sniff = r.sniff && RE2::PartialMatch(sniff_text, r.sniff->re());
        const bool content =
            r.content && ntpsweep::rules::RuleSelector::ContentMatches(*r.content, sniffed);
        const bool want = (r.paths.empty() && !r.sniff && !r.content) ||
                          std::any_of(r.paths.begin(), r.paths.end(), match) || sniff || content;
        INFO(path << " rule " << r.id << " head:\n" << head);
        CHECK(static_cast<bool>(applies[i]) == want);
        by_content += content;
        by_sniff += sniff;
        turned_away += r.content && !content;
      }
    }
  }
  CHECK(heads.size() > 500);
  CHECK(by_content > 100);  // content tests do select heads
  CHECK(by_sniff > 100);
  CHECK(turned_away > 1000);  // and turn most away
}

TEST_CASE("rules selection: a content test's lines begin only with the bytes RE2 bounds",
          "[rules]") {
  using ntpsweep::rules::Regex;
  using ntpsweep::rules::RuleSelector;
  auto leads = [](const char* pattern) { return RuleSelector::LeadBytesOf(Regex(pattern)); };
  RuleSelector::LeadBytes ntpd = leads("^(?:server|pool|unpeer|automax)(?:[ \\t]+[^;{}]*)?$");
  CHECK(ntpd.low == 'a');
  CHECK(ntpd.high >= 'u');
  CHECK(ntpd.high < 'z');
  // Ignoring case, RE2 folds U+212A (0xE2 0x84 0xAA) to k: the bound keeps its first byte.
  RuleSelector::LeadBytes folded = leads("(?i)^(?:keyfile|server)\\b");
  CHECK(folded.low <= 'K');
  CHECK(folded.high >= 0xE2);
  // Decoys: matches that need not start the line bound nothing.
  for (const char* unbounded : {"server", "(?m)^server", "^server|pool", "(?:^server)", "^", ""}) {
    INFO(unbounded);
    RuleSelector::LeadBytes l = leads(unbounded);
    CHECK(l.low == 0);
    CHECK(l.high == 255);
  }
  // A line outside the bound fails without the regex; the verdicts stay those of every line asked.
  ntpsweep::rules::Rule::Content content;
  content.lines = std::make_shared<const Regex>("^(?:server|pool|restrict)(?:[ \\t]+[^;{}]*)?$");
  content.require = std::make_shared<const Regex>("^restrict\\b");
  content.share = 80;
  content.min = 2;
  const RuleSelector::LeadBytes bound = RuleSelector::LeadBytesOf(*content.lines);
  for (const char* text : {"server a\nrestrict b\n", "server a\nrestrict b\nServer c\n",
                           "server a\nrestrict b\nserver c\nserver d\n}\n",
                           "server a\nrestrict b\nserver c\nserver d\n}\n{\n", "}\n{\n]\n",
                           "Server a\nRestrict b\n", "zz\nserver a\nrestrict b\nserver c\n"}) {
    INFO(text);
    CHECK(RuleSelector::ContentMatches(content, text, bound) ==
          RuleSelector::ContentMatches(content, text));
  }
  CHECK(RuleSelector::ContentMatches(content, "server a\nrestrict b\nserver c\nserver d\n}\n",
                                     bound));
  CHECK_FALSE(RuleSelector::ContentMatches(content, "server a\nrestrict b\n}\n", bound));
}
