// ntpsweep never reports its own files (the config, the ignore file, the baseline and reports
// it loads or writes), and file-valued options refuse empty values and directories.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "ci_util.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Json = nlohmann::json;

RunResult Run(const std::string& cwd, const std::vector<std::string>& args) {
  return RunNtpsweep(args, RunOptions{cwd, {{"NTPSWEEP_TODAY", "2026-06-01"}}, false});
}

std::set<std::string> Files(const Json& doc) {
  std::set<std::string> out;
  for (const Json& f : doc.at("findings")) out.insert(f.at("location").get<std::string>());
  return out;
}

size_t SkippedOwn(const Json& doc) {
  const Json& skipped = doc.at("stats").at("skipped");
  return skipped.contains("ntpsweep-file") ? skipped.at("ntpsweep-file").get<size_t>() : 0;
}

}  // namespace

TEST_CASE("ci own files: init then scan is clean", "[ci][own-files]") {
  TempDir tmp;
  WriteWholeFile(tmp / "etc/ntp.conf", "server ntp2.corp.example.net iburst\n");
  RunResult init = Run(tmp.path(), {"init", "--host", "192.0.2.10"});
  REQUIRE(init.exit_code == 0);
  // A reason that names the retired host, as people write them.
  WriteWholeFile(tmp / ".ntpsweepignore", "legacy/** -- 192.0.2.10 is switched off with legacy\n");
  RunResult r = Run(tmp.path(), {"scan"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  Json doc = Json::parse(Run(tmp.path(), {"scan", "--format", "json"}).out);
  CHECK(doc["findings"].empty());
  CHECK(SkippedOwn(doc) == 2);
}

TEST_CASE("ci own files: by the identity of what the run loaded, not by name", "[ci][own-files]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  WriteWholeFile(repo + "/etc/ntp.conf", "server 192.0.2.10 iburst\n");
  // Loaded under other names: never findings.
  WriteWholeFile(repo + "/ci/sweep.yml", "hosts: [192.0.2.10]\nignore-file: accepted.txt\n");
  WriteWholeFile(repo + "/ci/accepted.txt", "legacy/** -- 192.0.2.10 goes with legacy\n");
  // Decoys with the tool's names that this run did not load: ordinary files, scanned.
  WriteWholeFile(repo + "/vendor/.ntpsweep.yaml", "hosts: [192.0.2.10]\n");
  WriteWholeFile(repo + "/vendor/.ntpsweepignore", "x/** -- 192.0.2.10\n");
  Json doc = ScanJson(repo, {"--config", "ci/sweep.yml"}, 1);
  CHECK(Files(doc) ==
        std::set<std::string>{"etc/ntp.conf", "vendor/.ntpsweep.yaml", "vendor/.ntpsweepignore"});
  CHECK(SkippedOwn(doc) == 2);

  // The baseline and the report of an earlier run inside the tree, and the summary.
  const std::string base = repo + "/reports/base.json";
  std::filesystem::create_directories(repo + "/reports");
  RunResult r = Run(repo, {"scan", "--config", "ci/sweep.yml", "--format", "json", "-o", base});
  REQUIRE(r.exit_code == 1);
  for (int round = 0; round < 2; ++round) {
    r = Run(repo,
            {"scan", "--config", "ci/sweep.yml", "--baseline", "reports/base.json", "--format",
             "json", "-o", "reports/now.json", "--summary", "summary.md", "--fail-on-new-only"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
  doc = Json::parse(ReadWholeFile(repo + "/reports/now.json"));
  for (const Json& f : doc["findings"]) CHECK(f["baseline_state"] == "unchanged");
  CHECK(SkippedOwn(doc) == 5);  // config, ignore file, baseline, report, summary
  // Named as operands, they are skipped too.
  doc = ScanJson(repo, {"--config", "ci/sweep.yml", "ci/sweep.yml", "ci/accepted.txt", "etc"}, 1);
  CHECK(Files(doc) == std::set<std::string>{"etc/ntp.conf"});
  // A copy is another file: scanned.
  std::filesystem::copy_file(repo + "/ci/accepted.txt", repo + "/ci/accepted-copy.txt");
  doc = ScanJson(repo, {"--config", "ci/sweep.yml", "ci"}, 1);
  CHECK(Files(doc) == std::set<std::string>{"ci/accepted-copy.txt"});
}

TEST_CASE("ci arguments: empty values and directories are usage errors", "[ci][own-files]") {
  TempDir tmp;
  WriteWholeFile(tmp / "docker/ntp.conf", "server 192.0.2.10\n");
  WriteWholeFile(tmp / "base.json", "{\"findings\": []}\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--baseline=", "docker"}, "--baseline= has an empty value"},
      {{"--ignore-file=", "docker"}, "--ignore-file= has an empty value"},
      {{"--config=", "docker"}, "--config= has an empty value"},
      {{"--baseline", "", "docker"}, "--baseline: an empty value"},
      {{"--ignore-file", "", "docker"}, "--ignore-file: an empty value"},
      {{"--ignore-file", "docker", "docker"}, "--ignore-file: 'docker' is a directory, not a file"},
      {{"--baseline", "docker", "docker"}, "--baseline: 'docker' is a directory, not a file"},
      {{"--config", "docker", "docker"}, "--config: 'docker' is a directory, not a file"},
      {{"-o", "docker", "docker"}, "--output: 'docker' is a directory, not a file"},
      {{"--summary", "docker", "docker"}, "--summary: 'docker' is a directory, not a file"},
  };
  for (const auto& [args, message] : cases) {
    RunResult r = Run(tmp.path(), Join({"scan", "--host", "192.0.2.10"}, args));
    INFO(Json(args).dump() << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(message) != std::string::npos);
    CHECK(r.out.empty());
  }
  // The same from the config file: a directory named as the ignore file or the baseline.
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\nignore-file: docker\n");
  RunResult r = Run(tmp.path(), {"scan"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("ignore-file: 'docker' is a directory, not a file") != std::string::npos);
  // Values that are fine still work, with '=' too.
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [192.0.2.10]\n");
  CHECK(
      Run(tmp.path(), {"scan", "--baseline=base.json", "--fail-on-new-only", "docker"}).exit_code ==
      1);
}
