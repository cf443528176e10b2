// The command line as a user meets it: exit codes (0 clean, 1 findings at or above --fail-on,
// 2 usage/config/input errors), error messages that name the bad value or file:line:column,
// colour control and -o.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

const std::string kFixtures = kSourceDir + "/fixtures/e2e";

RunResult Run(const std::vector<std::string>& args, const std::string& cwd = kFixtures,
              std::map<std::string, std::optional<std::string>> env = {}) {
  RunResult r = RunNtpsweep(args, RunOptions{cwd, std::move(env), false});
  REQUIRE(r.signal == 0);
  return r;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool HasEscape(const std::string& s) { return Contains(s, "\x1b["); }

}  // namespace

TEST_CASE("cli: invalid --host values are usage errors naming the value", "[cli]") {
  for (const char* bad : {"10.0.0.256", "a..b", "10.0.0.1/33", "fd00::12345", "2001:db8::/129",
                          "ntp-.corp.example.net", "ntp_old..corp", "[fd00::1", ""}) {
    INFO("--host '" << bad << "'");
    RunResult r = Run({"scan", "--host", bad, "etc/ntp.conf"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    if (*bad) CHECK(Contains(r.err, bad));
  }
  // One bad value among good ones is still an error.
  RunResult r = Run({"scan", "--host", "192.0.2.10", "--host", "10.0.0.256", "etc/ntp.conf"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "10.0.0.256"));
}

TEST_CASE("cli: valid --host spellings are accepted", "[cli]") {
  for (const char* good : {"192.0.2.10", "192.0.2.0/24", "2001:db8::123", "[2001:db8::123]",
                           "2001:DB8:0:0::123", "2001:db8::/32", "ntp-old.corp.example.net",
                           "ntp-old.corp.example.net.", "NTP-OLD.Corp.Example.NET", "ntp-old"}) {
    INFO("--host '" << good << "'");
    RunResult r = Run({"scan", "--host", good, "--fail-on", "none", "etc/ntp.conf"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("cli: usage errors exit 2", "[cli]") {
  SECTION("unknown flag") {
    RunResult r = Run({"scan", "--host", "192.0.2.10", "--frobnicate", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "--frobnicate"));
  }
  SECTION("unknown flag of rules list") {
    RunResult r = Run({"rules", "list", "--frobnicate"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "--frobnicate"));
  }
  SECTION("no subcommand") {
    CHECK(Run({}).exit_code == 2);
  }
  SECTION("unknown subcommand") {
    RunResult r = Run({"sweep", "--host", "192.0.2.10"});
    CHECK(r.exit_code == 2);
  }
  SECTION("no target at all") {
    RunResult r = Run({"scan", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "--host"));
  }
  SECTION("bad --format") {
    RunResult r = Run({"scan", "--host", "192.0.2.10", "--format", "xml", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "xml"));
  }
  SECTION("bad --fail-on") {
    RunResult r = Run({"scan", "--host", "192.0.2.10", "--fail-on", "critical", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "critical"));
  }
  SECTION("unknown --disable-rule id") {
    RunResult r = Run({"scan", "--host", "192.0.2.10", "--disable-rule", "ntp-conf-sorce", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "ntp-conf-sorce"));
  }
  SECTION("--no-builtin-rules without --rules") {
    RunResult r = Run({"scan", "--host", "192.0.2.10", "--no-builtin-rules", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
  }
  SECTION("--version is not an error") {
    RunResult r = Run({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.out, "ntpsweep"));
  }
}

TEST_CASE("cli: a missing operand path is an input error naming the path", "[cli]") {
  SECTION("JSON report: the error is on stderr, findings of other operands are still reported") {
    RunResult r = Run({"scan", "--host", "192.0.2.10", "--format", "json", "etc/ntp.conf",
                       "etc/no-such-file.conf"});
    INFO(r.err);
    CHECK(r.exit_code == 2);  // an input error outranks findings
    CHECK(Contains(r.err, "etc/no-such-file.conf"));
    Json doc = Json::parse(r.out);
    CHECK(!doc.at("findings").empty());
    bool noticed = false;
    for (const Json& n : doc.at("notices"))
      noticed = noticed || (n.at("level") == "error" && n.at("id") == "missing-input" &&
                            Contains(n.at("message").get<std::string>(), "etc/no-such-file.conf"));
    CHECK(noticed);
  }
  SECTION("text report: exit 2 and the path is named in the report") {
    RunResult r = Run({"scan", "--host", "192.0.2.10", "no-such-dir"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.out + r.err, "no-such-dir"));
  }
}

// `ntpsweep scan --host X missing/ > report.txt` must not exit 2 with nothing on the terminal:
// every exit-2 path writes its reason to stderr.
TEST_CASE("cli: a missing operand path is reported on stderr in text mode too", "[cli]") {
  RunResult r = Run({"scan", "--host", "192.0.2.10", "no-such-dir"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "no-such-dir"));
}

TEST_CASE("cli: malformed config files name file:line:column", "[cli][config]") {
  TempDir tmp;
  auto run_config = [&](const std::string& text) {
    WriteWholeFile(tmp / "cfg.yaml", text);
    return Run({"scan", "--config", tmp / "cfg.yaml", "etc/ntp.conf"});
  };
  SECTION("unknown key") {
    RunResult r = run_config("hosts:\n  - 192.0.2.10\nexclud:\n  - docs/**\n");
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, tmp / "cfg.yaml:3:1"));
    CHECK(Contains(r.err, "exclud"));
  }
  SECTION("YAML syntax error") {
    RunResult r = run_config("hosts:\n  - 192.0.2.10\nfail-on: error: now\n");
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, tmp / "cfg.yaml:3:"));
  }
  SECTION("bad fail-on value") {
    RunResult r = run_config("hosts:\n  - 192.0.2.10\nfail-on: sometimes\n");
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, tmp / "cfg.yaml:3:10"));
    CHECK(Contains(r.err, "sometimes"));
  }
  SECTION("hosts is not a list") {
    RunResult r = run_config("hosts:\n  name: 192.0.2.10\n");
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, tmp / "cfg.yaml:2:3"));
  }
  SECTION("config file that does not exist") {
    RunResult r = Run({"scan", "--config", tmp / "nope.yaml", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, tmp / "nope.yaml"));
  }
  SECTION("an invalid host value in the config is an error naming the value") {
    RunResult r = run_config("hosts:\n  - 192.0.2.10\n  - 10.0.0.256\n");
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "10.0.0.256"));
  }
}

