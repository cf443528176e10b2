// `ntpsweep inventory` end to end: the binary over fixtures/syntaxes, in text, JSON and CSV.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "all_at_once.h"
#include "fixture_tree.h"
#include "host/target.h"
#include "rules/select.h"
#include "run_binary.h"
#include "scan/analyze.h"
#include "scan/inventory.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h

RunOptions InSource() {
  RunOptions o;
  o.cwd = kSourceDir;
  return o;
}

}  // namespace

TEST_CASE("inventory: JSON groups every source by server, literal and expressions", "[inventory]") {
  auto r = RunNtpsweep({"inventory", "--format", "json", "fixtures/syntaxes"}, InSource());
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  std::set<std::string> literal, expressions;
  size_t total = 0;
  for (const auto& s : doc["servers"]) {
    (s["kind"] == "literal" ? literal : expressions).insert(s["server"].get<std::string>());
    total += s["count"].get<size_t>();
    for (const auto& ref : s["references"]) {
      CHECK(ref["line"].get<int>() > 0);
      CHECK(ref.contains("rule"));
    }
  }
  for (const char* h : {"10.20.30.40", "ntp-old.corp.example.com", "2001:db8::123", "192.0.2.50",
                        "192.0.2.60", "192.0.2.70", "192.0.2.80", "192.0.2.90", "time.cloudflare.com",
                        "time.windows.com", "0.rhel.pool.ntp.org"})
    CHECK(literal.count(h) == 1);
  for (const char* e : {"{{ server }}", "<%= $server %>", "${ntp_servers}", "$NTP_IP"})
    CHECK(expressions.count(e) == 1);
  CHECK(literal.count("127.0.0.1") == 0);
  CHECK(literal.count("10.20.30.0/24") == 0);
  CHECK(total > 60);
}

TEST_CASE("inventory: the text table and CSV agree with the JSON", "[inventory]") {
  auto text = RunNtpsweep({"inventory", "--color", "never", "fixtures/syntaxes/dhcp"}, InSource());
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("10.20.30.40  ") != std::string::npos);
  CHECK(text.out.find("fixtures/syntaxes/dhcp/dnsmasq.conf:1:") != std::string::npos);
  CHECK(text.out.find("dnsmasq.conf:3:") == std::string::npos);  // option:nntp-server
  CHECK(text.out.find(" time sources: ") != std::string::npos);
  auto csv = RunNtpsweep({"inventory", "--format", "csv", "fixtures/syntaxes/dhcp"}, InSource());
  REQUIRE(csv.exit_code == 0);
  std::istringstream lines(csv.out);
  std::string header;
  std::getline(lines, header);
  CHECK(header == "server,kind,host,location,line,column,rule,directive,activity,embedded_path");
  size_t rows = 0;
  for (std::string l; std::getline(lines, l);) ++rows;
  auto json = RunNtpsweep({"inventory", "--format", "json", "fixtures/syntaxes/dhcp"}, InSource());
  size_t total = 0;
  auto parsed = nlohmann::json::parse(json.out);
  for (const auto& s : parsed["servers"]) total += s["count"].get<size_t>();
  CHECK(rows == total);
  // Same input, same bytes.
  auto again = RunNtpsweep({"inventory", "--format", "csv", "fixtures/syntaxes/dhcp"}, InSource());
  CHECK(again.out == csv.out);
}

TEST_CASE("inventory: a missing operand is an input error", "[inventory]") {
  auto r = RunNtpsweep({"inventory", "no/such/dir"}, InSource());
  CHECK(r.exit_code == 2);
}

TEST_CASE("inventory: canonical hosts group spellings", "[inventory]") {
  using ntpsweep::scan::CanonicalHost;
  CHECK(CanonicalHost("NTP1.Example.COM.") == "ntp1.example.com");
  CHECK(CanonicalHost("2001:0DB8:0:0::0123") == "2001:db8::123");
  CHECK(CanonicalHost("[fd00::1]") == "fd00::1");
  CHECK(CanonicalHost("10.0.0.1") == "10.0.0.1");
  CHECK(CanonicalHost("2001:db8:0:1:0:0:0:1") == "2001:db8:0:1::1");  // the longest zero run
  CHECK(CanonicalHost("::ffff:a00:1") == "::ffff:10.0.0.1");          // RFC 5952 section 5
}

