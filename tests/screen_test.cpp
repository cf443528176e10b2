// Analyzer::Screen scans the rule words in a pass of their own, only where it reads them, and
// after the rule selection when that decides alone. Its decisions must be those of the single
// pass it replaced: every word's hits known for every entry (the reference below).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "host/prefilter.h"
#include "host/target.h"
#include "rules/rule.h"
#include "scan/analyze.h"
#include "scan/linkage.h"
#include "syntax/syntax.h"

namespace {

using namespace ntpsweep;

// What Screen decided when one gate pass reported every rule word's hits.
struct Reference {
  const scan::Analyzer& analyzer;
  const host::TargetSet& targets;
  std::vector<std::string> words;
  std::vector<std::pair<size_t, std::vector<int>>> alternatives;
  std::vector<size_t> always;
  std::string one_byte_hints;
  std::unique_ptr<host::Prefilter> gate;

  Reference(const scan::Analyzer& a, const host::TargetSet& t, const scan::HintLiterals& hints)
      : analyzer(a), targets(t) {
    const auto& rules = analyzer.selector().rules();
    std::map<rules::RuleSelector::Word, int> index;
    for (size_t r = 0; r < rules.size(); ++r) {
      // A rule's own words are the inventory's (no targets); patterns are read as written.
      rules::RuleSelector::Words w = rules::RuleSelector::WordsOf(*rules[r], t.empty());
      if (w.always) always.push_back(r);
      for (const auto& alternative : w.alternatives) {
        std::vector<int> ids;
        for (rules::RuleSelector::Word word : alternative) {
          if (!word.pattern)
            for (char& c : word.text)
              c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          auto [it, added] = index.emplace(word, static_cast<int>(words.size()));
          if (added) {
            std::string quoted = word.pattern ? word.text : host::QuoteLiteral(word.text);
            words.push_back(word.whole ? "\\b" + quoted + "\\b" : quoted);
          }
          ids.push_back(it->second);
        }
        alternatives.push_back({r, ids});
      }
    }
    std::vector<std::string> long_hints;
    for (const std::string& h : hints.anywhere) {
      if (h.size() == 1)
        one_byte_hints += h;  // the hints are not letters: one case
      else
        long_hints.push_back(host::QuoteLiteral(h));
    }
    for (const std::string& h : hints.whole_words)
      long_hints.push_back("\\b" + host::QuoteLiteral(h) + "\\b");
    for (const std::string& h : hints.line_first)
      long_hints.push_back("^[ \\t]*" + host::QuoteLiteral(h) + "[ \\t]");
    gate = std::make_unique<host::Prefilter>(
        targets, std::vector<std::vector<std::string>>{scan::EncodingMarkers(), long_hints}, words);
  }