// A bad `hosts:` entry is blamed on its place in the config file, not on --host.
TEST_CASE("cli: an invalid host in the config file names file:line:column", "[cli][config]") {
  TempDir tmp;
  WriteWholeFile(tmp / "cfg.yaml", "hosts:\n  - 192.0.2.10\n  - 10.0.0.256\n");
  RunResult r = Run({"scan", "--config", tmp / "cfg.yaml", "etc/ntp.conf"});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, tmp / "cfg.yaml:3:5"));
}

TEST_CASE("cli: the config file in the current directory and its precedence", "[cli][config]") {
  TempDir tmp;
  WriteWholeFile(tmp / "etc/ntp.conf", "server 192.0.2.10 iburst\n");
  WriteWholeFile(tmp / "docs/notes.md", "The old server was 192.0.2.10.\n");
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\nfail-on: none\nexclude: ['docs/**']\n");
  // The operands leave out .ntpsweep.yaml itself, which mentions the host too.
  SECTION(".ntpsweep.yaml is read without --config") {
    RunResult r = Run({"scan", "--format", "json", "etc", "docs"}, tmp.path());
    INFO(r.err);
    CHECK(r.exit_code == 0);  // fail-on: none from the config
    Json doc = Json::parse(r.out);
    REQUIRE(doc.at("findings").size() == 1);  // docs/ excluded by the config
    CHECK(doc.at("findings")[0].at("location") == "etc/ntp.conf");
  }
  SECTION("--fail-on on the command line wins over the config") {
    RunResult r = Run({"scan", "--fail-on", "error", "--format", "json", "etc", "docs"}, tmp.path());
    CHECK(r.exit_code == 1);
  }
  SECTION("--host on the command line replaces the config's hosts") {
    RunResult r = Run({"scan", "--host", "ntp-old.corp.example.net", "--format", "json", "etc", "docs"},
                      tmp.path());
    CHECK(r.exit_code == 0);
    CHECK(Json::parse(r.out).at("findings").empty());
  }
}