TEST_CASE("inventory: each regex rule finds its sources where others apply too, decoys none",
          "[inventory]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  // The regex rules are tried together first (one pass): each must still find its own lines,
  // alone in a file or beside the others, and none may find the decoys.
  const std::string embedded = "echo \"server 192.0.2.11 iburst\" >> \"$conf\"\n";
  const std::string timesyncd = "printf 'NTP=192.0.2.12\\n' > /etc/systemd/timesyncd.conf\n";
  const std::string commented = "# server 192.0.2.13 iburst\n";
  const std::string registry =
      "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters /v NtpServer /t "
      "REG_SZ /d 192.0.2.14 /f\n";
  const std::string decoys =
      "echo \"the server 192.0.2.21 is down\"\n"
      "proxy_pass='server 192.0.2.22:80;'\n"
      "reg add HKLM\\SOFTWARE\\Example /v Name /d 192.0.2.23 /f\n"
      "# the pool was 192.0.2.24 once\n";
  auto hosts = [&](std::string_view path, const std::string& text) {
    std::set<std::string> out;
    for (const auto& s :
         ntpsweep::scan::CollectSources(rules, ntpsweep::Location{{std::string(path)}}, path, text)
             .sources)
      out.insert(s.host);
    return out;
  };
  using Set = std::set<std::string>;
  CHECK(hosts("scripts/a.sh", embedded + decoys) == Set{"192.0.2.11"});
  CHECK(hosts("scripts/b.sh", decoys + timesyncd) == Set{"192.0.2.12"});
  CHECK(hosts("scripts/c.sh", commented + decoys) == Set{"192.0.2.13"});
  CHECK(hosts("scripts/d.cmd", decoys + registry) == Set{"192.0.2.14"});
  CHECK(hosts("scripts/all.sh", embedded + timesyncd + decoys + commented) ==
        Set{"192.0.2.11", "192.0.2.12", "192.0.2.13"});
  CHECK(hosts("scripts/none.sh", decoys).empty());
}

TEST_CASE("inventory: the regex rules' set, compiled on first use, serves every thread",
          "[inventory]") {
  // A collector compiles its regex rules' set where an entry first selects one of them: threads
  // that start at once on a new collector all race to that first use, and each must find what
  // the rules find (decoys included: a set that matched nothing would lose the sources, one that
  // matched everything would still be right, so both kinds of text are asked).
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  struct Case {
    std::string path, text;
    std::set<std::string> hosts;
  };
  const std::vector<Case> cases = {
      {"scripts/a.sh", "echo \"server 192.0.2.11 iburst\" >> \"$conf\"\n", {"192.0.2.11"}},
      {"scripts/c.sh", "# server 192.0.2.13 iburst\n", {"192.0.2.13"}},
      {"scripts/d.cmd",
       "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters /v NtpServer "
       "/t REG_SZ /d 192.0.2.14 /f\n",
       {"192.0.2.14"}},
      {"scripts/none.sh",
       "echo \"the server 192.0.2.21 is down\"\nreg add HKLM\\SOFTWARE\\Example /v Name /d "
       "192.0.2.23 /f\n",
       {}},
  };
  constexpr int kThreads = 6;
  for (int round = 0; round < 4; ++round) {
    const ntpsweep::scan::SourceCollector collector(rules);
    std::atomic<int> wrong{0}, asked{0};
    ntpsweep::testing::RunAllAtOnce(kThreads, [&](int t) {
      for (size_t n = 0; n < 3 * cases.size(); ++n) {
        const Case& c = cases[(static_cast<size_t>(t) + n) % cases.size()];
        std::set<std::string> hosts;
        for (const auto& s :
             collector.Collect(ntpsweep::Location{{c.path}}, c.path, c.text).sources)
          hosts.insert(s.host);
        wrong += hosts != c.hosts;
        ++asked;
      }
    });
    INFO("round " << round);
    CHECK(asked == kThreads * 3 * static_cast<int>(cases.size()));
    CHECK(wrong == 0);
  }
}

