// The config file as CI uses it: found at the scan root or named with --config, every key,
// command-line precedence, errors with file:line:column, and `ntpsweep init`.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "ci_util.h"
#include "cli/config.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Json = nlohmann::json;

std::set<std::string> Locations(const Json& doc) {
  std::set<std::string> out;
  for (const Json& f : doc.at("findings"))
    out.insert(f.at("location").get<std::string>() + ":" + std::to_string(f.at("line").get<int>()));
  return out;
}

RunResult Run(const std::string& cwd, const std::vector<std::string>& args) {
  return RunNtpsweep(args, RunOptions{cwd, {{"NTPSWEEP_TODAY", "2026-06-01"}}, false});
}

std::string ConfigError(const std::string& yaml) {
  try {
    ntpsweep::cli::ParseConfig(yaml, "cfg.yaml");
  } catch (const ntpsweep::cli::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("ci config: keys are read and command-line flags override them", "[ci][config]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  const std::string repo = tmp / "repo";
  WriteWholeFile(repo + "/.ntpsweep.yaml",
                 "hosts: [192.0.2.10]\n"
                 "include: ['etc/**', 'scripts/**']\n"
                 "exclude: ['etc/chrony/**']\n"
                 "severity:\n"
                 "  ntp-conf-reference: error\n"
                 "fail-on: error\n"
                 "category: from-config\n");
  // hosts from the config (ntp-old is not a target), include/exclude, severity override.
  RunResult r = Run(repo, {"scan", "--format", "json"});
  REQUIRE(r.exit_code == 1);
  Json doc = Json::parse(r.out);
  CHECK(Locations(doc) == std::set<std::string>{"etc/ntp.conf:3", "etc/ntp.conf:7", "scripts/sync-time.sh:3"});
  for (const Json& f : doc.at("findings"))
    if (f.at("rule") == "ntp-conf-reference") CHECK(f.at("severity") == "error");
  // --host replaces the config's hosts; --include adds to its globs; --fail-on wins.
  r = Run(repo, {"scan", "--format", "json", "--host", "ntp-old.corp.example.net", "--include",
                 "src/**", "--fail-on", "none"});
  REQUIRE(r.exit_code == 0);
  doc = Json::parse(r.out);
  CHECK(Locations(doc) == std::set<std::string>{});  // ntp-old findings there are all suppressed
  r = Run(repo, {"scan", "--format", "json", "--host", "ntp-old.corp.example.net", "--include",
                 "src/**", "--fail-on", "none", "--include-suppressed"});
  CHECK(Locations(Json::parse(r.out)) ==
        std::set<std::string>{"etc/ntp.conf:4", "scripts/sync-time.sh:4", "src/clock.c:3"});
  // --severity beats the config's severity; --category beats its category.
  r = Run(repo, {"scan", "--format", "sarif", "--severity", "ntp-conf-reference=note",
                 "--category", "cli"});
  REQUIRE(r.exit_code == 1);  // ntp-conf-source at 3 is still an error
  Json sarif = Json::parse(r.out);
  CHECK(sarif["runs"][0]["automationDetails"]["id"] == "cli/");
  for (const Json& res : sarif["runs"][0]["results"])
    if (res["ruleId"] == "ntp-conf-reference") CHECK(res["level"] == "note");
  r = Run(repo, {"scan", "--format", "sarif"});
  CHECK(Json::parse(r.out)["runs"][0]["automationDetails"]["id"] == "from-config/");
}

TEST_CASE("ci config: rules on and off, builtin pack, limits", "[ci][config]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  const std::string repo = tmp / "repo";
  WriteWholeFile(repo + "/.ntpsweep.yaml",
                 "enable-rules: [ntp-conf-source, chrony-source]\n"
                 "disable-rules: [chrony-source]\n");
  RunResult r = Run(repo, Join({"scan", "--format", "json"}, kHosts));
  REQUIRE(r.exit_code == 1);
  std::set<std::string> rules;
  Json doc = Json::parse(r.out);
  for (const Json& f : doc["findings"]) rules.insert(f.at("rule"));
  CHECK(rules == std::set<std::string>{"ntp-conf-source"});
  // --enable-rule adds to the allow list.
  r = Run(repo, Join({"scan", "--format", "json", "--enable-rule", "text-mention"}, kHosts));
  rules.clear();
  doc = Json::parse(r.out);
  for (const Json& f : doc["findings"]) rules.insert(f.at("rule"));
  CHECK(rules == std::set<std::string>{"ntp-conf-source", "text-mention"});
  // limits.max-file-size: files are cut (a notice says so).
  // (YAML files are excluded: a YAML document cut mid-key is not what this test is about.)
  WriteWholeFile(repo + "/.ntpsweep.yaml", "exclude: ['*.yaml']\nlimits:\n  max-file-size: 20\n");
  r = Run(repo, Join({"scan", "--format", "json"}, kHosts));
  CHECK(r.out.find("entry-truncated") != std::string::npos);
  // --max-file-size wins.
  r = Run(repo, Join({"scan", "--format", "json", "--max-file-size", "100000"}, kHosts));
  CHECK(r.out.find("entry-truncated") == std::string::npos);
  // builtin-rules: false with no other rules is an error.
  WriteWholeFile(repo + "/.ntpsweep.yaml", "builtin-rules: false\n");
  r = Run(repo, Join({"scan"}, kHosts));
  CHECK(r.exit_code == 2);
}

TEST_CASE("ci config: found at the scan root, or named with --config", "[ci][config]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  WriteWholeFile(tmp / "repo/.ntpsweep.yaml", "hosts: [192.0.2.10]\ninclude: ['etc/ntp.conf']\n");
  WriteWholeFile(tmp / "other.yaml", "hosts: [ntp-old.corp.example.net]\ninclude: ['src/**']\n");
  // From elsewhere with --srcroot: the scan root's file is used.
  RunResult r = Run(tmp.path(), {"scan", "--format", "json", "--srcroot", tmp / "repo", "repo"});
  REQUIRE(r.exit_code == 1);
  CHECK(Locations(Json::parse(r.out)) == std::set<std::string>{"repo/etc/ntp.conf:3", "repo/etc/ntp.conf:7"});
  // --config replaces it.
  r = Run(tmp / "repo", {"scan", "--format", "json", "--config", tmp / "other.yaml", "--include-suppressed"});
  REQUIRE(r.exit_code == 0);  // src/clock.c:3 is suppressed
  CHECK(Locations(Json::parse(r.out)) == std::set<std::string>{"src/clock.c:3"});
}

TEST_CASE("ci config: unknown keys and bad values name file:line:column", "[ci][config]") {
  CHECK(ConfigError("hosts: [a]\nfail_on: error\n") ==
        "cfg.yaml:2:1: unknown key 'fail_on' (did you mean 'fail-on'? docs/ci.md lists every key)");
  CHECK(ConfigError("fail-on: fatal\n") ==
        "cfg.yaml:1:10: 'fail-on' must be error, warning, note or none, not 'fatal'");
  CHECK(ConfigError("severity:\n  text-mention: critical\n") ==
        "cfg.yaml:2:17: severity of 'text-mention' must be error, warning or note, not 'critical'");
  CHECK(ConfigError("fail-on-new-only: maybe\n") ==
        "cfg.yaml:1:19: 'fail-on-new-only' must be true or false");
  CHECK(ConfigError("limits:\n  max-file-size: -5\n") ==
        "cfg.yaml:2:18: 'max-file-size' must be a positive number of bytes, not '-5'");
  CHECK(ConfigError("limits:\n  max-files: 5\n") ==
        "cfg.yaml:2:3: unknown key 'max-files' in limits (expected max-file-size, max-depth, "
        "max-entry-size, max-input-size, max-total-bytes, max-ratio, max-entries, max-buffer, "
        "max-reader-size)");
  CHECK(ConfigError("ignore:\n  - path: 'a/**'\n") == "cfg.yaml:2:5: an ignore entry needs a 'reason'");
  CHECK(ConfigError("ignore:\n  - path: a\n    reason: r\n    expires: 2026-13-01\n") ==
        "cfg.yaml:4:14: 'expires' must be a date YYYY-MM-DD, not '2026-13-01'");
  CHECK(ConfigError("ignore:\n  - fingerprint: abc\n    reason: r\n") ==
        "cfg.yaml:2:18: 'abc' is not a fingerprint (16 hex digits ':' n)");
  CHECK(ConfigError("hosts: [a\n").rfind("cfg.yaml:", 0) == 0);
  // Through the binary: exit code 2 and the message on stderr; an unknown rule id in the
  // severity overrides is found once the rules are loaded.
  TempDir tmp;
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\nseverity:\n  no-such-rule: note\n");
  RunResult r = Run(tmp.path(), {"scan"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(".ntpsweep.yaml:3:3: unknown rule id 'no-such-rule'") != std::string::npos);
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\nenable-rule: [x]\n");
  r = Run(tmp.path(), {"scan"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(".ntpsweep.yaml:2:1: unknown key 'enable-rule'") != std::string::npos);
  r = Run(tmp.path(), {"scan", "--config", tmp / "missing.yaml"});
  CHECK(r.exit_code == 2);
  r = Run(tmp.path(), {"scan", "--host", "192.0.2.10", "--config", tmp / "missing.yaml",
                       "--severity", "text-mention"});
  CHECK(r.exit_code == 2);
}

TEST_CASE("ci config: a bad shard or rules entry names file:line:column", "[ci][config]") {
  TempDir tmp;
  WriteWholeFile(tmp / "etc/ntp.conf", "server 192.0.2.10 iburst\n");
  WriteWholeFile(tmp / "rules/.keep", "");
  // The decoys: a good shard and a good rules directory load and scan.
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\nshard: 1/1\nrules:\n  - rules\n");
  RunResult r = Run(tmp.path(), {"scan", "etc"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\nshard: 3/2\n");
  r = Run(tmp.path(), {"scan", "etc"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(".ntpsweep.yaml:2:8: '3/2' is not K/N with 1 <= K <= N") != std::string::npos);
  // The environment and the command line say which they are.
  r = RunNtpsweep({"scan", "--host", "192.0.2.10", "etc"},
                  RunOptions{tmp.path(), {{"NTPSWEEP_SHARD", "0/4"}}, false});
  CHECK(r.err.find("NTPSWEEP_SHARD: '0/4' is not K/N") != std::string::npos);
  WriteWholeFile(tmp / ".ntpsweep.yaml",
                 "hosts: [192.0.2.10]\nrules:\n  - rules\n  - no-such-dir\n");
  r = Run(tmp.path(), {"scan", "etc"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(".ntpsweep.yaml:4:5: ") != std::string::npos);
  CHECK(r.err.find("no-such-dir: not a directory of rule files") != std::string::npos);
  // A rule file that does not load is named with the entry that brought its directory in.
  WriteWholeFile(tmp / "rules/broken.yaml", "rules: [\n");
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\nrules: [rules]\n");
  r = Run(tmp.path(), {"scan", "etc"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(".ntpsweep.yaml:2:9: ") != std::string::npos);
}

TEST_CASE("ci config: ntpsweep init writes a starter file that loads", "[ci][config]") {
  TempDir tmp;
  RunResult r = Run(tmp.path(), {"init", "--host", "192.0.2.10"});
  REQUIRE(r.exit_code == 0);
  std::string text = ReadWholeFile(tmp / ".ntpsweep.yaml");
  CHECK(text.find("  - '192.0.2.10'") != std::string::npos);
  auto cfg = ntpsweep::cli::ParseConfig(text, ".ntpsweep.yaml");
  CHECK(cfg.hosts == std::vector<std::string>{"192.0.2.10"});
  CHECK(cfg.fail_on == "warning");
  // Every commented key, uncommented, still loads: the file documents real keys.
  std::string all;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.rfind("# ", 0) == 0 && (line.find(": ") != std::string::npos || line.rfind("#   ", 0) == 0 ||
                                     line.find(":", line.size() - 1) != std::string::npos)) {
      std::string body = line.substr(2);
      if (!body.empty() && (std::islower(static_cast<unsigned char>(body[0])) || body[0] == ' '))
        all += body + "\n";
    }
  }
  INFO(all);
  CHECK_NOTHROW(ntpsweep::cli::ParseConfig(all, "uncommented.yaml"));
  // No overwrite without --force; the scan uses the file.
  CHECK(Run(tmp.path(), {"init"}).exit_code == 2);
  CHECK(Run(tmp.path(), {"init", "--force"}).exit_code == 0);
  CopyTree(kRepoFixture, tmp / "repo");
  CHECK(Run(tmp / "repo", {"init", "--host", "192.0.2.10"}).exit_code == 0);
  CHECK(Run(tmp / "repo", {"scan"}).exit_code == 1);
}
