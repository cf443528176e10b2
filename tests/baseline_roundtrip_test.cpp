// Baselines: content fingerprints survive moved lines; an earlier SARIF or JSON report marks
// results new / unchanged / updated / absent; --fail-on-new-only gates only on new ones.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "ci_util.h"
#include "core/fingerprint.h"
#include "triage/baseline.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using ntpsweep::BaselineState;
using ntpsweep::Finding;
using ntpsweep::Location;
using ntpsweep::Severity;
namespace triage = ntpsweep::triage;
using Json = nlohmann::json;

Finding Make(const std::string& path, uint32_t line, const std::string& rule,
             const std::string& matched, const std::string& line_text,
             Severity severity = Severity::kError) {
  Finding f;
  f.rule_id = rule;
  f.location = Location{{path}};
  f.span.line = f.span.end_line = line;
  f.span.column = 1;
  f.matched = matched;
  f.line_text = line_text;
  f.severity = severity;
  f.message = rule + " " + matched;
  return f;
}

// location:line -> baseline_state; absent findings (at their baseline line) as "-location:line".
std::map<std::string, std::string> States(const Json& doc) {
  std::map<std::string, std::string> out;
  for (const char* list : {"findings", "absent"})
    for (const Json& f : doc.at(list))
      out[(std::string(list) == "absent" ? "-" : "") + f.at("location").get<std::string>() + ":" +
          std::to_string(f.at("line").get<int>())] = f.at("baseline_state");
  return out;
}

// Edits the copy of fixtures/ci/repo in `repo`: lines are inserted above existing findings,
// one line is edited in place, one reference is added and one removed.
void EditRepo(const std::string& repo) {
  // etc/ntp.conf: three lines on top move every finding down by 3; line 7 (restrict) gets
  // another flag (edited in place, now line 10); a new server line is added at the end.
  WriteWholeFile(repo + "/etc/ntp.conf",
                 "# Managed by configuration management.\n"
                 "# Do not edit by hand.\n"
                 "\n"
                 "# ntp.conf for the application servers\n"
                 "driftfile /var/lib/ntp/ntp.drift\n"
                 "server 192.0.2.10 iburst\n"
                 "server ntp-old.corp.example.net iburst  # ntpsweep:ignore ntp-conf-source -- standby until OPS-42\n"
                 "# ntpsweep:ignore -- kept for the rollback window\n"
                 "server 192.0.2.10 prefer\n"
                 "restrict 192.0.2.10 nomodify notrap nopeer\n"
                 "server ntp-old.corp.example.net\n");
  // scripts/sync-time.sh: the active reference is gone.
  WriteWholeFile(repo + "/scripts/sync-time.sh",
                 "#!/bin/sh\n"
                 "# Reports which time server the host used last.\n"
                 "echo \"last sync: ntp.corp.example.net\"\n"
                 "echo \"fallback: ntp-old.corp.example.net\"  # ntpsweep:ignore text-mention -- the legacy path, OPS-77\n");
}

}  // namespace

TEST_CASE("baseline: fingerprints ignore line numbers and indentation", "[baseline]") {
  std::vector<Finding> before = {Make("etc/ntp.conf", 3, "ntp-conf-source", "192.0.2.10", "server 192.0.2.10 iburst"),
                                 Make("etc/ntp.conf", 6, "ntp-conf-source", "192.0.2.10", "server 192.0.2.10 iburst")};
  std::vector<Finding> after = {Make("etc/ntp.conf", 13, "ntp-conf-source", "192.0.2.10", "  server   192.0.2.10\tiburst "),
                                Make("etc/ntp.conf", 40, "ntp-conf-source", "192.0.2.10", "server 192.0.2.10 iburst")};
  ntpsweep::AssignFingerprints(&before);
  ntpsweep::AssignFingerprints(&after);
  CHECK(before[0].fingerprint == after[0].fingerprint);
  CHECK(before[1].fingerprint == after[1].fingerprint);
  // Two identical lines in one file stay distinct by their occurrence.
  CHECK(before[0].fingerprint != before[1].fingerprint);
  CHECK(before[0].fingerprint.ends_with(":1"));
  CHECK(before[1].fingerprint.ends_with(":2"));
  // The documented definition.
  std::string key = std::string("ntpsweep/v1") + '\0' + "ntp-conf-source" + '\0' + "etc/ntp.conf" +
                    '\0' + "192.0.2.10" + '\0' + "server 192.0.2.10 iburst";
  char hex[32];
  std::snprintf(hex, sizeof hex, "%016llx:1",
                static_cast<unsigned long long>(ntpsweep::Fnv1a64(key)));
  CHECK(before[0].fingerprint == hex);
  // Any of rule, path, matched text or line content changes it.
  std::vector<Finding> other = {Make("etc/ntp.conf", 3, "ntp-conf-source", "192.0.2.10", "server 192.0.2.10 prefer")};
  ntpsweep::AssignFingerprints(&other);
  CHECK(other[0].fingerprint != before[0].fingerprint);
}