TEST_CASE("inventory: a file is read only for the rules whose words it holds", "[inventory]") {
  namespace fs = std::filesystem;
  fs::path root =
      fs::temp_directory_path() / ("ntpsweep-inventory-words-" + std::to_string(getpid()));
  fs::remove_all(root);
  auto put = [&](const std::string& path, const std::string& text) {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path) << text;
  };
  // Sources of every kind of reader whose rules now need words: code, composed YAML and INI
  // keys, a registry file; and a heredoc of a reader that embeds (its rules' words are absent).
  put("src/clock.c", "static const char *kNtpServer = \"192.0.2.31\";\n");
  put("app/settings.py", "TIME_SERVERS = [\"192.0.2.32\"]\n");
  put("group_vars/all.yml", "chrony:\n  pools:\n    - 192.0.2.33\n");
  put("etc/app.ini", "[ntp]\nservers = 192.0.2.34\n");
  put("win/time.reg",
      "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters]\n"
      "\"NtpServer\"=\"192.0.2.35,0x9\"\n");
  put("bin/setup.sh", "cat > /etc/chrony/chrony.conf <<EOF\nserver 192.0.2.36 iburst\nEOF\n");
  // Decoys: a word some other rule needs (`server`, `pool`), a name with no time word.
  put("src/net.c",
      "static const char *kProxyServer = \"192.0.2.41\";\n/* the pool of workers */\n");
  put("app/db.py", "DB_HOSTS = [\"192.0.2.42\"]  # server\n");
  put("etc/db.ini", "[database]\nserver = 192.0.2.43\n");
  std::set<std::string> hosts;
  for (const auto& [file, line, host] : ntpsweep::fixture_tree::InventorySources(root.string()))
    hosts.insert(host);
  fs::remove_all(root);
  CHECK(hosts == std::set<std::string>{"192.0.2.31", "192.0.2.32", "192.0.2.33", "192.0.2.34",
                                       "192.0.2.35", "192.0.2.36"});
}

TEST_CASE("inventory: a key pattern's words are the runs of its required atoms", "[inventory]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  for (const auto& rule : rules.rules()) {
    if (rule->id != "json-time-server-key" && rule->id != "w32time-registry-file") continue;
    auto words = ntpsweep::rules::RuleSelector::WordsOf(*rule);
    CHECK_FALSE(words.always);
    std::set<std::string> flat;
    for (const auto& alternative : words.alternatives)
      for (const auto& w : alternative) {
        CHECK_FALSE(w.whole);  // a run may stand inside a longer name (myNtpServer)
        flat.insert(w.text);
      }
    if (rule->id == "json-time-server-key")
      for (const char* w : {"ntp", "time", "chrony", "htp"}) CHECK(flat.count(w) == 1);
    else
      for (const char* w : {"w32time", "parameters", "ntpserver"}) CHECK(flat.count(w) == 1);
  }
}

TEST_CASE("inventory: source code is read for a time-server default only where a name can say so",
          "[inventory]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet none;
  const ntpsweep::scan::Analyzer analyzer(rules, none);
  size_t code_rule = rules.rules().size();
  for (size_t i = 0; i < rules.rules().size(); ++i)
    if (rules.rules()[i]->id == "code-default-time-server") code_rule = i;
  REQUIRE(code_rule < rules.rules().size());
  auto kept = [&](const std::string& path, const std::string& text) {
    ntpsweep::scan::Screening s = analyzer.ScreenSources(path, text);
    if (!s.words) return false;
    REQUIRE_FALSE(s.applies.empty());
    analyzer.KeepPossibleRules(text, &s.applies, s.word_hits.empty() ? nullptr : &s.word_hits);
    return s.applies[code_rule] != 0;
  };
  // Names the rule binds: `time` and a server word within a name, across a subscript, or a
  // `time` map whose keys are composed after it; an NTP word ending a name or before an ordinal.
  for (const auto& [path, text] : std::vector<std::pair<std::string, std::string>>{
           {"agent/a.py",
            "CONFIG = {\"time\": {\"zone\": \"UTC\", \"servers\": [\"192.0.2.1\"]}}\n"},
           {"agent/b.py", "settings['time'] ['hosts'] = ['192.0.2.2']\n"},
           {"cmd/c.go", "var gcpTimeHost = \"192.0.2.3\"\n"},
           {"lib/d.ts", "const o = { time: {\n  // upstream\n  sources: ['192.0.2.4'] } };\n"},
           {"src/e.c", "#define NTP1 \"192.0.2.5\"\n"},
           {"src/f.rb", "CHRONY = %w[192.0.2.6]\n"}}) {
    INFO(path);
    CHECK(kept(path, text));
    CHECK(ntpsweep::scan::CollectSources(rules, {{path}}, path, text).sources.size() == 1);
  }
  // Decoys: `time`, `ip`, `source`, `host` and `ntp` inside other names, a time call, no binding
  // of a time name; the rule's old gate (the atom `time`) read all of them.
  for (const auto& [path, text] : std::vector<std::pair<std::string, std::string>>{
           {"lib/g.py", "import time\ntime.sleep(1)\nhost = 'h'  # the source ip of a script\n"},
           {"lib/h.h", "#define UNI_INSC__CONSONANTPLACEHOLDER 3 /* time */\n"},
           {"lib/i.py", "parser = argparse.ArgumentParser()  # time zone\nntpath = 1\n"},
           {"lib/j.go", "var timeout = \"192.0.2.9\" // description: ip\n"}}) {
    INFO(path);
    CHECK_FALSE(kept(path, text));
  }
}

