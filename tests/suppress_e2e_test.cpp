// Suppressions end to end, over fixtures/ci/repo: inline markers in YAML, Markdown, ntp.conf,
// chrony.conf, shell and C; the .ntpsweepignore file (a path glob, an expired entry, an unused
// one); what each output shows; exit codes; SARIF that GitHub's ingestion accepts.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "ci_util.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Json = nlohmann::json;

// (location, line, suppression kind or "", justification). The rule is left out: which rule
// reports a line is the rule pack's business (rules_*_test, e2e_test), not suppression's.
using Row = std::tuple<std::string, int, std::string, std::string>;

std::set<Row> Rows(const Json& doc) {
  std::set<Row> rows;
  for (const Json& f : doc.at("findings")) {
    std::string kind, why;
    if (f.contains("suppression")) {
      kind = f["suppression"]["kind"];
      why = f["suppression"]["justification"];
    }
    rows.insert({f.at("location"), f.at("line"), kind, why});
  }
  return rows;
}

// Every finding of the fixture with how it is suppressed (read from the fixture's files).
const std::set<Row> kAll = {
    {"app/config.yaml", 4, "inSource", "vendor default, overridden at deploy time"},
    {"docs/archive/2019-notes.txt", 1, "", ""},  // its ignore entry expired
    {"docs/runbook.md", 3, "inSource", "history"},
    {"etc/chrony/chrony.conf", 3, "inSource", "fallback until the cutover"},
    {"etc/chrony/chrony.conf", 4, "", ""},
    {"etc/ntp.conf", 3, "", ""},
    {"etc/ntp.conf", 4, "inSource", "standby until OPS-42"},
    {"etc/ntp.conf", 6, "inSource", "kept for the rollback window"},
    {"etc/ntp.conf", 7, "", ""},
    {"legacy/ntp.conf", 1, "external",
     "the legacy fleet is switched off with its configuration"},
    {"scripts/sync-time.sh", 3, "", ""},
    {"scripts/sync-time.sh", 4, "inSource", "the legacy path, OPS-77"},
    {"src/clock.c", 2, "inSource", "a test vector, not a server"},
    {"src/clock.c", 3, "inSource", ""},
    {"src/clock.c", 4, "", ""},
};

std::set<Row> Open() {
  std::set<Row> open;
  for (const Row& r : kAll)
    if (std::get<2>(r).empty()) open.insert(r);
  return open;
}

}  // namespace

TEST_CASE("suppress e2e: each suppression form, with --include-suppressed", "[suppress][e2e]") {
  Json doc = ScanJson(kRepoFixture, {"--include-suppressed"}, 1);
  CHECK(Rows(doc) == kAll);
  // The expired entry is reported whether or not unused entries are asked for.
  std::set<std::string> ids;
  for (const Json& n : doc.at("notices")) ids.insert(n.at("id"));
  CHECK(ids == std::set<std::string>{"expired-suppression"});
}

TEST_CASE("suppress e2e: suppressed findings are left out by default", "[suppress][e2e]") {
  Json doc = ScanJson(kRepoFixture, {}, 1);
  CHECK(Rows(doc) == Open());
  RunResult text = Scan(kRepoFixture, {"--color", "never"}, 1);
  CHECK(text.out.find("6 findings (2 error, 4 warning) in 5 files; 9 suppressed") != std::string::npos);
  CHECK(text.out.find("legacy/ntp.conf") == std::string::npos);
  CHECK(text.out.find("expired-suppression") != std::string::npos);
}

TEST_CASE("suppress e2e: only unsuppressed findings decide the exit code", "[suppress][e2e]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  // Everything open is either an error or a warning; ignoring those files leaves nothing.
  WriteWholeFile(tmp / "repo/.ntpsweepignore",
                 "etc/**  -- cutover in progress\n"
                 "scripts/** -- scripts are rewritten in OPS-9\n"
                 "src/** -- test vectors\n"
                 "docs/** -- history\n");
  Json doc = ScanJson(tmp / "repo", {}, 1);  // legacy/ntp.conf is no longer ignored
  CHECK(Rows(doc) == std::set<Row>{{"legacy/ntp.conf", 1, "", ""}});
  WriteWholeFile(tmp / "repo/.ntpsweepignore", "** -- everything is accepted\n");
  doc = ScanJson(tmp / "repo", {}, 0);
  CHECK(doc.at("findings").empty());
}