TEST_CASE("cli: a malformed rule file is an error naming file:line:column", "[cli]") {
  TempDir tmp;
  WriteWholeFile(tmp / "rules/site.yaml",
                 "rules:\n  - id: site\n    name: Site\n    short: s\n    full: f\n    help: h\n"
                 "    message: m\n    severity: fatal\n    match:\n      text: true\n");
  RunResult r = Run({"scan", "--host", "192.0.2.10", "--rules", tmp / "rules", "etc/ntp.conf"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, tmp / "rules/site.yaml:8:15"));
  RunResult missing = Run({"scan", "--host", "192.0.2.10", "--rules", tmp / "nope", "etc/ntp.conf"});
  CHECK(missing.exit_code == 2);
  CHECK(Contains(missing.err, tmp / "nope"));
}

TEST_CASE("cli: --fail-on decides between 0 and 1", "[cli]") {
  // docs/runbook.md has only warnings (text-mention); etc/ntp.conf.dpkg-old only notes
  // (backup copy); etc/ntp.conf has errors, warnings and notes.
  const std::vector<std::string> hosts = {"--host", "192.0.2.10", "--host", "2001:db8::123",
                                          "--host", "ntp-old.corp.example.net", "--host",
                                          "198.51.100.0/28"};
  struct Case {
    const char* operand;
    const char* fail_on;  // nullptr: the default (warning)
    int exit_code;
  };
  const Case cases[] = {
      {"etc/ntp.conf", nullptr, 1},
      {"etc/ntp.conf", "none", 0},
      {"etc/ntp.conf", "error", 1},
      {"docs/runbook.md", "error", 0},  // only warnings
      {"docs/runbook.md", "warning", 1},
      {"docs/runbook.md", nullptr, 1},
      {"etc/ntp.conf.dpkg-old", nullptr, 0},  // only notes
      {"etc/ntp.conf.dpkg-old", "warning", 0},
      {"etc/ntp.conf.dpkg-old", "note", 1},
      {"etc/ntp.conf.dpkg-old", "none", 0},
      {"etc/chrony/conf.d/corp.conf", "error", 0},  // a short name is capped at warning
      {"etc/chrony/conf.d/corp.conf", "warning", 1},
      {".", "none", 0},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"scan"};
    args.insert(args.end(), hosts.begin(), hosts.end());
    if (c.fail_on) args.insert(args.end(), {"--fail-on", c.fail_on});
    args.push_back(c.operand);
    INFO(c.operand << " --fail-on " << (c.fail_on ? c.fail_on : "(default)"));
    RunResult r = Run(args);
    INFO(r.err);
    CHECK(r.exit_code == c.exit_code);
  }
  // A clean scan exits 0 whatever the threshold.
  RunResult clean = Run({"scan", "--host", "203.0.113.99", "--fail-on", "note", "."});
  CHECK(clean.exit_code == 0);
  CHECK(Contains(clean.out, "0 findings"));
}