TEST_CASE("inventory: a regex rule is kept only where its atoms combine as its pattern needs",
          "[inventory]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet none;
  const ntpsweep::scan::Analyzer analyzer(rules, none);
  const auto& all = analyzer.selector().rules();
  // Which of `ids` KeepPossibleRules leaves selected in `text`, every rule selected before.
  auto kept = [&](const std::string& text, const std::set<std::string>& ids) {
    std::vector<char> applies(all.size(), 1);
    analyzer.KeepPossibleRules(text, &applies);
    std::set<std::string> out;
    for (size_t i = 0; i < all.size(); ++i)
      if (applies[i] && ids.count(all[i]->id)) out.insert(all[i]->id);
    return out;
  };
  auto hosts = [&](std::string_view path, const std::string& text) {
    std::set<std::string> out;
    for (const auto& s :
         ntpsweep::scan::CollectSources(rules, ntpsweep::Location{{std::string(path)}}, path, text)
             .sources)
      out.insert(s.host);
    return out;
  };
  using Set = std::set<std::string>;
  const Set ids = {"network-ntp-set-command", "w32time-registry-command", "code-ntp-client-call",
                   "code-time-server-list"};
  // What each must still take: its whole pattern's words are there.
  const std::string junos = "set system ntp server 192.0.2.51\n";
  const std::string reg =
      "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters /v NtpServer /t "
      "REG_SZ /d 192.0.2.52 /f\n";
  const std::string go = "resp, err := ntp.Query(\"192.0.2.53\")\n";
  const std::string list = "var fallback = []string{\"pool.ntp.org\", \"192.0.2.54\"}\n";
  CHECK(kept(junos, ids).count("network-ntp-set-command") == 1);
  CHECK(kept(reg, ids).count("w32time-registry-command") == 1);
  CHECK(kept(go, ids).count("code-ntp-client-call") == 1);
  CHECK(kept(list, ids).count("code-time-server-list") == 1);
  CHECK(hosts("router/junos.set", junos) == Set{"192.0.2.51"});
  CHECK(hosts("win/ntp.cmd", reg) == Set{"192.0.2.52"});
  CHECK(hosts("cmd/clock/main.go", go + list) == Set{"192.0.2.53", "192.0.2.54", "pool.ntp.org"});
  // Decoys: each rule's atoms one by one (`set`, `add`, `time`, `new`, `system`, `.request(`),
  // never together as a pattern needs them. Turned away now; no source either way.
  const std::string decoys =
      "set -e\nservice nginx reload\nadd_user deploy\ntime make all\nx = new Widget()\n"
      "systemctl restart app\nr = session.request('192.0.2.61')\n"
      "urls = [\"https://docs.example.org\", \"192.0.2.62\"]\n";
  CHECK(kept(decoys, ids) == Set{});
  CHECK(hosts("app/deploy.py", decoys).empty());
}