TEST_CASE("suppress e2e: unused suppressions are reported on request", "[suppress][e2e]") {
  Json doc = ScanJson(kRepoFixture, {"--report-unused-suppressions"}, 1);
  std::set<std::tuple<std::string, std::string, int>> got;
  for (const Json& n : doc.at("notices"))
    got.insert({n.at("id"), n.value("location", ""), n.value("line", 0)});
  CHECK(got == std::set<std::tuple<std::string, std::string, int>>{
                   {"expired-suppression", ".ntpsweepignore", 3},
                   {"unused-suppression", ".ntpsweepignore", 4},
                   {"unused-suppression", "scripts/cleanup.sh", 2},
               });
}

TEST_CASE("suppress e2e: the ignore file can be named, and config entries add to it",
          "[suppress][e2e]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  std::filesystem::remove(tmp / "repo/.ntpsweepignore");
  WriteWholeFile(tmp / "accepted.txt", "src/** rule=text-mention -- generated test vectors\n");
  WriteWholeFile(tmp / "repo/.ntpsweep.yaml",
                 "ignore:\n"
                 "  - path: 'docs/**'\n"
                 "    reason: documentation is rewritten separately\n");
  Json doc = ScanJson(tmp / "repo", {"--ignore-file", tmp / "accepted.txt", "--include-suppressed"}, 1);
  std::set<Row> rows = Rows(doc);
  CHECK(rows.count({"src/clock.c", 4, "external", "generated test vectors"}));
  CHECK(rows.count({"docs/archive/2019-notes.txt", 1, "external",
                    "documentation is rewritten separately"}));
  // legacy/ is no longer ignored (the default file was removed, --ignore-file replaced it).
  CHECK(rows.count({"legacy/ntp.conf", 1, "", ""}));
  // Inline markers beat the ignore file: src/clock.c:2 keeps its own reason.
  CHECK(rows.count({"src/clock.c", 2, "inSource", "a test vector, not a server"}));
}

TEST_CASE("suppress e2e: a broken ignore file is a usage error", "[suppress][e2e]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  WriteWholeFile(tmp / "repo/.ntpsweepignore", "legacy/**\n");
  RunResult r = Scan(tmp / "repo", {}, 2);
  CHECK(r.err.find(".ntpsweepignore:1:10: an entry needs a reason") != std::string::npos);
}

TEST_CASE("suppress e2e: SARIF suppressions, and what GitHub would see", "[suppress][e2e][sarif]") {
  TempDir tmp;
  const std::string with = tmp / "with.sarif", without = tmp / "without.sarif";
  Scan(kRepoFixture, {"--format", "sarif", "-o", without}, 1);
  Scan(kRepoFixture, {"--format", "sarif", "--include-suppressed", "-o", with}, 1);
  Json a = Json::parse(ReadWholeFile(without)), b = Json::parse(ReadWholeFile(with));
  const Json& open = a["runs"][0]["results"];
  const Json& all = b["runs"][0]["results"];
  CHECK(open.size() == 6);
  CHECK(all.size() == 15);
  for (const Json& r : open) CHECK_FALSE(r.contains("suppressions"));
  // With suppressed results, every result carries `suppressions` (SARIF 3.27.23).
  size_t in_source = 0, external = 0, empty = 0;
  for (const Json& r : all) {
    REQUIRE(r.contains("suppressions"));
    if (r["suppressions"].empty()) {
      ++empty;
      continue;
    }
    const Json& s = r["suppressions"][0];
    CHECK(s["status"] == "accepted");
    (s["kind"] == "inSource" ? in_source : external)++;
    CHECK(r["partialFingerprints"].contains("ntpsweep/v1"));
  }
  CHECK(in_source == 8);
  CHECK(external == 1);
  CHECK(empty == 6);
  for (const std::string& f : {without, with}) {
    Shell v = ValidateSarif(f);
    INFO(v.output);
    CHECK(v.status == 0);
  }
}