TEST_CASE("cli: colour is off with NO_COLOR or --color never", "[cli][color]") {
  const std::vector<std::string> args = {"scan", "--host", "192.0.2.10", "etc/ntp.conf"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = args;
    a.insert(a.begin() + 1, extra.begin(), extra.end());
    return a;
  };
  auto tty = [](std::map<std::string, std::optional<std::string>> env) {
    return RunOptions{kFixtures, std::move(env), true};
  };
  SECTION("a terminal gets colour by default (control)") {
    RunResult r = RunNtpsweep(args, tty({{"NO_COLOR", std::nullopt}}));
    CHECK(r.exit_code == 1);
    CHECK(HasEscape(r.out));
  }
  SECTION("NO_COLOR on a terminal") {
    RunResult r = RunNtpsweep(args, tty({{"NO_COLOR", "1"}}));
    CHECK(r.exit_code == 1);
    CHECK(Contains(r.out, "etc/ntp.conf"));
    CHECK_FALSE(HasEscape(r.out));
  }
  SECTION("--color never on a terminal") {
    RunResult r = RunNtpsweep(with({"--color", "never"}), tty({{"NO_COLOR", std::nullopt}}));
    CHECK(r.exit_code == 1);
    CHECK(Contains(r.out, "etc/ntp.conf"));
    CHECK_FALSE(HasEscape(r.out));
  }
  SECTION("not a terminal: no colour") {
    RunResult r = Run(args, kFixtures, {{"NO_COLOR", std::nullopt}});
    CHECK(Contains(r.out, "etc/ntp.conf"));
    CHECK_FALSE(HasEscape(r.out));
    CHECK_FALSE(HasEscape(r.err));
  }
  SECTION("--color always forces it (control)") {
    RunResult r = Run(with({"--color", "always"}), kFixtures, {{"NO_COLOR", std::nullopt}});
    CHECK(HasEscape(r.out));
  }
}

TEST_CASE("cli: -o writes the report to a file", "[cli]") {
  TempDir tmp;
  const std::vector<std::string> hosts = {"--host", "192.0.2.10", "--host", "ntp-old.corp.example.net"};
  auto scan = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"scan"};
    a.insert(a.end(), hosts.begin(), hosts.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return Run(a);
  };
  SECTION("json") {
    RunResult r = scan({"--format", "json", "-o", tmp / "out.json", "etc/ntp.conf"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, tmp / "out.json"));  // a line for the person at the terminal
    Json doc = Json::parse(ReadWholeFile(tmp / "out.json"));
    CHECK(doc.at("findings").size() == 12);
    // The same bytes as on stdout.
    RunResult stdout_run = scan({"--format", "json", "etc/ntp.conf"});
    CHECK(stdout_run.out == ReadWholeFile(tmp / "out.json"));
  }
  SECTION("sarif with --output") {
    RunResult r = scan({"--format", "sarif", "--output", tmp / "out.sarif", "etc/ntp.conf"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    Json doc = Json::parse(ReadWholeFile(tmp / "out.sarif"));
    CHECK(doc.at("version") == "2.1.0");
    CHECK(doc.at("runs")[0].at("results").size() == 12);
  }
  SECTION("text, never coloured in a file") {
    RunResult r = scan({"-o", tmp / "out.txt", "etc/ntp.conf"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    std::string text = ReadWholeFile(tmp / "out.txt");
    CHECK(Contains(text, "etc/ntp.conf"));
    CHECK(Contains(text, "12 findings"));
    CHECK_FALSE(HasEscape(text));
  }
  SECTION("an existing file is replaced, not appended to") {
    WriteWholeFile(tmp / "out.json", std::string(100000, 'x'));
    RunResult r = scan({"--format", "json", "-o", tmp / "out.json", "etc/ntp.conf"});
    CHECK(r.exit_code == 1);
    CHECK_NOTHROW(Json::parse(ReadWholeFile(tmp / "out.json")));
  }
  SECTION("an unwritable destination is an error") {
    RunResult r = scan({"--format", "json", "-o", tmp / "no/such/dir/out.json", "etc/ntp.conf"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, tmp / "no/such/dir/out.json"));
  }
}