TEST_CASE("inventory: its gate decides and selects as the scan's gate and the word filter do",
          "[inventory]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet none;
  const ntpsweep::scan::Analyzer analyzer(rules, none);
  // Sources of several readers, a heredoc (a reader that embeds), a template, encoded content,
  // and decoys that hold rule words but name no fact.
  const std::vector<std::pair<std::string, std::string>> entries = {
      {"etc/chrony/chrony.conf", "server 192.0.2.71 iburst\n"},
      {"src/clock.c", "static const char *kNtpServer = \"192.0.2.72\";\n"},
      {"bin/setup.sh", "cat > /etc/chrony/chrony.conf <<EOF\nserver 192.0.2.73\nEOF\n"},
      {"templates/chrony.conf.j2", "{% for s in ntp_servers %}server {{ s }}\n{% endfor %}\n"},
      {"k8s/secret.yaml", "data:\n  chrony.conf: c2VydmVyIDE5Mi4wLjIuNzQK\n"},
      {"router/junos.set", "set system ntp server 192.0.2.75\n"},
      {"src/net.c", "static const char *kProxyServer = \"192.0.2.81\";\n/* time out */\n"},
      {"app/deploy.py", "set -e\ntime make all\nx = new Widget()\n"},
      {"README", "nothing here\n"},
  };
  for (const auto& [path, text] : entries) {
    INFO(path);
    ntpsweep::scan::Screening full = analyzer.Screen(path, text);
    ntpsweep::scan::Screening sources = analyzer.ScreenSources(path, text);
    CHECK(sources.words == full.words);
    if (!full.words) continue;
    // Both selections, narrowed to the rules whose words occur, are the same.
    if (full.applies.empty())
      ntpsweep::scan::SelectRules(analyzer.selector(), ntpsweep::scan::ClassifyPath(path), text,
                                  &full.applies, nullptr);
    analyzer.KeepPossibleRules(text, &full.applies);
    REQUIRE_FALSE(sources.applies.empty());
    analyzer.KeepPossibleRules(text, &sources.applies,
                               sources.word_hits.empty() ? nullptr : &sources.word_hits);
    CHECK(sources.applies == full.applies);
  }
}

TEST_CASE("inventory: a sniff is skipped only where its atoms are missing", "[inventory]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  ntpsweep::host::TargetSet none;
  const ntpsweep::scan::Analyzer analyzer(rules, none);
  const ntpsweep::scan::SourceCollector collector(rules);
  // Paths no glob of the ansible or template rules selects: their sniffs alone do (`hosts:` at a
  // line's start, a template opener), and each time source must still be found. The decoys hold
  // an atom of a sniff (`hosts:`, `{`) where the sniff itself does not match, or no atom at all.
  struct Case {
    std::string path, text;
    std::set<std::string> hosts;
  };
  const std::vector<Case> cases = {
      {"deploy/ntp",
       "- hosts: all\n  vars:\n    ntp_servers:\n      - 192.0.2.91\n",
       {"192.0.2.91"}},
      {"render/ntp-servers",
       "{% set servers = salt['pillar.get']('ntp:servers', [\n  '192.0.2.92'\n]) %}\n"
       "{% for s in servers %}\nserver {{ s }} iburst\n{% endfor %}\n",
       {"192.0.2.92"}},
      {"deploy/ghosts", "- ghosts: all\n  vars:\n    ntp_servers:\n      - 192.0.2.93\n", {}},
      {"deploy/inline", "- name: x hosts: all\n  ntp_servers:\n    - 192.0.2.94\n", {}},
      {"render/plain.txt", "{ server 192.0.2.95 }\n", {}},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    ntpsweep::scan::Screening sources = analyzer.ScreenSources(c.path, c.text);
    // The selection is the one every sniff run on the head makes.
    std::vector<char> full;
    ntpsweep::scan::SelectRules(analyzer.selector(), ntpsweep::scan::ClassifyPath(c.path), c.text,
                                &full);
    if (!sources.words) {
      CHECK(c.hosts.empty());
      continue;
    }
    // Narrowed to the rules whose words occur, as the inventory reads the entry.
    analyzer.KeepPossibleRules(c.text, &full);
    analyzer.KeepPossibleRules(c.text, &sources.applies,
                               sources.word_hits.empty() ? nullptr : &sources.word_hits);
    CHECK(sources.applies == full);
    std::set<std::string> hosts;
    for (const auto& s :
         collector.Collect(ntpsweep::Location{{c.path}}, c.path, c.text, &sources.applies).sources)
      hosts.insert(s.host);
    CHECK(hosts == c.hosts);
  }
}