  scan::Screening Screen(std::string_view path, std::string_view text, bool hint_words) const {
    std::vector<char> hits;
    uint32_t bits = gate->Scan(text, &hits);
    scan::Screening s;
    const auto& rules = analyzer.selector().rules();
    auto select = [&]() -> const std::vector<char>& {
      if (s.applies.empty())
        scan::SelectRules(analyzer.selector(), scan::ClassifyPath(path), text, &s.applies);
      return s.applies;
    };
    auto any_directive = [&](bool syntax::SyntaxInfo::*flag) {
      const std::vector<char>& applies = select();
      for (size_t i = 0; i < rules.size(); ++i)
        if (applies[i] && rules[i]->type == rules::MatchType::kDirective &&
            syntax::FindSyntax(rules[i]->syntax)->*flag)
          return true;
      return false;
    };
    // Whether a decoding reader's rule applies is asked of a selection of its own (Screen makes
    // one of those rules alone) where there are targets: the entry's selection is kept only
    // where the words ask for it. An inventory's is made here, as its words ask for it anyway.
    bool decoded = false;
    if (bits & 2) {
      std::vector<char> own;
      if (!targets.empty())
        scan::SelectRules(analyzer.selector(), scan::ClassifyPath(path), text, &own);
      const std::vector<char>& applies = targets.empty() ? select() : own;
      for (size_t i = 0; i < rules.size(); ++i)
        decoded = decoded || (applies[i] && rules[i]->type == rules::MatchType::kDirective &&
                              syntax::FindSyntax(rules[i]->syntax)->decodes);
    }
    bool free_text = (bits & host::Prefilter::kTargets) != 0;
    bool resolver_only = !free_text && (bits & host::Prefilter::kResolverForms);
    s.hints = (bits & 4) || std::any_of(one_byte_hints.begin(), one_byte_hints.end(), [&](char c) {
                return std::memchr(text.data(), c, text.size()) != nullptr;
              });
    s.words = decoded;
    if (!s.words && (targets.empty() || (s.hints && hint_words) || resolver_only)) {
      std::vector<size_t> candidates = always;
      for (const auto& [rule, ids] : alternatives)
        if (std::all_of(ids.begin(), ids.end(), [&](int w) { return hits[w] != 0; }))
          candidates.push_back(rule);
      if (!candidates.empty()) {
        const std::vector<char>& applies = select();
        s.words = std::any_of(candidates.begin(), candidates.end(),
                              [&](size_t r) { return applies[r] != 0; }) ||
                  any_directive(&syntax::SyntaxInfo::embeds);
      }
    }
    s.targets = !targets.empty() && (free_text || decoded || (resolver_only && s.words));
    return s;
  }
};

// Two words in one alternative (an INI key path), in a syntax that embeds nothing.
const std::string kSettingsRule =
    "  - id: site-servers\n"
    "    name: SiteServers\n"
    "    short: a site settings file names the old server\n"
    "    full: A site settings file names the server.\n"
    "    help: Replace it.\n"
    "    message: \"site settings name {host}\"\n"
    "    severity: warning\n"
    "    security-severity: \"4.0\"\n"
    "    files:\n"
    "      paths: ['**/*.settings']\n"
    "    match:\n"
    "      syntax: ini\n"
    "      key_paths: ['site.servers', 'site_clock.peers']\n"
    "    examples:\n"
    "      - path: etc/site.settings\n"
    "        text: |\n"
    "          [site]\n"
    "          servers = 10.0.0.1\n"
    "        match: [2]\n";
// A rule without words (a key pattern), for other paths.
const std::string kClockRule =
    "  - id: clock-any-server\n"
    "    name: ClockAnyServer\n"
    "    short: a clock file names the old server\n"
    "    full: A clock file names the server under any server key.\n"
    "    help: Replace it.\n"
    "    message: \"clock file names {host}\"\n"
    "    severity: warning\n"
    "    security-severity: \"4.0\"\n"
    "    files:\n"
    "      paths: ['**/*.clock']\n"
    "    match:\n"
    "      syntax: ini\n"
    "      key_pattern: 'server'\n"
    "    examples:\n"
    "      - path: etc/a.clock\n"
    "        text: |\n"
    "          timeserver = 10.0.0.1\n"
    "        match: [1]\n";

// Screen against the reference on random texts of `pieces` at `paths`, with targets and
// without (inventory), linkage hints asked for and not.
void Compare(const rules::RuleSet& rules, const std::vector<std::string_view>& paths,
             const std::vector<std::string_view>& pieces) {
  host::TargetSet with_targets, none;
  std::string error;
  for (const char* t : {"10.20.30.40", "ntp-old.corp.example.com", "fd00::123"})
    REQUIRE(with_targets.Add(t, &error));
  const scan::HintLiterals& hints = scan::Linker::Hints();
  std::mt19937 rng(5);
  std::uniform_int_distribution<size_t> piece(0, pieces.size() - 1), path(0, paths.size() - 1);
  std::uniform_int_distribution<int> count(0, 5);
  for (const host::TargetSet* targets : {&with_targets, &none}) {
    scan::Analyzer analyzer(rules, *targets, hints);
    Reference reference(analyzer, *targets, hints);
    size_t words = 0, no_words = 0, passed = 0;
    for (int iter = 0; iter < 3000; ++iter) {
      std::string text;
      for (int k = count(rng); k > 0; --k) text += pieces[piece(rng)];
      std::string_view p = paths[path(rng)];
      bool hint_words = iter % 3 != 0;
      INFO("path " << p << " text '" << text << "' hint_words " << hint_words);
      scan::Screening got = analyzer.Screen(p, text, nullptr, hint_words);
      scan::Screening want = reference.Screen(p, text, hint_words);
      REQUIRE(got.targets == want.targets);
      REQUIRE(got.hints == want.hints);
      REQUIRE(got.words == want.words);
      REQUIRE(got.applies == want.applies);
      words += got.words;
      no_words += !got.words && (targets->empty() || got.hints);
      passed += got.targets;
    }
    CHECK(words > 20);
    CHECK(no_words > 100);
    if (!targets->empty()) CHECK(passed > 100);
  }
}

const std::vector<std::string_view> kPieces = {"10.20.30.40",
                                               "10.20.30.41",
                                               "012.20.30.40",
                                               "ntp-old",
                                               "ntp-old.corp.example.com",
                                               "fd00::123",
                                               "server ",
                                               "pool ",
                                               "NTP=",
                                               "ntp_servers: ",
                                               "chrony",
                                               "timesyncd",
                                               "iburst",
                                               "$",
                                               "{{ ntp }}",
                                               "COPY ",
                                               "  add ",
                                               "copy",
                                               "COPYRIGHT ",
                                               "source ",
                                               "resource",
                                               "src:",
                                               "base64",
                                               "data:;base64,",
                                               "encoding: b64\n",
                                               "gzip",
                                               "Content-Type: multipart/mixed\n",
                                               "#!/bin/sh\n",
                                               "cat <<EOF > /etc/chrony.conf\n",
                                               "EOF\n",
                                               "include ",
                                               "\n",
                                               " ",
                                               "0x1f",
                                               "Lorem ipsum",
                                               "ntp",
                                               ":\n  servers: ",
                                               "pools",
                                               "peers",
                                               "[[source]]\naddress = ",
                                               "option ntp-servers ",
                                               "#cloud-config\n",
                                               "[site]\n",
                                               "servers = ",
                                               "site_clock",
                                               "timeserver = "};

// What the user rules below read, and decoys.
const std::vector<std::string_view> kSitePieces = {
    "[site]\n",     "servers = ", "site_clock", " peers", "timeserver = ", "$",      "10.20.30.40",
    "012.20.30.40", "ntp-old",    "\n",         " ",      "hello",         "base64", "{{"};

TEST_CASE("screen: the words' own pass decides as one full pass did", "[scan][prefilter]") {
  SECTION("the built-in rules") {
    rules::RuleSet rules;
    rules.LoadBuiltin();
    Compare(rules,
            {"etc/chrony/chrony.conf", "etc/ntp.conf", "README.md", "src/main.c", "Dockerfile",
             "site.yml", "boot/seed.txt", "packer/build.json", "etc/systemd/timesyncd.conf",
             "install.sh", "notes.txt", "etc/ntp.conf.j2", "etc/cloud/cloud.cfg", "infra/user-data",
             "etc/ntpd-rs/ntp.toml", "etc/dhcp/dhcpd.conf"},
            kPieces);
  }
  SECTION("user rules, one without words") {
    rules::RuleSet rules;
    rules.LoadYaml("rules:\n" + kSettingsRule + kClockRule, "site.yaml");
    Compare(rules, {"etc/a.settings", "etc/b.clock", "README.md"}, kSitePieces);
  }
  SECTION("user rules, all with words") {
    rules::RuleSet rules;
    rules.LoadYaml("rules:\n" + kSettingsRule, "site.yaml");
    Compare(rules, {"etc/a.settings", "README.md"}, kSitePieces);
  }
}

// The built-in rules with 10.20.30.40 as the target and the linkage hints, as a scan has them.
struct BuiltinAnalyzer {
  rules::RuleSet rules;
  host::TargetSet targets;
  std::unique_ptr<scan::Analyzer> analyzer;
  BuiltinAnalyzer() {
    rules.LoadBuiltin();
    std::string error;
    REQUIRE(targets.Add("10.20.30.40", &error));
    analyzer = std::make_unique<scan::Analyzer>(rules, targets, scan::Linker::Hints());
  }
};

TEST_CASE(
    "screen: encoded content counts where a decoding reader's rule applies, by path, "
    "sniff or content",
    "[scan][prefilter]") {
  const BuiltinAnalyzer built_in;
  const scan::Analyzer& analyzer = *built_in.analyzer;
  // "server 10.20.30.40 iburst\n": the target only in its base64 spelling.
  const std::string write_files =
      "write_files:\n  - path: /etc/chrony/chrony.conf\n    encoding: b64\n"
      "    content: c2VydmVyIDEwLjIwLjMwLjQwIGlidXJzdAo=\n";
  auto screened = [&](std::string_view path, const std::string& text) {
    INFO(path << ": " << text);
    return analyzer.Screen(path, text, nullptr, false).targets;
  };
  // The cloud-init rule by its sniff alone (no path of its), at the head's start or on a
  // MIME line further down; by its path.
  CHECK(screened("boot/seed.txt", "#cloud-config\n" + write_files));
  CHECK(screened(
      "boot/seed.txt",
      "MIME-Version: 1.0\nContent-Type: multipart/mixed\n\n#cloud-config\n" + write_files));
  CHECK(screened("infra/user-data", write_files));
  // Decoys: the same bytes where no decoding reader reads them.
  CHECK_FALSE(screened("boot/seed.txt", "# cloud config notes\n" + write_files));
  CHECK_FALSE(screened("boot/seed.txt", "Content-Type: text/plain\n\n" + write_files));
  CHECK_FALSE(screened("src/seed.c", "/* #cloud-config */\n" + write_files));
  CHECK_FALSE(screened("boot/seed.txt", "gzip and base64 c2VydmVyIDEwLjIwLjMwLjQwIGlidXJzdAo=\n"));
  // And the finding itself, inside the decoded file.
  std::vector<Notice> notices;
  std::vector<Finding> found = analyzer.Analyze(Location{{"boot/seed.txt"}}, "boot/seed.txt",
                                                "#cloud-config\n" + write_files, &notices);
  REQUIRE(found.size() == 1);
  CHECK(found[0].matched == "10.20.30.40");
}

// Dockerfile's COPY and ADD are linkage hints only as a line's first word (any case, blanks
// before, a blank after), as its reader reads instructions, and the install keys `src` and
// `source` only as whole words; the same words in prose, in a comment or as part of a longer
// word make no candidate.
TEST_CASE("screen: install words hint linkage only as words and instructions",
          "[scan][prefilter]") {
  const BuiltinAnalyzer built_in;
  const scan::Analyzer& analyzer = *built_in.analyzer;
  auto hints = [&](const std::string& text) {
    INFO(text);
    return analyzer.Screen("Dockerfile", text, nullptr, false).hints;
  };
  CHECK(hints("FROM debian:12\nCOPY chrony.conf /etc/chrony.conf\n"));
  CHECK(hints("FROM debian:12\n  add chrony.conf /etc/chrony.conf\n"));
  CHECK(hints("\tADD\tchrony.conf /etc/\n"));
  CHECK(hints("FROM debian:12\r\nCOPY --chown=0:0 a /b\r\n"));
  // Decoys: prose, a comment, a longer word, the word alone at the end.
  CHECK_FALSE(hints("Please add the server and copy the file.\n"));
  CHECK_FALSE(hints("FROM debian:12\n# COPY chrony.conf /etc/\n"));
  CHECK_FALSE(hints("COPYRIGHT 2024\nADDITIONAL terms\n"));
  CHECK_FALSE(hints("FROM debian:12\nCOPY"));
  // The prefilter's two passes (a large text) decide as its one pass (a small one).
  const std::string pad(200000, 'x');
  CHECK(hints(pad + "\nCOPY a /b\n"));
  CHECK_FALSE(hints(pad + "\nwe copy a /b\n"));
  // The install keys, as Ansible, Salt, Packer and HCL write them; decoys: longer words.
  CHECK(hints("- copy:\n    src: files/chrony.conf\n    dest: /etc/chrony.conf\n"));
  CHECK(hints("provisioner \"file\" {\n  Source = \"chrony.conf\"\n}\n"));
  CHECK(hints(pad + "\n\"source\": \"chrony.conf\"\n"));
  CHECK_FALSE(hints("A resource of sources, srcdir and datasources.\n"));
  CHECK_FALSE(hints(pad + "\nresources = 3\n"));
}

}  // namespace