TEST_CASE("baseline: states from the matching rules", "[baseline]") {
  std::vector<Finding> base = {
      Make("a.conf", 1, "r", "h", "server h"),                          // moves: unchanged
      Make("a.conf", 2, "r", "h", "restrict h", Severity::kWarning),    // edited: updated
      Make("a.conf", 3, "r", "h", "# server h", Severity::kNote),       // re-activated: new
      Make("b.conf", 1, "r", "h", "server h"),                          // removed: absent
      Make("c.conf", 1, "r", "h", "server h"),                          // message changed: updated
  };
  std::vector<Finding> now = {
      Make("a.conf", 2, "r", "h", "restrict h nomodify", Severity::kWarning),
      Make("a.conf", 3, "r", "h", "server h"),
      Make("a.conf", 9, "r", "h", "server h"),
      Make("c.conf", 1, "r", "h", "server h"),
      Make("d.conf", 1, "r", "h", "server h"),  // new file
  };
  now[3].message = "a better message";
  ntpsweep::AssignFingerprints(&base);
  ntpsweep::AssignFingerprints(&now);
  std::vector<Finding> absent = triage::ApplyBaseline(base, &now);
  // now[1] "server h" (line 3) and now[2] (line 9) share one fingerprint, and so does base[0]
  // (a.conf "server h" occurrence 1): the first takes it, the second is new.
  CHECK(now[0].baseline_state == BaselineState::kUpdated);
  CHECK(now[1].baseline_state == BaselineState::kUnchanged);
  CHECK(now[2].baseline_state == BaselineState::kNew);
  CHECK(now[3].baseline_state == BaselineState::kUpdated);
  CHECK(now[4].baseline_state == BaselineState::kNew);
  REQUIRE(absent.size() == 2);
  CHECK(absent[0].location.Render() == "a.conf");  // "# server h": its line is now active
  CHECK(absent[1].location.Render() == "b.conf");
  for (const Finding& f : absent) CHECK(f.baseline_state == BaselineState::kAbsent);

  CHECK(triage::FailsCheck(now, Severity::kWarning, true));
  now[2].baseline_state = now[4].baseline_state = BaselineState::kUnchanged;
  CHECK_FALSE(triage::FailsCheck(now, Severity::kWarning, true));
  CHECK(triage::FailsCheck(now, Severity::kWarning, false));
}

TEST_CASE("baseline e2e: a round trip across an edit that moves lines", "[baseline][e2e]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  const std::string base_sarif = tmp / "baseline.sarif", base_json = tmp / "baseline.json";
  Scan(tmp / "repo", {"--format", "sarif", "-o", base_sarif}, 1);
  Scan(tmp / "repo", {"--format", "json", "-o", base_json}, 1);
  EditRepo(tmp / "repo");

  const std::map<std::string, std::string> want = {
      {"docs/archive/2019-notes.txt:1", "unchanged"},
      {"etc/chrony/chrony.conf:4", "unchanged"},
      {"etc/ntp.conf:6", "unchanged"},   // was line 3
      {"etc/ntp.conf:10", "updated"},    // the restrict line, edited and moved
      {"etc/ntp.conf:11", "new"},        // added
      {"-scripts/sync-time.sh:3", "absent"},
      {"src/clock.c:4", "unchanged"},
  };
  for (const std::string& base : {base_sarif, base_json}) {
    INFO("baseline " << base);
    Json doc = ScanJson(tmp / "repo", {"--baseline", base}, 1);
    CHECK(States(doc) == want);
  }
}

TEST_CASE("baseline e2e: a line edited in place is updated", "[baseline][e2e]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  Scan(tmp / "repo", {"--format", "json", "-o", tmp / "base.json"}, 1);
  std::string conf = ReadWholeFile(tmp / "repo/etc/ntp.conf");
  conf.replace(conf.find("nomodify notrap"), 15, "nomodify notrap nopeer");
  WriteWholeFile(tmp / "repo/etc/ntp.conf", conf);
  Json doc = ScanJson(tmp / "repo", {"--baseline", tmp / "base.json", "--fail-on-new-only"}, 0);
  CHECK(States(doc)["etc/ntp.conf:7"] == "updated");
  // Un-commenting is not an edit that keeps a reference accepted: it is new.
  conf = ReadWholeFile(tmp / "repo/etc/chrony/chrony.conf");
  WriteWholeFile(tmp / "repo/etc/chrony/chrony.conf", conf + "# server 192.0.2.10 prefer\n");
  Scan(tmp / "repo", {"--format", "json", "-o", tmp / "base2.json"}, 1);
  WriteWholeFile(tmp / "repo/etc/chrony/chrony.conf", conf + "server 192.0.2.10 prefer\n");
  doc = ScanJson(tmp / "repo", {"--baseline", tmp / "base2.json", "--fail-on-new-only"}, 1);
  std::map<std::string, std::string> states = States(doc);
  CHECK(states["etc/chrony/chrony.conf:5"] == "new");
  CHECK(states["-etc/chrony/chrony.conf:5"] == "absent");
}

