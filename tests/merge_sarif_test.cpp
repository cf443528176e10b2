// `ntpsweep merge`: one run per (tool, category), rules de-duplicated, artifacts re-indexed,
// results concatenated; the merged log passes the SARIF Multitool's GitHub policy.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "ci_util.h"
#include "report/merge.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Json = nlohmann::ordered_json;

Json Log(std::vector<Json> runs) {
  return Json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", runs}};
}

Json Run(const std::string& tool, const std::string& id, std::vector<std::string> rules,
         std::vector<std::string> files, std::vector<std::pair<size_t, size_t>> results) {
  Json run;
  run["tool"]["driver"]["name"] = tool;
  Json rule_list = Json::array();
  for (const std::string& r : rules) rule_list.push_back({{"id", r}});
  run["tool"]["driver"]["rules"] = rule_list;
  run["automationDetails"] = {{"id", id}};
  Json artifacts = Json::array();
  for (const std::string& f : files)
    artifacts.push_back({{"location", {{"uri", f}, {"uriBaseId", "%SRCROOT%"}}}});
  run["artifacts"] = artifacts;
  Json res = Json::array();
  for (auto [rule, file] : results)
    res.push_back({{"ruleId", rules[rule]},
                   {"ruleIndex", rule},
                   {"message", {{"text", "m"}}},
                   {"locations",
                    {{{"physicalLocation",
                       {{"artifactLocation", {{"uri", files[file]}, {"uriBaseId", "%SRCROOT%"}, {"index", file}}},
                        {"region", {{"startLine", 1}}}}}}}}});
  run["results"] = res;
  run["invocations"] = Json::array({{{"executionSuccessful", true}}});
  return run;
}

// Every result's ruleIndex and artifact index point at what its ruleId and uri say.
void CheckConsistent(const Json& run) {
  for (const Json& r : run["results"]) {
    CHECK(run["tool"]["driver"]["rules"][r["ruleIndex"].get<size_t>()]["id"] == r["ruleId"]);
    const Json& al = r["locations"][0]["physicalLocation"]["artifactLocation"];
    CHECK(run["artifacts"][al["index"].get<size_t>()]["location"]["uri"] == al["uri"]);
  }
}

}  // namespace

TEST_CASE("merge: same category merges, different categories stay apart", "[merge]") {
  std::vector<std::pair<std::string, Json>> logs = {
      {"a", Log({Run("ntpsweep", "ntpsweep/repo-a/", {"r1", "r2"}, {"x.conf", "y.conf"}, {{0, 0}, {1, 1}})})},
      {"b", Log({Run("ntpsweep", "ntpsweep/repo-a/", {"r2", "r3"}, {"y.conf", "z.conf"}, {{0, 0}, {1, 1}}),
                 Run("ntpsweep", "ntpsweep/image/", {"r1"}, {"i.conf"}, {{0, 0}})})},
      {"c", Log({Run("other-tool", "ntpsweep/repo-a/", {"t1"}, {"x.conf"}, {{0, 0}})})},
  };
  std::vector<std::string> warnings;
  Json merged = ntpsweep::report::MergeSarif(logs, &warnings);
  CHECK(warnings.empty());
  REQUIRE(merged["runs"].size() == 3);
  const Json& a = merged["runs"][0];
  CHECK(a["automationDetails"]["id"] == "ntpsweep/repo-a/");
  std::vector<std::string> rule_ids;
  for (const Json& r : a["tool"]["driver"]["rules"]) rule_ids.push_back(r["id"]);
  CHECK(rule_ids == std::vector<std::string>{"r1", "r2", "r3"});
  CHECK(a["artifacts"].size() == 3);  // y.conf once
  CHECK(a["results"].size() == 4);
  CHECK(a["invocations"].size() == 2);
  CheckConsistent(a);
  CheckConsistent(merged["runs"][1]);
  CHECK(merged["runs"][1]["automationDetails"]["id"] == "ntpsweep/image/");
  CHECK(merged["runs"][2]["tool"]["driver"]["name"] == "other-tool");
}

TEST_CASE("merge: SARIF 3.27.23/24 all-or-none, categories from ids", "[merge]") {
  Json r1 = Run("ntpsweep", "ntpsweep/shard-1", {"r"}, {"a"}, {{0, 0}});
  Json r2 = Run("ntpsweep", "ntpsweep/shard-2", {"r"}, {"b"}, {{0, 0}});
  r1["results"][0]["suppressions"] = Json::array({{{"kind", "inSource"}}});
  r1["results"][0]["baselineState"] = "new";
  std::vector<std::string> warnings;
  Json merged = ntpsweep::report::MergeSarif({{"1", Log({r1})}, {"2", Log({r2})}}, &warnings);
  REQUIRE(merged["runs"].size() == 1);  // category "ntpsweep" for both
  const Json& run = merged["runs"][0];
  CHECK(run["automationDetails"]["id"] == "ntpsweep/");
  for (const Json& r : run["results"]) {
    CHECK(r.contains("suppressions"));
    CHECK_FALSE(r.contains("baselineState"));
  }
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("baselineState dropped") != std::string::npos);
  CHECK(ntpsweep::report::RunCategory(Json{{"automationDetails", {{"id", "a/b/c"}}}}) == "a/b");
  CHECK(ntpsweep::report::RunCategory(Json::object()) == "");
  CHECK_THROWS_AS(ntpsweep::report::MergeSarif({{"bad", Json{{"version", "2.0.0"}}}}, &warnings),
                  ntpsweep::report::MergeError);
}

