// Baselines: content fingerprints survive moved lines; an earlier SARIF or JSON report marks
// results new / unchanged / updated / absent; --fail-on-new-only gates only on new ones.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

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
      Make("a.conf", 1, "r", "h", "server h"),                        // moves: unchanged
      Make("a.conf", 2, "r", "h", "restrict h", Severity::kWarning),  // edited: updated
      Make("a.conf", 3, "r", "h", "# server h", Severity::kNote),     // re-activated: new
      Make("b.conf", 1, "r", "h", "server h"),                        // removed: absent
      Make("c.conf", 1, "r", "h", "server h"),                        // class changed: updated
      Make("e.conf", 1, "r", "h", "server h"),                        // message only: unchanged
  };
  std::vector<Finding> now = {
      Make("a.conf", 2, "r", "h", "restrict h nomodify", Severity::kWarning),
      Make("a.conf", 3, "r", "h", "server h"),
      Make("a.conf", 9, "r", "h", "server h"),
      Make("c.conf", 1, "r", "h", "server h"),
      Make("d.conf", 1, "r", "h", "server h"),  // new file
      Make("e.conf", 1, "r", "h", "server h"),
  };
  now[3].activity = ntpsweep::Activity::kTemplate;
  // A report may render the message differently (SARIF appends links to related locations).
  now[5].message += " — see [a.conf:1](1)";
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
  CHECK(now[5].baseline_state == BaselineState::kUnchanged);
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

namespace {

// States counted in a report of any format: JSON baseline_state, SARIF baselineState, the text
// summary line, GitHub annotation titles ("rule (state)").
std::map<std::string, int> CountStates(const std::string& format, const std::string& report) {
  std::map<std::string, int> n;
  if (format == "json") {
    Json doc = Json::parse(report);
    for (const Json& f : doc.at("findings")) n[f.at("baseline_state")]++;
    for (const Json& f : doc.at("absent")) n[f.at("baseline_state")]++;
  } else if (format == "sarif") {
    Json doc = Json::parse(report);
    for (const Json& r : doc["runs"][0]["results"]) n[r.at("baselineState")]++;
  } else if (format == "text") {
    size_t at = report.find("baseline: ");
    REQUIRE(at != std::string::npos);
    unsigned fresh = 0, unchanged = 0, updated = 0, absent = 0;
    REQUIRE(std::sscanf(report.c_str() + at,
                        "baseline: %u new, %u unchanged, %u updated, %u absent", &fresh, &unchanged,
                        &updated, &absent) == 4);
    for (auto [k, v] : {std::pair{"new", fresh},
                        {"unchanged", unchanged},
                        {"updated", updated},
                        {"absent", absent}})
      if (v) n[k] = static_cast<int>(v);
  } else {
    for (const char* s : {"new", "unchanged", "updated"}) {
      const std::string title = std::string(" (") + s + ")::";
      for (size_t at = report.find(title); at != std::string::npos; at = report.find(title, at + 1))
        n[s]++;
    }
  }
  return n;
}

RunResult ScanWith(const std::string& cwd, std::vector<std::string> args, int want) {
  RunResult r = RunNtpsweep(Join({"scan", "-q"}, args),
                            RunOptions{cwd, {{"NTPSWEEP_TODAY", "2026-06-01"}}, false});
  INFO("args: " << Json(args).dump());
  INFO("stdout: " << r.out.substr(0, 3000));
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == want);
  return r;
}

}  // namespace

TEST_CASE("baseline e2e: an unchanged tree is unchanged whatever the formats", "[baseline][e2e]") {
  // Findings with related locations (SARIF links them from the message) and archive members
  // (their SARIF URI flattens the chain) included.
  TempDir tmp;
  const std::string tree = tmp / "tree";
  CopyTree(kSourceDir + "/fixtures/syntaxes", tree);
  WriteWholeFile(tmp / "member/etc/ntp.conf", "server 10.20.30.40 iburst\nrestrict 10.20.30.40\n");
  REQUIRE(Sh("tar -czf " + Quote(tree + "/bundle.tar.gz") + " -C " + Quote(tmp / "member") + " etc")
              .status == 0);
  const std::vector<std::string> hosts = {"--host", "10.20.30.40", "--host",
                                          "ntp-old.corp.example.com"};
  Json sarif = Json::parse(ScanWith(tree, Join(hosts, {"--format", "sarif"}), 1).out);
  size_t total = sarif["runs"][0]["results"].size(), linked = 0, nested = 0;
  for (const Json& r : sarif["runs"][0]["results"]) {
    linked += r.contains("relatedLocations") ? 1 : 0;
    nested += r["properties"].contains("artifactIndex") ? 1 : 0;
  }
  REQUIRE(linked > 0);
  REQUIRE(nested == 2);
  for (const std::string base_format : {"sarif", "json"}) {
    const std::string base = tmp / ("base." + base_format);
    ScanWith(tree, Join(hosts, {"--format", base_format, "-o", base}), 1);
    for (const std::string format : {"json", "sarif", "text", "github"}) {
      INFO("baseline " << base_format << ", report " << format);
      RunResult r = ScanWith(
          tree, Join(hosts, {"--baseline", base, "--format", format, "--annotate", "all"}), 1);
      std::map<std::string, int> states = CountStates(format, r.out);
      if (format == "github") {  // 10 annotations per level: the rest is counted at the end
        CHECK(states.size() == 1);
        CHECK(states["unchanged"] >= 10);
        CHECK(r.out.find("beyond GitHub's 10 annotations") != std::string::npos);
      } else {
        CHECK(states == std::map<std::string, int>{{"unchanged", static_cast<int>(total)}});
      }
    }
  }
}