TEST_CASE("baseline e2e: --fail-on-new-only exit codes", "[baseline][e2e]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  const std::string base = tmp / "baseline.sarif";
  Scan(tmp / "repo", {"--format", "sarif", "-o", base}, 1);
  // Nothing changed: every finding is unchanged; only new ones fail.
  Scan(tmp / "repo", {"--baseline", base}, 1);
  Scan(tmp / "repo", {"--baseline", base, "--fail-on-new-only"}, 0);
  // The config file can ask for it too.
  WriteWholeFile(tmp / "repo/.ntpsweep.yaml", "fail-on-new-only: true\nbaseline: ../baseline.sarif\n");
  Scan(tmp / "repo", {}, 0);
  // A reference removed: still 0. A new one: 1, but only at or above --fail-on.
  WriteWholeFile(tmp / "repo/scripts/sync-time.sh", "#!/bin/sh\n");
  Scan(tmp / "repo", {}, 0);
  WriteWholeFile(tmp / "repo/docs/new.md", "See 192.0.2.10.\n");  // a warning
  Scan(tmp / "repo", {}, 1);
  Scan(tmp / "repo", {"--fail-on", "error"}, 0);
  WriteWholeFile(tmp / "repo/etc/ntp.conf", ReadWholeFile(tmp / "repo/etc/ntp.conf") + "peer 192.0.2.10\n");
  Scan(tmp / "repo", {"--fail-on", "error"}, 1);
  // A new finding that is suppressed does not fail.
  WriteWholeFile(tmp / "repo/etc/ntp.conf", ReadWholeFile(tmp / "repo/etc/ntp.conf") +
                                                "peer 192.0.2.10  # ntpsweep:ignore -- twin\n");
  std::filesystem::remove(tmp / "repo/docs/new.md");
  RunResult r = Scan(tmp / "repo", {"--fail-on", "error", "--format", "json"}, 1);
  // Without a baseline every finding counts as new.
  std::filesystem::remove(tmp / "repo/.ntpsweep.yaml");
  Scan(tmp / "repo", {"--fail-on-new-only"}, 1);
  // A missing or malformed baseline is an input error.
  Scan(tmp / "repo", {"--baseline", tmp / "missing.sarif"}, 2);
  WriteWholeFile(tmp / "bad.json", "{\"neither\": 1}");
  RunResult bad = Scan(tmp / "repo", {"--baseline", tmp / "bad.json"}, 2);
  CHECK(bad.err.find("neither a SARIF log") != std::string::npos);
}

TEST_CASE("baseline e2e: SARIF baselineState passes GitHub validation", "[baseline][e2e][sarif]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  const std::string base = tmp / "baseline.sarif", out = tmp / "out.sarif",
                    absent = tmp / "absent.sarif";
  Scan(tmp / "repo", {"--format", "sarif", "-o", base}, 1);
  EditRepo(tmp / "repo");
  Scan(tmp / "repo", {"--format", "sarif", "--baseline", base, "-o", out}, 1);
  Scan(tmp / "repo", {"--format", "sarif", "--baseline", base, "--include-absent", "-o", absent}, 1);
  Json doc = Json::parse(ReadWholeFile(out));
  std::map<std::string, int> states;
  for (const Json& r : doc["runs"][0]["results"]) states[r.at("baselineState")]++;
  CHECK(states == std::map<std::string, int>{{"new", 1}, {"unchanged", 4}, {"updated", 1}});
  doc = Json::parse(ReadWholeFile(absent));
  states.clear();
  for (const Json& r : doc["runs"][0]["results"]) states[r.at("baselineState")]++;
  CHECK(states ==
        std::map<std::string, int>{{"absent", 1}, {"new", 1}, {"unchanged", 4}, {"updated", 1}});
  for (const std::string& f : {base, out, absent}) {
    Shell v = ValidateSarif(f);
    INFO(v.output);
    CHECK(v.status == 0);
  }
}