TEST_CASE("merge e2e: scans of two trees and two shards into one valid log", "[merge][e2e][sarif]") {
  TempDir tmp;
  const std::string e2e = kSourceDir + "/fixtures/e2e";
  const std::vector<std::string> e2e_hosts = {"--host", "192.0.2.10", "--host", "2001:db8::123",
                                              "--host", "ntp-old.corp.example.net", "--host",
                                              "198.51.100.0/28"};
  // The CI fixture in two shards (same category), the e2e tree under its own category.
  for (const char* shard : {"1/2", "2/2"}) {
    std::string out = tmp / ("ci-" + std::string(1, shard[0]) + ".sarif");
    RunResult r = RunNtpsweep(Join(Join({"scan"}, kHosts), {"--format", "sarif", "--shard", shard, "-o", out, "--category", "ci"}),
                              RunOptions{kRepoFixture, {{"NTPSWEEP_TODAY", "2026-06-01"}}, false});
    REQUIRE(r.exit_code <= 1);
  }
  RunResult r = RunNtpsweep(Join(Join({"scan"}, e2e_hosts), {"--format", "sarif", "-o", tmp / "e2e.sarif", "--category", "rootfs"}),
                            RunOptions{e2e, {}, false});
  REQUIRE(r.exit_code == 1);
  Scan(kRepoFixture, {"--format", "sarif", "-o", tmp / "whole.sarif", "--category", "ci"}, 1);

  r = RunNtpsweep({"merge", "-o", tmp / "merged.sarif", tmp / "ci-1.sarif", tmp / "ci-2.sarif", tmp / "e2e.sarif"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Json merged = Json::parse(ReadWholeFile(tmp / "merged.sarif"));
  REQUIRE(merged["runs"].size() == 2);
  CHECK(merged["runs"][0]["automationDetails"]["id"] == "ci/");
  CHECK(merged["runs"][1]["automationDetails"]["id"] == "rootfs/");
  CheckConsistent(merged["runs"][0]);
  CheckConsistent(merged["runs"][1]);
  // The shards' union is the whole scan, result for result.
  Json whole = Json::parse(ReadWholeFile(tmp / "whole.sarif"));
  CHECK(merged["runs"][0]["results"] == whole["runs"][0]["results"]);
  CHECK(merged["runs"][0]["tool"] == whole["runs"][0]["tool"]);
  CHECK(merged["runs"][0]["artifacts"] == whole["runs"][0]["artifacts"]);
  Shell v = ValidateSarif(tmp / "merged.sarif");
  INFO(v.output);
  CHECK(v.status == 0);

  // A directory of *.sarif works too; a broken input is an error.
  std::filesystem::create_directories(tmp / "dir");
  std::filesystem::copy_file(tmp / "ci-1.sarif", tmp / "dir/1.sarif");
  std::filesystem::copy_file(tmp / "ci-2.sarif", tmp / "dir/2.sarif");
  r = RunNtpsweep({"merge", tmp / "dir"});
  REQUIRE(r.exit_code == 0);
  CHECK(Json::parse(r.out)["runs"][0]["results"] == whole["runs"][0]["results"]);
  WriteWholeFile(tmp / "bad.sarif", "{");
  CHECK(RunNtpsweep({"merge", tmp / "bad.sarif"}).exit_code == 2);
  CHECK(RunNtpsweep({"merge", tmp / "missing.sarif"}).exit_code == 2);
}

TEST_CASE("merge: the same log given twice is merged once and a warning says so", "[merge][e2e]") {
  TempDir tmp;
  for (const char* shard : {"1/2", "2/2"}) {
    std::string out = tmp / ("shards/" + std::string(1, shard[0]) + ".sarif");
    std::filesystem::create_directories(tmp / "shards");
    RunResult r = RunNtpsweep(Join(Join({"scan"}, kHosts), {"--format", "sarif", "--shard", shard,
                                                            "-o", out, "--category", "ci"}),
                              RunOptions{kRepoFixture, {{"NTPSWEEP_TODAY", "2026-06-01"}}, false});
    REQUIRE(r.exit_code <= 1);
  }
  auto results_of = [](const RunResult& r) {
    REQUIRE(r.exit_code == 0);
    return Json::parse(r.out)["runs"][0]["results"];
  };
  const Json both =
      results_of(RunNtpsweep({"merge", tmp / "shards/1.sarif", tmp / "shards/2.sarif"}));
  const Json one = results_of(RunNtpsweep({"merge", tmp / "shards/1.sarif"}));
  REQUIRE(!one.empty());
  REQUIRE(both.size() > one.size());  // the decoy: another shard's log is merged, not dropped
  // The same path twice, a directory and a file in it, a byte-identical copy (a retried job).
  std::filesystem::copy_file(tmp / "shards/1.sarif", tmp / "retry-1.sarif");
  struct Case {
    std::vector<std::string> inputs;
    std::string warning;
  };
  for (const Case& c :
       {Case{{tmp / "shards/1.sarif", tmp / "shards/1.sarif", tmp / "shards/2.sarif"},
             tmp / "shards/1.sarif is given more than once; merged once"},
        Case{{tmp / "shards", tmp / "shards/2.sarif"},
             tmp / "shards/2.sarif is given more than once; merged once"},
        Case{{tmp / "shards/1.sarif", tmp / "shards/2.sarif", tmp / "retry-1.sarif"},
             tmp / "retry-1.sarif is the same log as " + tmp / "shards/1.sarif" +
                 "; merged once"}}) {
    RunResult r = RunNtpsweep(Join({"merge"}, c.inputs));
    INFO(r.err);
    CHECK(results_of(r) == both);
    CHECK(r.err.find("ntpsweep: merge: warning: " + c.warning) != std::string::npos);
    CHECK(r.err.find("merged 2 logs into 1 run") != std::string::npos);
  }
}