TEST_CASE("baseline e2e: paths are from the scan root whatever the operands", "[baseline][e2e]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  CopyTree(kRepoFixture, repo);
  const std::string json = tmp / "base.json", sarif = tmp / "base.sarif";
  Scan(repo, {"--format", "json", "-o", json}, 1);
  Scan(repo, {"--format", "sarif", "-o", sarif}, 1);
  Json base = Json::parse(ReadWholeFile(json));
  std::map<std::string, std::string> fingerprints;  // location:line -> fingerprint
  for (const Json& f : base["findings"])
    fingerprints[f["location"].get<std::string>() + ":" + std::to_string(f["line"].get<int>())] =
        f["fingerprint"];
  const size_t total = base["findings"].size();
  REQUIRE(total > 3);

  for (const std::string& b : {json, sarif}) {
    INFO("baseline " << b);
    // An absolute operand, and a scan from elsewhere with --srcroot: the same fingerprints.
    for (const auto& [cwd, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {repo, {repo}},
             {tmp.path(), {"--srcroot", "repo", "repo"}},
             {repo + "/etc", {"--srcroot", "..", ".."}}}) {
      INFO("in " << cwd << ": " << Json(args).dump());
      Json doc = ScanJson(cwd, Join({"--baseline", b}, args), 1);
      CHECK(CountStates("json", doc.dump()) ==
            std::map<std::string, int>{{"unchanged", static_cast<int>(total)}});
      for (const Json& f : doc["findings"])
        CHECK(fingerprints[f["root_path"].get<std::string>() + ":" +
                           std::to_string(f["line"].get<int>())] == f["fingerprint"]);
    }
    // One file, one directory, an excluded directory: the rest was not looked at, not absent.
    Json one = ScanJson(repo, {"--baseline", b, "etc/ntp.conf"}, 1);
    CHECK(one["absent"].empty());
    CHECK(CountStates("json", one.dump()) == std::map<std::string, int>{{"unchanged", 2}});
    Json dir = ScanJson(repo, {"--baseline", b, repo + "/etc"}, 1);
    CHECK(dir["absent"].empty());
    Json excluded = ScanJson(repo, {"--baseline", b, "--exclude", "docs/**"}, 1);
    CHECK(excluded["absent"].empty());
  }
  // A file deleted inside what was scanned is absent, reported where this run reports paths.
  std::filesystem::remove(repo + "/scripts/sync-time.sh");
  Json gone = ScanJson(tmp.path(), {"--baseline", json, "--srcroot", "repo", "repo/scripts"}, 0);
  REQUIRE(gone["absent"].size() == 1);
  CHECK(gone["absent"][0]["location"] == "repo/scripts/sync-time.sh");
  CHECK(gone["absent"][0]["root_path"] == "scripts/sync-time.sh");
  Json elsewhere = ScanJson(repo, {"--baseline", json, "etc"}, 1);
  CHECK(elsewhere["absent"].empty());
}

TEST_CASE("baseline e2e: SARIF URIs are relative to --srcroot", "[baseline][e2e][sarif]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  CopyTree(kRepoFixture, repo);
  WriteWholeFile(tmp / "outside/ntp.conf", "server 192.0.2.10\n");
  for (const std::vector<std::string>& operands :
       {std::vector<std::string>{"repo/etc", "outside"},
        std::vector<std::string>{repo + "/etc", tmp / "outside"}}) {
    RunResult r = Scan(tmp.path(), Join({"--format", "sarif", "--srcroot", "repo"}, operands), 1);
    Json run = Json::parse(r.out)["runs"][0];
    CHECK(run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file://" + repo + "/");
    std::set<std::string> uris;
    for (const Json& res : run["results"]) {
      const Json& a = res["locations"][0]["physicalLocation"]["artifactLocation"];
      uris.insert(a["uri"].get<std::string>() + (a.contains("uriBaseId") ? " @root" : ""));
    }
    CHECK(uris == std::set<std::string>{"etc/chrony/chrony.conf @root", "etc/ntp.conf @root",
                                        "file://" + tmp.path() + "/outside/ntp.conf"});
    r = Scan(tmp.path(), Join({"--format", "github", "--srcroot", "repo"}, operands), 1);
    CHECK(r.out.find("::error file=etc/ntp.conf,") != std::string::npos);
  }
}
